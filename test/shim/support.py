"""Helpers shared by the shim's tests: a Unix-socket listener that collects NDJSON frames,
and a runner for a real ``ansible-playbook`` with the otel_sidecar callback enabled.

Standard library only; run the tests with the Python that has ansible (``/usr/bin/python3``).
"""

import json
import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from ansible.release import __version__ as _ANSIBLE_VERSION

# (major, minor) of the ansible-core under test: the one on this interpreter's path is the one
# ANSIBLE_PLAYBOOK runs (test/shim/run.sh takes both from the same wrapper).
ANSIBLE_CORE = tuple(int(n) for n in re.findall(r'\d+', _ANSIBLE_VERSION)[:2])

# How a vault plaintext that the shim came across shows in a callback result's frame. 2.22 masks
# every value its secret masker knows (each vault value it, or the shim, decrypted) in the results
# it hands callbacks, as $REDACTED$, and in its own output; before, the result holds the plaintext
# and the shim's writer masks it as ***.
RESULT_MASK = '$REDACTED$' if ANSIBLE_CORE >= (2, 22) else '***'

HERE = os.path.dirname(os.path.abspath(__file__))          # test/shim
ROOT = os.path.dirname(os.path.dirname(HERE))               # the repository
PLUGIN_DIR = os.path.join(ROOT, 'plugin')
PLAYBOOKS = os.path.join(HERE, 'playbooks')


def until(check, timeout=30.0, interval=0.02):
    """Polls ``check`` until it is true; returns whether it became true within ``timeout`` s.

    The one wait of the shim's tests: they wait on an event (a frame, a file, EOF), never a fixed
    time; ``timeout`` only bounds a test that would otherwise hang."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return bool(check())
        time.sleep(interval)
    return True


def _find_tool(name):
    # The ansible-core under test: OTEL_TEST_ANSIBLE_BIN (e.g. scripts/ansible-core-2.19.sh's bin/),
    # else the tool next to the interpreter running the tests (it has ansible).
    import sys
    here = os.path.join(os.path.dirname(os.path.realpath(sys.executable)), name)
    chosen = os.environ.get('OTEL_TEST_ANSIBLE_BIN')
    for candidate in ((os.path.join(chosen, name),) if chosen else (here, os.path.join('/usr/bin', name))):
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name) or name


ANSIBLE_PLAYBOOK = _find_tool('ansible-playbook')
ANSIBLE_DOC = _find_tool('ansible-doc')


class Listener(object):
    """A stand-in sidecar: accepts connections on a Unix socket and records the raw bytes.

    mode:
      'read'   read everything until EOF (normal sidecar)
      'stall'  accept, then never read (a stuck sidecar); when the shim gives the connection up,
               touch ``peer-closed`` next to the socket (flood-then-wait.yml waits for it)
      'hangup' read the first chunk, then close the connection (a crashing sidecar)
      'hangup_after' read until ``frames`` complete frames arrived, then close the connection
      'ack'    read like 'read', announce acks on accept and ack the run once ``bye`` arrived
      'no_ack' announce acks on accept, read, never ack (a sidecar whose export does not finish)
    """

    def __init__(self, path, mode='read', frames=None):
        self.path = path
        self.mode = mode
        self.hangup_frames = frames
        self.connections = []   # one bytearray per accepted connection
        self.first_data = threading.Event()
        self._stop = threading.Event()
        self._threads = []
        self._conns = []
        d = os.path.dirname(path)
        if d and not os.path.isdir(d):
            os.makedirs(d)
        self._srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._srv.bind(path)
        self._srv.listen(8)
        self._srv.settimeout(0.1)
        t = threading.Thread(target=self._accept_loop, name='listener-accept')
        t.daemon = True
        t.start()
        self._accept_thread = t

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._srv.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            buf = bytearray()
            self.connections.append(buf)
            self._conns.append(conn)
            t = threading.Thread(target=self._serve, args=(conn, buf))
            t.daemon = True
            t.start()
            self._threads.append(t)

    def _serve(self, conn, buf):
        try:
            conn.settimeout(0.2)
        except OSError:
            return
        if self.mode == 'stall':
            self._wait_hangup(conn)
            return
        if self.mode in ('ack', 'no_ack'):
            conn.sendall(b'{"t":"ready","ack":true}\n')
        acked = False
        while not self._stop.is_set():
            try:
                data = conn.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            buf.extend(data)
            self.first_data.set()
            if self.mode == 'hangup':
                break
            if self.mode == 'hangup_after' and buf.count(b'\n') >= self.hangup_frames:
                break
            if self.mode == 'ack' and not acked and b'"bye"' in buf:
                bye = [f for f in parse_ndjson(bytes(buf[:buf.rfind(b'\n') + 1])) if f.get('t') == 'bye']
                if bye:
                    acked = True
                    ack = {'t': 'ack', 'run': bye[0]['run'], 'seq': bye[0]['seq']}
                    conn.sendall(json.dumps(ack).encode('utf-8') + b'\n')
        try:
            conn.close()
        except OSError:
            pass

    def _wait_hangup(self, conn):
        # POLLRDHUP: the peer closed, although its unread bytes are still queued here
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLRDHUP)
        while not self._stop.is_set():
            if poller.poll(100):
                open(os.path.join(os.path.dirname(self.path), 'peer-closed'), 'a').close()
                return

    def wait_eof(self, timeout=30.0, expect=1):
        """Wait until ``expect`` connections were accepted and every accepted connection
        reached EOF. True if they all did."""
        return until(lambda: len(self._threads) >= expect and not any(t.is_alive() for t in self._threads),
                     timeout)

    def close(self):
        self._stop.set()
        try:
            self._srv.close()
        except OSError:
            pass
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(1.0)
        self._accept_thread.join(1.0)
        try:
            os.unlink(self.path)
        except OSError:
            pass

    @property
    def raw(self):
        return b''.join(bytes(c) for c in self.connections)

    def frames(self, index=0):
        data = bytes(self.connections[index]) if self.connections else b''
        return parse_ndjson(data)


def enqueue(writer, data):
    """One encoded frame into a FrameWriter's queue as the callback's _emit puts it there: under
    the writer's lock, by append_locked (never blocks). False when the queue was full."""
    with writer._lock:
        return writer.append_locked(data)


