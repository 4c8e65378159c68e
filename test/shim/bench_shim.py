#!/usr/bin/python3
"""Micro-benchmark of the shim's per-event cost (not a test).

Builds host_result frames from a realistic fake command result and reports the time spent in
the callback per event (pick fields, json.dumps, enqueue), with the writer thread delivering
to a local Unix socket reader, as in a real run. With overflow=spool (the default) the writer
thread also appends every batch to a spool file in a temp dir first (deleted at exit).

    /usr/bin/python3 test/shim/bench_shim.py [events] [spool|drop] [vault plaintexts] [hit]

With a number of vault plaintexts registered (as if the playbook had that many vaulted values),
the writer thread searches every batch for them; with ``hit`` every result shows the first one,
so every frame is masked.
"""

import os
import shutil
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))                      # test/shim
PLUGIN_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'plugin')

from support import callback_result  # noqa: E402
from ansible.inventory.host import Host  # noqa: E402
from ansible.playbook.task import Task  # noqa: E402
from ansible.plugins.loader import callback_loader  # noqa: E402


class QuietDisplay(object):
    verbosity = 0

    def warning(self, msg, formatted=False):
        sys.stderr.write('warning: %s\n' % msg)

    def __getattr__(self, name):
        return lambda *a, **k: None


def sink(path, ready, counts):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    ready.set()
    conn, _ = srv.accept()
    while True:
        data = conn.recv(1 << 20)
        if not data:
            break
        counts[0] += len(data)
        counts[1] += data.count(b'\n')


def quiet_callback(socket_path, plugin_dir=PLUGIN_DIR, **options):
    """The shim as ansible loads it, set up for a benchmark (warnings to stderr, nothing else)."""
    callback_loader.add_directory(plugin_dir)
    cb = callback_loader.get('otel_sidecar')
    cb._display = QuietDisplay()
    cb.set_options(direct=dict(options, socket=socket_path))
    return cb


def command_result(extra_stdout=''):
    """(host, task, result) of a realistic command task, as ansible-core hands it to callbacks."""
    task = Task.load({'name': 'restart the service', 'command': 'systemctl restart app'})
    host = Host('web01.example.com')
    raw = {
        'changed': True, 'rc': 0, 'cmd': ['systemctl', 'restart', 'app'],
        'stdout': 'Restarted app.service\n' * 8 + extra_stdout, 'stderr': '', 'msg': '',
        'start': '2024-01-01 00:00:00.000000', 'end': '2024-01-01 00:00:00.100000',
        'delta': '0:00:00.100000', 'stdout_lines': ['Restarted app.service'] * 8, 'stderr_lines': [],
        'invocation': {'module_args': {'_raw_params': 'systemctl restart app', '_uses_shell': False}},
    }
    # ansible-core hands callbacks a clean copy; that cost is ansible's, not the shim's
    return host, task, callback_result(host, task, raw)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    overflow = sys.argv[2] if len(sys.argv) > 2 else 'spool'
    secrets = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    hit = len(sys.argv) > 4 and sys.argv[4] == 'hit'
    tmp = tempfile.mkdtemp(prefix='otel-bench-')
    path = os.path.join(tmp, 's.sock')
    ready = threading.Event()
    counts = [0, 0]
    t = threading.Thread(target=sink, args=(path, ready, counts))
    t.daemon = True
    t.start()
    ready.wait()

    spool_dir = os.path.join(tmp, 'spool')
    cb = quiet_callback(path, queue_size=n + 100, spool_dir=spool_dir, overflow=overflow)

    if secrets:
        for i in range(secrets):
            cb._vault.add('vault-plaintext-%04d' % i)
        cb._collect_secrets()  # hands the masks to the writer thread
    host, task, result = command_result('vault-plaintext-0000' if hit else '')

    for _ in range(500):  # warm up
        cb.v2_runner_on_ok(result)
    cb._writer.drain(5)

    started, cpu_started = time.perf_counter(), time.thread_time()
    for _ in range(n):
        cb.v2_runner_on_ok(result)
    elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
    cb._writer.drain(10)
    dropped = cb._writer.dropped
    cb._at_exit()

    t.join(5)
    left = os.listdir(spool_dir) if os.path.isdir(spool_dir) else []
    # cpu: the callback thread's own CPU time (steadier on a busy machine than the wall clock,
    # which also counts the GIL handed to the writer thread)
    print('host_result: %.1f us/event, %.1f us cpu, over %d events (overflow=%s, %d vault plaintexts%s; '
          '%d frames received, %d bytes/frame, dropped %d, spool files left %d)'
          % (elapsed / n * 1e6, cpu / n * 1e6, n, overflow, secrets, ' shown by every result' if hit else '',
             counts[1], counts[0] // max(1, counts[1]), dropped, len(left)))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