def unsent(writer):
    """Frames queued or being written by a FrameWriter's thread."""
    with writer._lock:
        return len(writer._q) + writer._inflight


def callback_result(host, task, res):
    """The result object a callback gets from TaskQueueManager.send_callback, on any version:
    2.14's clean copy of a TaskResult; 2.19's CallbackTaskResult made from the raw result; 2.22's
    made from a UnifiedTaskResult, as send_callback does (2.22 has no _RawTaskResult, and its
    TaskResult is CallbackTaskResult itself). The ``result`` copy is cached: built here, so a
    benchmark measures the shim only."""
    from ansible.executor import task_result
    raw_cls = getattr(task_result, '_RawTaskResult', None)
    if raw_cls is not None:
        result = raw_cls(host, task, res, {}).as_callback_task_result()
    elif hasattr(task_result.TaskResult, 'clean_copy'):
        return task_result.TaskResult(host, task, res).clean_copy()
    else:
        from ansible._internal import _task
        utr = _task.UnifiedTaskResult.from_action_result_dict(dict(res))
        result = task_result.CallbackTaskResult(host, task, utr)
    result.result  # noqa: B018 - fills the cached copy
    return result


def parse_ndjson(data):
    text = data.decode('utf-8')
    if not text:
        return []
    assert text.endswith('\n'), 'stream does not end with a newline'
    lines = text.split('\n')[:-1]
    for line in lines:
        assert line, 'blank line in the NDJSON stream'
    return [json.loads(line) for line in lines]


PLUGIN_FILE = os.path.join(PLUGIN_DIR, 'otel_sidecar.py')


class Workdir(object):
    """A private temp directory with an empty ansible.cfg and temp dirs for ansible.

    ANSIBLE_CALLBACK_PLUGINS is plugin/ itself (as the sidecar sets it) unless
    ``single_file=True``: then a directory holding only the plugin file, the way users install
    it by copying the file.
    """

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix='otel-shim-')
        for sub in ('home', 'local_tmp', 'remote_tmp', 'cp', 'async', 'callbacks'):
            os.makedirs(os.path.join(self.path, sub))
        self.callback_dir = os.path.join(self.path, 'callbacks')
        try:
            os.symlink(PLUGIN_FILE, os.path.join(self.callback_dir, 'otel_sidecar.py'))
        except OSError:
            shutil.copy(PLUGIN_FILE, self.callback_dir)
        self.cfg = os.path.join(self.path, 'ansible.cfg')
        with open(self.cfg, 'w') as f:
            f.write('[defaults]\n')
        self.sock = os.path.join(self.path, 's.sock')
        # never ~/.cache: the shim creates this one itself (0700) at the first frame
        self.spool_dir = os.path.join(self.path, 'spool')

    def spool_files(self):
        """Paths of the spool files in this workdir's spool dir (sorted)."""
        if not os.path.isdir(self.spool_dir):
            return []
        return sorted(os.path.join(self.spool_dir, n) for n in os.listdir(self.spool_dir))

    def env(self, single_file=False, **extra):
        env = dict((k, v) for k, v in os.environ.items()
                   if not k.startswith('ANSIBLE_') and k not in ('TRACEPARENT', 'TRACESTATE'))
        env.update({
            'HOME': os.path.join(self.path, 'home'),
            'ANSIBLE_CONFIG': self.cfg,
            'ANSIBLE_CALLBACK_PLUGINS': self.callback_dir if single_file else PLUGIN_DIR,
            'ANSIBLE_CALLBACKS_ENABLED': 'otel_sidecar',
            'ANSIBLE_OTEL_SOCKET': self.sock,
            'ANSIBLE_OTEL_SPOOL_DIR': self.spool_dir,
            'OTEL_TEST_TMP': self.path,  # markers of test playbooks (callback_plugins/async_poll_marker.py)
            'ANSIBLE_GATHERING': 'explicit',
            'ANSIBLE_HOST_KEY_CHECKING': 'False',
            'ANSIBLE_LOCAL_TEMP': os.path.join(self.path, 'local_tmp'),
            'ANSIBLE_REMOTE_TEMP': os.path.join(self.path, 'remote_tmp'),
            'ANSIBLE_SSH_CONTROL_PATH_DIR': os.path.join(self.path, 'cp'),
            'ANSIBLE_ASYNC_DIR': os.path.join(self.path, 'async'),
            'ANSIBLE_PYTHON_INTERPRETER': '/usr/bin/python3',
            'ANSIBLE_RETRY_FILES_ENABLED': 'False',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_STDOUT_CALLBACK': 'default',
            'ANSIBLE_TIMEOUT': '5',
        })
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def run_playbook(workdir, args, env=None, timeout=300):
    """Run ansible-playbook in the playbooks dir; its CompletedProcess. A run that hangs past
    ``timeout`` raises (subprocess.TimeoutExpired): that, not a measured duration, is what the
    tests of "never blocks" rely on."""
    return subprocess.run([ANSIBLE_PLAYBOOK] + list(args), cwd=PLAYBOOKS, env=env or workdir.env(),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)


def output_text(proc):
    out = (proc.stdout or b'').decode('utf-8', 'replace') + '\n' + (proc.stderr or b'').decode('utf-8', 'replace')
    return out


def unwrap(text):
    """ansible's Display wraps warnings: join the lines for matching."""
    return re.sub(r'\s+', ' ', text)


def squash(text):
    """Without any whitespace (Display may wrap a long path at a hyphen)."""
    return re.sub(r'\s+', '', text)


def by_type(frames, t):
    return [f for f in frames if f['t'] == t]


def task_by_name(frames, name):
    """The first task_start frame with this name (exact, or ending in ' : name' for role tasks)."""
    for f in frames:
        if f['t'] == 'task_start' and (f['name'] == name or f['name'].endswith(' : ' + name)):
            return f
    raise AssertionError('no task_start named %r' % name)


def results_for(frames, task_uuid, t='host_result'):
    return [f for f in frames if f['t'] == t and f.get('task') == task_uuid]


def read_spool(path):
    """(frames, raw bytes) of a spool file; a partial last line (cut by a kill) is left out."""
    with open(path, 'rb') as f:
        raw = f.read()
    complete = raw[:raw.rfind(b'\n') + 1]
    return parse_ndjson(complete), raw
