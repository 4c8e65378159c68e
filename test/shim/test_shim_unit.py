"""Unit tests of the shim: truncation, URL credential stripping, the writer, and the callback's
fast path driven with real ansible objects (Task, Host, TaskResult) against a local socket."""

import json
import os
import sys
import threading
import time
import unittest

from . import support as S

from ansible.executor.stats import AggregateStats
from ansible.inventory.host import Host
from ansible.playbook.handler import Handler
from ansible.playbook.task import Task
from ansible.plugins.loader import callback_loader

try:  # 2.15+: what ansible's CLI does first, or ansible.builtin.* actions do not resolve
    from ansible.plugins.loader import init_plugin_loader
except ImportError:  # 2.14 resolves them without it
    pass
else:
    init_plugin_loader()
callback_loader.add_directory(S.PLUGIN_DIR)
# the plugin module as ansible's loader imports it (ansible.plugins.callback.otel_sidecar)
shim = sys.modules[callback_loader.get('otel_sidecar', class_only=True).__module__]

CENSORED = shim.CENSORED
ANSIBLE_CORE = S.ANSIBLE_CORE


class FakeDisplay(object):
    verbosity = 0

    def __init__(self):
        self.warnings = []

    def warning(self, msg, formatted=False):
        self.warnings.append(msg)

    def __getattr__(self, name):  # display(), vvvv(), ... are no-ops
        return lambda *a, **k: None


class CallbackCase(unittest.TestCase):
    """A callback instance loaded through ansible's plugin loader, talking to a Listener."""

    OPTIONS = {}
    LISTEN = True

    def setUp(self):
        self.work = S.Workdir()
        self.listener = S.Listener(self.work.sock) if self.LISTEN else None
        self.cb = callback_loader.get('otel_sidecar')
        self.display = FakeDisplay()
        self.cb._display = self.display
        opts = {'socket': self.work.sock, 'drain_timeout': 2.0, 'spool_dir': self.work.spool_dir}
        opts.update(self.OPTIONS)
        self.cb.set_options(direct=opts)

    def tearDown(self):
        self.cb._at_exit()  # what atexit does; later calls are no-ops
        if self.listener is not None:
            self.listener.wait_eof(5)
            self.listener.close()
        self.work.cleanup()

    def finish(self):
        """Exit the callback like the interpreter would; return the received frames."""
        self.cb._at_exit()
        self.listener.wait_eof(5)
        return self.listener.frames()

    # real ansible objects
    ACTIONS = ('command', 'debug', 'set_fact')

    @classmethod
    def task(cls, data=None, **kw):
        """A real Task; ``command: echo hi`` unless another action is given."""
        d = {'name': 'a task'}
        d.update(data or {})
        d.update(kw)
        if not any(k in d for k in cls.ACTIONS):
            d['command'] = 'echo hi'
        return Task.load(dict((k, v) for k, v in d.items() if v is not None))

    @staticmethod
    def result(task, res, host='h1'):
        return S.callback_result(Host(host), task, res)


class TestTruncation(unittest.TestCase):
    def test_clip_str(self):
        clip_str, clip_value, clip_deep = shim.make_clippers(10)
        self.assertEqual(clip_str('short'), 'short')
        self.assertEqual(clip_str('x' * 10), 'x' * 10)
        self.assertEqual(clip_str('x' * 25), 'x' * 10 + u'\u2026[truncated 15 bytes]')

    def test_clip_counts_utf8_bytes_and_never_splits_a_character(self):
        clip_str = shim.make_clippers(10)[0]
        s = u'\u00e9' * 8  # 16 bytes
        out = clip_str(s)
        self.assertTrue(out.startswith(u'\u00e9' * 5 + u'\u2026'))
        self.assertTrue(out.endswith('[truncated 6 bytes]'))
        s = u'ab\u20ac\u20ac\u20ac\u20ac'  # 2 + 12 bytes; cut at 10 keeps 'ab' + 2 euro signs (8 bytes)
        self.assertEqual(clip_str(s), u'ab\u20ac\u20ac\u2026[truncated 6 bytes]')

    def test_clip_value_and_deep(self):
        _, clip_value, clip_deep = shim.make_clippers(20)
        self.assertEqual(clip_value(12), 12)
        self.assertIsNone(clip_value(None))
        self.assertEqual(clip_value(['a', 'b']), ['a', 'b'])
        big = ['abcdefghij'] * 10
        out = clip_value(big)
        self.assertIsInstance(out, str)
        self.assertIn('[truncated', out)
        deep = clip_deep({'a': ['y' * 50, {'b': 'z' * 50}], 'n': 1})
        self.assertEqual(deep['n'], 1)
        self.assertTrue(deep['a'][0].endswith('[truncated 30 bytes]'))
        self.assertTrue(deep['a'][1]['b'].endswith('[truncated 30 bytes]'))

    def test_disabled(self):
        clip_str, clip_value, clip_deep = shim.make_clippers(0)
        s = 'x' * 100000
        self.assertIs(clip_str(s), s)
        self.assertIs(clip_value(s), s)


class TestUrlCredentials(unittest.TestCase):
    def strip(self, text):
        body = json.dumps({'m': text})
        return json.loads(shim._URL_CREDENTIALS.sub(r'\1', body))['m']

    def test_strip(self):
        cases = {
            'https://u:p@host/x': 'https://host/x',
            'see https://user:s3cr3tpw@example.invalid/x now': 'see https://example.invalid/x now',
            'git+ssh://git@github.com/a/b.git': 'git+ssh://github.com/a/b.git',
            'http://user@host': 'http://host',
            'https://u:p@ss@host:8443/x?y=1': 'https://host:8443/x?y=1',
            'a http://h/x b mail@example.com': 'a http://h/x b mail@example.com',
            'plain user@host text': 'plain user@host text',
            'two https://a:b@h1/x and ftp://c:d@h2/y': 'two https://h1/x and ftp://h2/y',
            'https://deploy:{{ vault_pw }}@repo.example/p.tgz': 'https://repo.example/p.tgz',
            'http://h/x {{ a }} b@c': 'http://h/x {{ a }} b@c',
        }
        for given, expected in cases.items():
            self.assertEqual(self.strip(given), expected, given)

    def test_json_stays_valid_with_escapes(self):
        text = 'https://us\\er:p"w@host/x'
        out = self.strip(text)
        self.assertNotIn('us\\er', out)


class TestHelpers(unittest.TestCase):
    def test_default_spool_dir(self):
        self.assertEqual(shim.default_spool_dir({'XDG_CACHE_HOME': '/c'}), '/c/ansible-otel/spool')
        self.assertEqual(shim.default_spool_dir({}),
                         os.path.join(os.path.expanduser('~'), '.cache', 'ansible-otel', 'spool'))

    def test_default_socket_path(self):
        self.assertEqual(shim.default_socket_path({'XDG_RUNTIME_DIR': '/run/user/7'}),
                         '/run/user/7/ansible-otel/sidecar.sock')
        self.assertEqual(shim.default_socket_path({}),
                         os.path.join(os.path.expanduser('~'), '.cache', 'ansible-otel', 'sidecar.sock'))

    def test_redact_argv(self):
        argv = ['ansible-playbook', '-e', 'pw=x', '--extra-vars', '@vars.yml', '--extra-vars=a=b', '-epw=y',
                '-i', 'inv', 'site.yml']
        self.assertEqual(shim._redact_argv(argv),
                         ['ansible-playbook', '-e', '<redacted>', '--extra-vars', '@vars.yml',
                          '--extra-vars=<redacted>', '-e<redacted>', '-i', 'inv', 'site.yml'])

    def test_json_default_never_decrypts_vault(self):
        from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode
        v = AnsibleVaultEncryptedUnicode(b'$ANSIBLE_VAULT;1.1;AES256\n3132')
        self.assertEqual(shim._dumps({'pw': v}), '{"pw":"<vaulted>"}')
        self.assertEqual(json.loads(shim._dumps({'s': {3, 1}, 'b': b'\xff', 'o': object()}))['s'], [1, 3])


class TestWriter(unittest.TestCase):
    def setUp(self):
        self.work = S.Workdir()

    def tearDown(self):
        self.work.cleanup()

    def test_delivers_in_order_and_drains(self):
        listener = S.Listener(self.work.sock)
        try:
            w = shim.FrameWriter(self.work.sock, 1000)
            w.start()
            for i in range(500):
                self.assertTrue(S.enqueue(w, b'{"i":%d}\n' % i))
            self.assertTrue(w.drain(5))
            w.close()
            listener.wait_eof(5)
            self.assertEqual([f['i'] for f in listener.frames()], list(range(500)))
            self.assertEqual(w.dropped, 0)
            self.assertEqual(w.pending_warnings, [])
        finally:
            listener.close()

    def test_callbacks_wake_the_writer_only_at_wake_at_frames(self):
        # every wake costs ansible's main thread (BENCHMARKS.md): the callback path must not
        # notify per frame, only when WAKE_AT frames are queued; drain still delivers the rest
        class Counting(threading.Condition):
            notified = 0

            def notify(self, n=1):  # notify_all calls it too: count the callers' side only
                if threading.current_thread().name != 'otel-sidecar-writer':
                    self.notified += 1
                threading.Condition.notify(self, n)
        listener = S.Listener(self.work.sock)
        try:
            w = shim.FrameWriter(self.work.sock, 1000)
            w.FLUSH_INTERVAL = 3600  # only WAKE_AT, drain and close may wake it
            w._cv = Counting(w._lock)  # the lock the callback path takes
            w.start()
            for i in range(w.WAKE_AT - 1):
                S.enqueue(w, b'{"i":%d}\n' % i)
            self.assertEqual(w._cv.notified, 0)
            S.enqueue(w, b'{"i":%d}\n' % (w.WAKE_AT - 1))
            self.assertEqual(w._cv.notified, 1)
            for i in range(w.WAKE_AT, w.WAKE_AT + 10):
                S.enqueue(w, b'{"i":%d}\n' % i)
            self.assertTrue(w.drain(5))
            w.close()
            listener.wait_eof(5)
            self.assertEqual([f['i'] for f in listener.frames()], list(range(w.WAKE_AT + 10)))
        finally:
            listener.close()

    def test_unreachable_socket_warns_once_with_path_and_errno(self):
        path = os.path.join(self.work.path, 'missing.sock')
        w = shim.FrameWriter(path, 100)
        w.CONNECT_BACKOFF = (0.01,)
        w.start()
        for _ in range(5):
            S.enqueue(w, b'{}\n')
        self.assertTrue(w.drain(5))
        for _ in range(5):
            S.enqueue(w, b'{}\n')
        self.assertTrue(w.drain(5))
        w.close()
        self.assertEqual(w.dropped, 10)
        self.assertEqual(len(w.pending_warnings), 1)
        self.assertIn(path, w.pending_warnings[0])
        self.assertIn('No such file or directory', w.pending_warnings[0])

    def test_full_queue_drops_and_never_blocks(self):
        listener = S.Listener(self.work.sock, mode='stall')
        try:
            w = shim.FrameWriter(self.work.sock, 10)
            w.start()
            payload = b'x' * 100000 + b'\n'
            for _ in range(200):
                S.enqueue(w, payload)  # must return at once even though nobody reads
            self.assertGreater(w.dropped, 0)
            self.assertFalse(w.drain(0.2))
            self.assertGreater(w.discard_queued() + S.unsent(w), 0)
            # the listener never reads: a close() that waited for it would never return
            closing = threading.Thread(target=w.close)
            closing.start()
            closing.join(60)
            self.assertFalse(closing.is_alive(), 'close() waits for a sidecar that never reads')
            self.assertEqual(sum('queue is full' in m for m in w.pending_warnings), 1)
        finally:
            listener.close()


class TestWebSocketFraming(unittest.TestCase):
    """The client side of RFC 6455 the shim writes: masked binary frames, three length forms."""

    def test_masking_is_its_own_inverse(self):
        payload = os.urandom(70001)
        key = b'\x01\x02\x03\xfe'
        masked = shim._ws_mask(payload, key)
        self.assertNotEqual(masked, payload)
        self.assertEqual(bytes(b ^ key[i % 4] for i, b in enumerate(payload[:64])), masked[:64])
        self.assertEqual(shim._ws_mask(masked, key), payload)
        self.assertEqual(shim._ws_mask(b'', key), b'')

    def test_frame_headers(self):
        for n, header_len in ((0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)):
            frame = shim._ws_frame(shim._WS_OP_BINARY, b'x' * n)
            self.assertEqual(frame[0], 0x82)        # FIN + binary
            self.assertTrue(frame[1] & 0x80)        # clients always mask
            self.assertEqual(len(frame), header_len + 4 + n)
            key = frame[header_len:header_len + 4]
            self.assertEqual(shim._ws_mask(frame[header_len + 4:], key), b'x' * n)
        self.assertEqual(shim._ws_frame(shim._WS_OP_BINARY, b'x' * 65536)[2:10], (65536).to_bytes(8, 'big'))

    def test_only_ws_urls_take_the_websocket_path(self):
        self.assertTrue(shim.is_websocket_url('ws://sidecar:4319'))
        self.assertTrue(shim.is_websocket_url('wss://sidecar:4319'))
        self.assertFalse(shim.is_websocket_url('/run/ansible-otel/sidecar.sock'))
        with self.assertRaises(shim.WebSocketError) as cm:
            shim.WebSocketConnection.connect('http://sidecar:4319', None, 1.0)
        self.assertIn('http:// is not a WebSocket URL', str(cm.exception))


class TestCallbackFrames(CallbackCase):
    OPTIONS = {'max_result_bytes': 64}

    def test_hello_first_and_bye_last(self):
        frames = self.finish()
        self.assertEqual([f['t'] for f in frames], ['hello', 'bye'])
        self.assertEqual([f['seq'] for f in frames], [0, 1])
        self.assertEqual(frames[0]['pid'], os.getpid())
        self.assertEqual(frames[1]['dropped'], 0)
        self.assertEqual(self.display.warnings, [])

    def test_fast_path_host_result(self):
        t = self.task()
        self.cb.v2_playbook_on_task_start(t, False)
        self.cb.v2_runner_on_start(Host('h1'), t)
        res = {'rc': 0, 'stdout': 'o' * 200, 'stderr': '', 'changed': True, 'cmd': ['echo', 'hi'],
               'start': 'x', 'invocation': {'module_args': {'x': 1}}}
        for _ in range(50):
            self.cb.v2_runner_on_ok(self.result(t, res))
        frames = self.finish()
        types = [f['t'] for f in frames]
        self.assertEqual(types, ['hello', 'task_start', 'host_start'] + ['host_result'] * 50 + ['bye'])
        self.assertEqual([f['seq'] for f in frames], list(range(len(frames))))
        r = frames[3]
        self.assertEqual(r['status'], 'ok')
        self.assertEqual(r['action'], 'ansible.builtin.command')
        self.assertIs(r['changed'], True)
        self.assertEqual(set(r['res']), {'rc', 'stdout', 'stderr', 'changed'})
        self.assertEqual(r['res']['stdout'], 'o' * 64 + u'\u2026[truncated 136 bytes]')
        self.assertEqual(frames[1]['args'], {'_raw_params': 'echo hi'})
        self.assertEqual(self.display.warnings, [])

    def test_args_skip_internal_keys_and_are_truncated(self):
        t = self.task(debug={'msg': 'm' * 100})
        t.args['_ansible_check_mode'] = True  # internal keys ansible may add to task.args
        self.cb.v2_playbook_on_task_start(t, False)
        frames = self.finish()
        self.assertEqual(frames[1]['args'], {'msg': 'm' * 64 + u'\u2026[truncated 36 bytes]'})

    def test_no_log(self):
        t = self.task(command='echo TOPSECRET-ARG', no_log=True)
        self.cb.v2_playbook_on_task_start(t, False)
        self.cb.v2_runner_on_ok(self.result(t, {'stdout': 'TOPSECRET-OUT', 'changed': False}))
        self.cb.v2_runner_on_failed(self.result(t, {'stdout': 'TOPSECRET-OUT', 'failed': True}))
        loop = self.task(debug={'msg': '{{ item }}'}, no_log=True)
        item = {'msg': 'TOPSECRET-ITEM', 'item': 'TOPSECRET-ITEM', '_ansible_item_label': 'TOPSECRET-ITEM',
                '_ansible_no_log': True}
        self.cb.v2_runner_item_on_ok(self.result(loop, item))
        # an item censored by its own no_log while the task's no_log is false
        public = self.task(debug={'msg': '{{ item }}'})
        self.cb.v2_runner_item_on_ok(self.result(public, dict(item)))
        self.cb.v2_runner_item_on_ok(self.result(public, {'msg': 'ok', 'item': 'visible', '_ansible_no_log': False}))
        frames = self.finish()
        self.assertNotIn(b'TOPSECRET', self.listener.raw)
        ts = frames[1]
        self.assertIs(ts['no_log'], True)
        self.assertNotIn('args', ts)
        for f in frames[2:6]:
            self.assertIs(f['no_log'], True)
            self.assertEqual(f['res'], {'censored': CENSORED})
        self.assertEqual(frames[4]['label'], '(censored due to no_log)')
        self.assertEqual(frames[5]['label'], '(censored due to no_log)')
        self.assertEqual(frames[6]['label'], 'visible')
        self.assertIs(frames[6]['no_log'], False)

    def test_templated_no_log_counts_as_no_log_for_args(self):
        t = self.task(no_log='{{ hide_it }}', command='echo ARGVALUE')
        self.cb.v2_playbook_on_task_start(t, False)
        frames = self.finish()
        self.assertIs(frames[1]['no_log'], True)
        self.assertNotIn('args', frames[1])
        self.assertNotIn(b'ARGVALUE', self.listener.raw)

    def test_url_credentials_in_any_field(self):
        t = self.task(name='get https://bob:hunter2@example.invalid/r', command='curl https://bob:hunter2@h/x')
        self.cb.v2_playbook_on_task_start(t, False)
        self.cb.v2_runner_on_ok(self.result(t, {'msg': 'from https://bob:hunter2@example.invalid/r'}))
        frames = self.finish()
        self.assertNotIn(b'hunter2', self.listener.raw)
        self.assertNotIn(b'bob', self.listener.raw)
        self.assertEqual(frames[1]['name'], 'get https://example.invalid/r')
        self.assertEqual(frames[2]['res']['msg'], 'from https://example.invalid/r')

    def test_facts_only_with_include_facts(self):
        t = self.task(set_fact={'a': 1})
        self.cb.v2_runner_on_ok(self.result(t, {'ansible_facts': {'a': 1}, 'changed': False}))
        frames = self.finish()
        self.assertNotIn('ansible_facts', frames[1]['res'])

    def test_misc_frames(self):
        self.cb.v2_playbook_on_vars_prompt('db_password', private=True, prompt='pw?', default='DEFAULTSECRET')
        h = Handler.load({'name': 'restart app', 'debug': {'msg': 'x'}})
        self.cb.v2_playbook_on_notify(h, Host('h1'))
        self.cb.v2_playbook_on_handler_task_start(h)
        self.cb.v2_playbook_on_cleanup_task_start(self.task())
        self.cb.v2_playbook_on_no_hosts_matched()
        self.cb.v2_playbook_on_no_hosts_remaining()
        t = self.task()
        self.cb.v2_runner_on_unreachable(self.result(t, {'unreachable': True, 'msg': 'ssh: refused'}))
        self.cb.v2_runner_on_skipped(self.result(t, {'skipped': True, 'skip_reason': 'Conditional result was False'}))
        # attempt 2 failed its until, as the task executor reports it: 2.22 sends the next attempt
        attempts = 3 if ANSIBLE_CORE >= (2, 22) else 2
        self.cb.v2_runner_retry(self.result(t, {'attempts': attempts, 'retries': 4, '_ansible_retry': True}))
        self.cb.v2_on_file_diff(self.result(t, {'diff': [{'before_header': 'a', 'after_header': 'b',
                                                          'before': 'OLDCONTENT', 'after': 'NEWCONTENT'}]}))
        frames = self.finish()
        by = dict((f['t'], f) for f in frames)
        self.assertEqual(by['vars_prompt']['varname'], 'db_password')
        self.assertIs(by['vars_prompt']['private'], True)
        self.assertNotIn(b'DEFAULTSECRET', self.listener.raw)
        self.assertEqual(by['notify']['handler'], 'restart app')
        self.assertEqual(by['notify']['handler_task'], h._uuid)
        starts = S.by_type(frames, 'task_start')
        self.assertEqual([s['handler'] for s in starts], [True, False])
        self.assertIn('no_hosts_matched', by)
        self.assertIn('no_hosts_remaining', by)
        self.assertEqual([r['status'] for r in S.by_type(frames, 'host_result')], ['unreachable', 'skipped'])
        self.assertEqual((by['retry']['attempt'], by['retry']['retries']), (2, 4))
        self.assertEqual(by['file_diff']['diffs'], [{'before_header': 'a', 'after_header': 'b'}])
        self.assertNotIn(b'CONTENT', self.listener.raw)
        self.assertEqual(self.display.warnings, [])

    def test_stats_are_deltas(self):
        stats = AggregateStats()
        for what in ('ok', 'ok', 'changed', 'rescued', 'ignored'):
            stats.increment(what, 'h1')
        self.cb.v2_playbook_on_start(type('PB', (), {'_file_name': 'one.yml'})())
        self.cb.v2_playbook_on_stats(stats)
        self.cb.v2_playbook_on_start(type('PB', (), {'_file_name': 'two.yml'})())
        stats.increment('ok', 'h1')
        stats.increment('dark', 'h2')
        self.cb.v2_playbook_on_stats(stats)
        frames = self.finish()
        one, two = S.by_type(frames, 'stats')
        self.assertEqual(one['hosts'], {'h1': {'ok': 2, 'changed': 1, 'failures': 0, 'unreachable': 0,
                                               'skipped': 0, 'rescued': 1, 'ignored': 1}})
        self.assertEqual(two['hosts'], {
            'h1': {'ok': 1, 'changed': 0, 'failures': 0, 'unreachable': 0, 'skipped': 0, 'rescued': 0, 'ignored': 0},
            'h2': {'ok': 0, 'changed': 0, 'failures': 0, 'unreachable': 1, 'skipped': 0, 'rescued': 0, 'ignored': 0}})
        self.assertEqual(S.by_type(frames, 'playbook_start')[1]['name'], 'two.yml')

    def test_exceptions_never_escape_and_warn_once(self):
        self.cb.v2_runner_on_ok(object())
        self.cb.v2_playbook_on_task_start(None, False)
        self.cb.v2_runner_on_skipped(None)
        self.assertEqual(len(self.display.warnings), 1)
        self.assertIn('internal error', self.display.warnings[0])
        t = self.task()
        self.cb.v2_playbook_on_task_start(t, False)  # still works afterwards
        frames = self.finish()
        self.assertEqual([f['t'] for f in frames], ['hello', 'task_start', 'bye'])


class TestBlocksAndScopes(unittest.TestCase):
    """task_is_rescued / task_scopes on a play compiled by ansible-core from the test roles."""

    @classmethod
    def setUpClass(cls):
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader
        from ansible.playbook.play import Play
        from ansible.vars.manager import VariableManager
        loader = DataLoader()
        loader.set_basedir(S.PLAYBOOKS)
        inventory = InventoryManager(loader=loader, sources='localhost,')
        vm = VariableManager(loader=loader, inventory=inventory)
        play = Play.load({'hosts': 'localhost', 'gather_facts': False, 'roles': ['webapp'], 'tasks': [
            # the same role imported in block and rescue: ansible-core gives both copies the same
            # task uuids, only the import_role task (the parent) tells them apart
            {'block': [{'import_role': {'name': 'failer'}}], 'rescue': [{'import_role': {'name': 'failer'}}]},
            {'block': [{'block': [{'name': 'deep', 'fail': {'msg': 'x'}}]}],
             'rescue': [{'name': 'in rescue', 'fail': {'msg': 'r'}}],
             'always': [{'name': 'in always', 'fail': {'msg': 'a'}}]},
            {'block': [{'name': 'no rescue here', 'fail': {'msg': 'n'}}], 'always': [{'debug': {'msg': 'a'}}]},
        ]}, variable_manager=vm, loader=loader)
        cls.found = []

        def walk(block, path):
            for section in ('block', 'rescue', 'always'):
                for x in getattr(block, section) or ():
                    if hasattr(x, 'block'):
                        walk(x, path + (section,))
                    elif x.action != 'meta':
                        cls.found.append((path + (section,), x))
        for b in play.compile():
            walk(b, ())

    def tasks(self, name):
        return [(p, t) for p, t in self.found if t.get_name().endswith(name)]

    def test_same_role_in_block_and_rescue(self):
        copies = self.tasks('failer fails')
        self.assertEqual(len(copies), 2)
        if ANSIBLE_CORE < (2, 19):  # the trap: both copies have one uuid (2.19+ gives each its own)
            self.assertEqual(copies[0][1]._uuid, copies[1][1]._uuid)
        by_section = dict((p[0], shim.task_is_rescued(t)) for p, t in copies)
        self.assertEqual(by_section, {'block': True, 'rescue': False})
        for _, t in copies:
            self.assertEqual([(s['via'], s['name']) for s in shim.task_scopes(t)], [('import_role', 'failer')])
        ids = set(shim.task_scopes(t)[0]['id'] for _, t in copies)
        self.assertEqual(len(ids), 2)

    def test_sections(self):
        self.assertTrue(shim.task_is_rescued(self.tasks('deep')[0][1]))
        self.assertFalse(shim.task_is_rescued(self.tasks('in rescue')[0][1]))
        self.assertFalse(shim.task_is_rescued(self.tasks('in always')[0][1]))
        self.assertFalse(shim.task_is_rescued(self.tasks('no rescue here')[0][1]))

    def test_roles_and_dependencies(self):
        base = self.tasks('base setup')[0][1]
        scopes = shim.task_scopes(base)
        self.assertEqual([(s['kind'], s['via'], s['name']) for s in scopes],
                         [('role', 'roles', 'webapp'), ('role', 'dependency', 'base')])
        self.assertEqual(scopes[1]['id'], base._role._uuid)


class TestForkedChild(CallbackCase):
    def test_child_closes_its_copy_and_stays_silent(self):
        self.cb.v2_playbook_on_task_start(self.task(), False)
        self.assertTrue(S.until(lambda: self.cb._writer._sock is not None))
        child_task = self.task(name='from the child')  # built before fork: the child takes no locks
        pid = os.fork()
        if pid == 0:  # the child: like an ansible worker process
            code = 0
            try:
                w = self.cb._writer
                if not (w.in_child and w._sock is None):
                    code = 3
                if not (w._spool_fd is None and w.spool_path is None and not w.spooling):
                    code = 5
                self.cb.v2_playbook_on_task_start(child_task, False)
                self.cb._at_exit()
            except BaseException:
                code = 4
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.WEXITSTATUS(status), 0)
        self.cb.v2_playbook_on_task_start(self.task(name='after the fork'), False)
        spool = self.cb._writer.spool_path
        self.assertTrue(S.until(lambda: os.path.exists(spool) and len(S.read_spool(spool)[0]) == 3))
        frames = self.finish()
        self.assertFalse(os.path.exists(spool))  # everything reached the sidecar
        self.assertEqual([f['t'] for f in frames], ['hello', 'task_start', 'task_start', 'bye'])
        self.assertEqual(frames[2]['name'], 'after the fork')
        self.assertEqual([f['seq'] for f in frames], [0, 1, 2, 3])


class TestSidecarAbsentUnit(CallbackCase):
    LISTEN = False

    def test_one_warning_and_the_whole_run_spooled(self):
        for _ in range(20):
            self.cb.v2_playbook_on_task_start(self.task(), False)
        self.cb._at_exit()
        path = self.cb._writer.spool_path
        self.assertEqual(len(self.display.warnings), 1, self.display.warnings)
        self.assertIn(self.work.sock, self.display.warnings[0])
        self.assertIn('[Errno 2]', self.display.warnings[0])
        self.assertIn('`ansible-otel replay %s`' % path, self.display.warnings[0])
        self.assertEqual(self.cb._writer.dropped, 0)
        self.assertEqual(self.work.spool_files(), [path])
        frames, _ = S.read_spool(path)
        self.assertEqual([f['t'] for f in frames], ['hello'] + ['task_start'] * 20 + ['bye'])
        self.assertEqual([f['seq'] for f in frames], list(range(22)))
        self.assertEqual(frames[-1]['dropped'], 0)
        self.assertEqual(os.path.basename(path), '%s-%d.ndjson' % (self.cb._run_id, os.getpid()))


class TestSidecarAbsentOverflowDrop(CallbackCase):
    LISTEN = False
    OPTIONS = {'overflow': 'drop'}

    def test_dropped_counted_and_reported_no_spool(self):
        for _ in range(20):
            self.cb.v2_playbook_on_task_start(self.task(), False)
        self.cb._at_exit()
        self.assertIsNone(self.cb._writer.spool_path)
        self.assertFalse(os.path.exists(self.work.spool_dir))
        self.assertEqual(self.cb._writer.dropped, 22)  # hello + 20 tasks + bye
        self.assertEqual(len(self.display.warnings), 2, self.display.warnings)
        self.assertIn('[Errno 2]', self.display.warnings[0])
        self.assertIn('traces of this run are dropped', self.display.warnings[0])
        self.assertIn('22 frame(s) of this run were dropped (22 undeliverable; overflow=drop)',
                      self.display.warnings[1])


class TestByeReportsQueueFullDrops(CallbackCase):
    def test_bye_dropped_and_warning(self):
        w = self.cb._writer
        self.assertTrue(w.drain(5))
        w.maxlen = 0  # as if the queue were full
        for _ in range(3):
            self.cb.v2_playbook_on_task_start(self.task(), False)
        w.maxlen = 100
        frames = self.finish()
        self.assertEqual([f['t'] for f in frames], ['hello', 'bye'])
        self.assertEqual(frames[-1]['dropped'], 3)
        self.assertEqual(frames[-1]['seq'], 4)  # dropped frames take their seq numbers
        self.assertTrue(any('queue is full' in m for m in self.display.warnings))
        self.assertTrue(any('3 frame(s) of this run were dropped (3 with the queue full; overflow=spool)' in m
                            for m in self.display.warnings), self.display.warnings)
        self.assertEqual(self.work.spool_files(), [])  # delivered: the spool file adds nothing


class TestSpoolWriter(unittest.TestCase):
    """FrameWriter with a spool file: write-ahead, send timeout, unwritable spool."""

    def setUp(self):
        self.work = S.Workdir()
        self.spool = os.path.join(self.work.spool_dir, 'run-1.ndjson')

    def tearDown(self):
        self.work.cleanup()

    def test_write_ahead_then_socket_and_delete_when_delivered(self):
        listener = S.Listener(self.work.sock)
        try:
            w = shim.FrameWriter(self.work.sock, 1000, spool_path=self.spool)
            w.start()
            for i in range(300):
                S.enqueue(w, b'{"i":%d}\n' % i)
            self.assertTrue(w.drain(5))
            with open(self.spool, 'rb') as f:
                self.assertEqual(f.read(), b''.join(b'{"i":%d}\n' % i for i in range(300)))
            self.assertEqual(os.stat(self.spool).st_mode & 0o777, 0o600)
            self.assertEqual(os.stat(self.work.spool_dir).st_mode & 0o777, 0o700)
            w.close()
            self.assertTrue(w.all_sent)
            self.assertIsNone(w.finish_spool(True))
            self.assertFalse(os.path.exists(self.spool))
            listener.wait_eof(5)
            self.assertEqual([f['i'] for f in listener.frames()], list(range(300)))
            self.assertEqual(w.pending_warnings, [])
        finally:
            listener.close()

    def test_send_timeout_gives_the_connection_up_and_spools_the_rest(self):
        listener = S.Listener(self.work.sock, mode='stall')
        try:
            w = shim.FrameWriter(self.work.sock, 1000, spool_path=self.spool, send_timeout=0.3)
            w.start()
            payload = b'x' * 100000 + b'\n'
            for _ in range(50):
                self.assertTrue(S.enqueue(w, payload))  # never blocks, never full
            # the listener never reads: the writer drains only by giving the connection up
            self.assertTrue(w.drain(60))
            self.assertFalse(w.all_sent)
            self.assertEqual(w.dropped, 0)
            self.assertEqual(os.path.getsize(self.spool), 50 * len(payload))
            self.assertEqual(len(w.pending_warnings), 1, w.pending_warnings)
            self.assertIn('send_timeout', w.pending_warnings[0])
            self.assertIn(self.spool, w.pending_warnings[0])
            w.close()
            self.assertEqual(w.finish_spool(False), self.spool)
            self.assertTrue(os.path.exists(self.spool))
        finally:
            listener.close()

    def test_unwritable_spool_warns_once_and_keeps_the_socket(self):
        blocker = os.path.join(self.work.path, 'a-file')
        open(blocker, 'w').close()
        listener = S.Listener(self.work.sock)
        try:
            w = shim.FrameWriter(self.work.sock, 1000, spool_path=os.path.join(blocker, 'spool', 'r.ndjson'))
            w.start()
            for i in range(20):
                S.enqueue(w, b'{"i":%d}\n' % i)
            self.assertTrue(w.drain(5))
            w.close()
            listener.wait_eof(5)
            self.assertEqual([f['i'] for f in listener.frames()], list(range(20)))
            self.assertEqual(w.dropped, 0)
            self.assertEqual(len(w.pending_warnings), 1, w.pending_warnings)
            self.assertIn('cannot create the spool file', w.pending_warnings[0])
            self.assertIn('[Errno', w.pending_warnings[0])
            self.assertFalse(w.spooling)
        finally:
            listener.close()

    def test_no_sidecar_and_unwritable_spool_counts_the_loss(self):
        blocker = os.path.join(self.work.path, 'a-file')
        open(blocker, 'w').close()
        w = shim.FrameWriter(os.path.join(self.work.path, 'missing.sock'), 100,
                             spool_path=os.path.join(blocker, 'r.ndjson'))
        w.CONNECT_BACKOFF = (0.01,)
        w.start()
        for _ in range(7):
            S.enqueue(w, b'{}\n')
        self.assertTrue(w.drain(5))
        w.close()
        self.assertEqual(w.dropped, 7)
        self.assertEqual(len(w.pending_warnings), 2, w.pending_warnings)
        self.assertIn('traces of this run are dropped', w.pending_warnings[1])

    def test_connect_timeout_when_the_sidecar_does_not_accept(self):
        import socket
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(self.work.sock)
        srv.listen(0)  # never accepts: fill the backlog so that connect blocks
        fillers = []
        try:
            for _ in range(8):
                c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                c.setblocking(False)
                fillers.append(c)
                try:
                    c.connect(self.work.sock)
                except (BlockingIOError, InterruptedError):
                    break
            w = shim.FrameWriter(self.work.sock, 100, spool_path=self.spool, send_timeout=0.3)
            w.start()
            S.enqueue(w, b'{}\n')
            # nothing ever accepts: the writer drains only by giving the connection up
            self.assertTrue(w.drain(60))
            w.close()
            self.assertEqual(w.dropped, 0)
            self.assertEqual(len(w.pending_warnings), 1, w.pending_warnings)
            # Linux answers EAGAIN at once (a socket with a timeout is non-blocking inside)
            self.assertRegex(w.pending_warnings[0], r'does not accept connections|\[Errno 11\]')
            self.assertEqual(os.path.getsize(self.spool), 3)
        finally:
            for c in fillers:
                c.close()
            srv.close()

    def test_giving_up_while_connecting_stops_the_retries(self):
        w = shim.FrameWriter(os.path.join(self.work.path, 'missing.sock'), 100, spool_path=self.spool)
        w.CONNECT_BACKOFF = (0.5, 10.0, 10.0)
        w.start()
        S.enqueue(w, b'{}\n')
        self.assertTrue(w.give_up_connection('at exit'))
        self.assertTrue(w.drain(3))  # not 20 s of retries
        w.close()
        self.assertEqual(w.dropped, 0)
        self.assertEqual(os.path.getsize(self.spool), 3)
        self.assertIn('[Errno 2]', w.pending_warnings[0])

    def test_existing_file_is_never_reused(self):
        os.makedirs(self.work.spool_dir, 0o700)
        os.symlink(os.path.join(self.work.path, 'elsewhere'), self.spool)
        w = shim.FrameWriter(os.path.join(self.work.path, 'missing.sock'), 100, spool_path=self.spool)
        w.CONNECT_BACKOFF = (0.01,)
        w.start()
        S.enqueue(w, b'{}\n')
        self.assertTrue(w.drain(5))
        w.close()
        self.assertFalse(os.path.exists(os.path.join(self.work.path, 'elsewhere')))
        self.assertEqual(w.dropped, 1)


class TestSpoolCap(unittest.TestCase):
    """The spool directory within spool_max_mb / spool_max_age_days (#23): the oldest files of
    runs no sidecar took go first, counted for the next sidecar; files in use never go."""

    GONE_PID = 4194305  # above Linux's largest pid_max: no process has it

    def setUp(self):
        self.work = S.Workdir()
        self.dir = self.work.spool_dir
        os.makedirs(self.dir, 0o700)

    def tearDown(self):
        self.work.cleanup()

    def file(self, name, size, age_days=0.0, now=1_000_000_000):
        path = os.path.join(self.dir, name)
        with open(path, 'wb') as f:
            f.write(b'x' * size)
        t = now - age_days * 86400
        os.utime(path, (t, t))
        return name

    def test_age_cap_deletes_old_files_of_gone_runs_only(self):
        old = self.file('aa-%d.ndjson' % self.GONE_PID, 100, age_days=8)
        bad = self.file('ab-%d.ndjson.bad' % self.GONE_PID, 50, age_days=9)
        stale_claim = self.file('ac-%d.ndjson.replaying-%d' % (self.GONE_PID, self.GONE_PID), 10, age_days=8)
        fresh = self.file('ad-%d.ndjson' % self.GONE_PID, 100, age_days=1)
        running = self.file('ae-%d.ndjson' % os.getpid(), 100, age_days=30)  # its ansible-playbook runs
        replaying = self.file('af-%d.ndjson.replaying-%d' % (self.GONE_PID, os.getpid()), 100, age_days=30)
        other = self.file('notes.txt', 100, age_days=30)  # not a spool file
        runs, size = shim.cap_spool(self.dir, shim.SpoolCap(0, 7 * 86400), now=1_000_000_000)
        self.assertEqual((runs, size), (3, 160))
        self.assertEqual(sorted(os.listdir(self.dir)), sorted([fresh, running, replaying, other, shim.SPOOL_EVICTED]))
        self.assertNotIn(old, os.listdir(self.dir))
        self.assertNotIn(bad, os.listdir(self.dir))
        self.assertNotIn(stale_claim, os.listdir(self.dir))
        self.assertEqual(shim.spool_evicted(self.dir)[:2], (3, 160))

    def test_size_cap_deletes_the_oldest_until_under_it_and_keeps_its_own_file(self):
        names = [self.file('b%d-%d.ndjson' % (i, self.GONE_PID), 1000, age_days=5 - i) for i in range(5)]
        own = self.file('bf-%d.ndjson' % self.GONE_PID, 1000, age_days=10)  # oldest, but the run's own
        runs, size = shim.cap_spool(self.dir, shim.SpoolCap(2500, 0), keep=own, now=1_000_000_000)
        self.assertEqual((runs, size), (4, 4000))
        self.assertEqual(sorted(f for f in os.listdir(self.dir) if f != shim.SPOOL_EVICTED), sorted([names[4], own]))

    def test_under_the_cap_nothing_goes_and_nothing_is_counted(self):
        self.file('c0-%d.ndjson' % self.GONE_PID, 1000, age_days=1)
        self.assertEqual(shim.cap_spool(self.dir, shim.SpoolCap(10_000, 7 * 86400), now=1_000_000_000), (0, 0))
        self.assertFalse(os.path.exists(os.path.join(self.dir, shim.SPOOL_EVICTED)))
        self.assertEqual(shim.spool_evicted(self.dir), (0, 0, 0))

    def test_the_count_is_forgotten_once_told_and_later_evictions_stay(self):
        self.file('d0-%d.ndjson' % self.GONE_PID, 10, age_days=9)
        shim.cap_spool(self.dir, shim.SpoolCap(0, 86400), now=1_000_000_000)
        runs, size, told = shim.spool_evicted(self.dir)
        self.assertEqual((runs, size), (1, 10))
        self.file('d1-%d.ndjson' % self.GONE_PID, 20, age_days=9)  # evicted after the bye was sent
        shim.cap_spool(self.dir, shim.SpoolCap(0, 86400), now=1_000_000_000)
        shim.spool_evicted_told(self.dir, told)
        self.assertEqual(shim.spool_evicted(self.dir)[:2], (1, 20))
        shim.spool_evicted_told(self.dir, shim.spool_evicted(self.dir)[2])
        self.assertFalse(os.path.exists(os.path.join(self.dir, shim.SPOOL_EVICTED)))

    def test_the_writer_caps_the_spool_before_its_first_batch_and_warns_once(self):
        for i in range(3):
            self.file('e%d-%d.ndjson' % (i, self.GONE_PID), 100, age_days=8, now=time.time())
        spool = os.path.join(self.dir, 'ef-%d.ndjson' % os.getpid())
        w = shim.FrameWriter(os.path.join(self.work.path, 'missing.sock'), 100, spool_path=spool,
                             spool_cap=shim.spool_cap_from(1024, 7))
        w.CONNECT_BACKOFF = (0.01,)
        w.start()
        S.enqueue(w, b'{}\n')
        self.assertTrue(w.drain(5))
        w.close()
        capped = [m for m in w.pending_warnings if 'over its cap' in m]
        self.assertEqual(len(capped), 1, w.pending_warnings)
        self.assertIn('deleted the 3 oldest spool file(s) (300 bytes)', capped[0])
        self.assertIn('spool_max_age_days=7', capped[0])
        self.assertEqual(w.bye_fields(), {'dropped': 0, 'spool_evicted': {'runs': 3, 'bytes': 300}})
        self.assertEqual(sorted(os.listdir(self.dir)), sorted([os.path.basename(spool), shim.SPOOL_EVICTED]))

    def test_options_that_are_not_numbers_are_the_defaults(self):
        self.assertEqual(shim.spool_cap_from('x', None), shim.SpoolCap(1024 * 1048576, 7 * 86400.0))
        self.assertEqual(shim.spool_cap_from(0, 0), shim.SpoolCap(0, 0.0))


class ScriptedSidecar(object):
    """A stand-in sidecar that takes `resume` (#24): each accepted connection runs the next
    function of ``script`` with (conn, received bytearray); the functions say what it does."""

    def __init__(self, path, script):
        import socket
        self.path = path
        self.script = list(script)
        self.received = []          # one bytearray per connection
        self.events = {}            # name -> threading.Event, set by the script functions
        self._srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._srv.bind(path)
        self._srv.listen(8)
        self._threads = []
        self._conns = []
        self._stop = threading.Event()
        t = threading.Thread(target=self._accept, name='scripted-accept')
        t.daemon = True
        t.start()

    def event(self, name):
        return self.events.setdefault(name, threading.Event())

    def _accept(self):
        while self.script:
            try:
                conn, _ = self._srv.accept()
            except OSError:
                return
            buf = bytearray()
            self.received.append(buf)
            self._conns.append(conn)
            t = threading.Thread(target=self._play, args=(self.script.pop(0), conn, buf))
            t.daemon = True
            t.start()
            self._threads.append(t)

    @staticmethod
    def _play(fn, conn, buf):
        try:
            fn(conn, buf)
        except OSError:
            pass  # closed by the test's tearDown

    def read_lines(self, conn, buf, until_lines):
        """Reads until ``buf`` holds ``until_lines`` lines (or EOF); False at EOF first."""
        while buf.count(b'\n') < until_lines:
            data = conn.recv(65536)
            if not data:
                return False
            buf.extend(data)
        return True

    def read_to_eof(self, conn, buf):
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf.extend(data)

    def close(self):
        self._stop.set()
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        try:
            self._srv.close()
        except OSError:
            pass
        for t in self._threads:
            t.join(2)


READY_RESUME = b'{"t":"ready","ack":true,"resume":true}\n'


def frame_line(i, run='r1'):
    return b'{"v":1,"t":"debug","run":"%s","seq":%d,"ts":1,"x":{"seq":999}}\n' % (run.encode(), i)


class TestReconnect(unittest.TestCase):
    """The shim reconnects within a run and resumes from its spool file (#24)."""

    def setUp(self):
        self.work = S.Workdir()
        self.spool = os.path.join(self.work.spool_dir, 'r1-%d.ndjson' % os.getpid())
        self.sidecar = None

    def tearDown(self):
        if self.sidecar is not None:
            self.sidecar.close()
        self.work.cleanup()

    def test_backoff_grows_to_a_ceiling_with_jitter(self):
        low = [shim.reconnect_delay(a, lambda: 0.0) for a in range(8)]
        high = [shim.reconnect_delay(a, lambda: 0.999) for a in range(8)]
        self.assertEqual(low, [0.125, 0.25, 0.5, 1.0, 2.0, 2.5, 2.5, 2.5])
        for a, (lo, hi) in enumerate(zip(low, high)):
            base = shim.RECONNECT_BACKOFF[min(a, len(shim.RECONNECT_BACKOFF) - 1)]
            self.assertAlmostEqual(hi, base * 1.499)
            self.assertLess(lo, hi)
        real = [shim.reconnect_delay(3) for _ in range(200)]  # random.random: spread, within bounds
        self.assertTrue(all(1.0 <= d < 3.0 for d in real))
        self.assertGreater(len(set(real)), 100)

    def test_resume_offset_is_the_first_line_after_the_applied_seq(self):
        os.makedirs(self.work.spool_dir, 0o700)
        lines = [frame_line(i) for i in range(10)]
        with open(self.spool, 'wb') as f:
            f.write(b''.join(lines) + b'{"v":1,"t":"debug","run":"r1","seq":10')  # a torn last line
        whole = sum(len(x) for x in lines)
        self.assertEqual(shim.spool_offset_after(self.spool, -1), 0)
        self.assertEqual(shim.spool_offset_after(self.spool, 4), sum(len(x) for x in lines[:5]))
        self.assertEqual(shim.spool_offset_after(self.spool, 9), whole)
        self.assertEqual(shim.spool_offset_after(self.spool, 500), whole)  # "seq":999 in a value fools nothing
        self.assertEqual(shim.spool_last_seq(self.spool), 9)
        self.assertEqual(shim.last_seq(b''.join(lines[:3])), 2)

    def test_last_seq_of_a_file_whose_last_line_is_longer_than_the_window(self):
        os.makedirs(self.work.spool_dir, 0o700)
        with open(self.spool, 'wb') as f:
            f.write(frame_line(0) + b'{"v":1,"t":"x","run":"r1","seq":1,"big":"%s"}\n' % (b'y' * 300000))
        self.assertEqual(shim.spool_last_seq(self.spool), 1)

    def writer(self, **kw):
        kw.setdefault('send_timeout', 5.0)
        w = shim.FrameWriter(self.work.sock, 10000, spool_path=self.spool, run_id='r1', **kw)
        w.CONNECT_BACKOFF = (0.01,)
        return w

    def test_resumes_on_a_new_connection_from_the_frame_after_the_one_applied(self):
        ss = None

        def first(conn, buf):
            conn.sendall(READY_RESUME)
            ss.read_lines(conn, buf, 5)
            ss.event('first-gone').set()
            conn.close()  # the sidecar dies after 5 frames

        def second(conn, buf):
            conn.sendall(READY_RESUME)
            ss.read_lines(conn, buf, 1)  # the resume frame
            resume = json.loads(bytes(buf).split(b'\n')[0])
            ss.event('resumed').resume = resume
            conn.sendall(b'{"t":"ready","ack":true,"resume":true,"run":"r1","applied":3}\n')
            ss.read_to_eof(conn, buf)

        ss = self.sidecar = ScriptedSidecar(self.work.sock, [first, second])
        w = self.writer()
        w.start()
        for i in range(5):
            S.enqueue(w, frame_line(i))
        self.assertTrue(w.drain(10))
        self.assertTrue(ss.event('first-gone').wait(10))
        for i in range(5, 12):  # after the loss: into the spool, sent after the resume
            S.enqueue(w, frame_line(i))
        self.assertTrue(S.until(lambda: w.resumes == 1, 30))
        self.assertTrue(w.drain(10))
        self.assertTrue(w.all_sent)
        w.close()
        self.assertTrue(S.until(lambda: len(ss.received) == 2 and ss.received[1].count(b'\n') >= 9, 10))
        got = [json.loads(x) for x in bytes(ss.received[1]).split(b'\n') if x]
        self.assertEqual(got[0]['t'], 'resume')
        # the last frame it had spooled when it came back: 4, or later ones if they were spooled first
        self.assertEqual(got[0]['run'], 'r1')
        self.assertIn(got[0]['seq'], range(4, 12))
        self.assertEqual([f['seq'] for f in got[1:]], list(range(4, 12)))
        self.assertEqual(w.dropped, 0)

    def test_at_exit_a_run_not_acked_is_sent_to_the_sidecar_back_within_the_timeout(self):
        ss = None

        def killed_after_bye(conn, buf):
            conn.sendall(READY_RESUME)
            ss.read_lines(conn, buf, 3)  # every frame, the last one its bye: no ack, it dies
            conn.close()
            ss.event('first-gone').set()

        def back(conn, buf):
            conn.sendall(READY_RESUME)
            ss.read_lines(conn, buf, 1)  # the resume frame
            conn.sendall(b'{"t":"ready","ack":true,"resume":true,"run":"r1","applied":0}\n')
            ss.read_lines(conn, buf, 3)  # the frames after 0
            conn.sendall(b'{"t":"ack","run":"r1","seq":2}\n')
            ss.read_to_eof(conn, buf)

        ss = self.sidecar = ScriptedSidecar(self.work.sock, [killed_after_bye, back])
        w = self.writer()
        w.start()
        for i in range(3):
            S.enqueue(w, frame_line(i))
        self.assertTrue(w.drain(10))
        self.assertTrue(ss.event('first-gone').wait(10))
        self.assertFalse(w.acked)
        self.assertTrue(w.await_ack('r1', 30))  # what the callback's exit waits on, drain_timeout at most
        w.close()
        got = [json.loads(x) for x in bytes(ss.received[1]).split(b'\n') if x]
        self.assertEqual([(f['t'], f['seq']) for f in got], [('resume', 2), ('debug', 1), ('debug', 2)])
        self.assertEqual(len(ss.received), 2)

    def test_a_stuck_handshake_never_blocks_the_callback_thread(self):
        ss = None

        def first(conn, buf):
            conn.sendall(READY_RESUME)
            ss.read_lines(conn, buf, 1)
            conn.close()
            ss.event('first-gone').set()

        def stuck(conn, buf):
            conn.sendall(READY_RESUME)
            ss.read_lines(conn, buf, 1)  # the resume frame: never answered
            ss.event('holding').set()
            ss._stop.wait(30)

        ss = self.sidecar = ScriptedSidecar(self.work.sock, [first, stuck])
        w = self.writer(send_timeout=30.0)
        w.start()
        S.enqueue(w, frame_line(0))
        self.assertTrue(ss.event('first-gone').wait(30))
        S.enqueue(w, frame_line(1))  # its write finds the connection gone
        self.assertTrue(ss.event('holding').wait(30))  # the writer thread waits in the handshake now
        for i in range(2, 2002):
            self.assertTrue(S.enqueue(w, frame_line(i)))  # returns at once, every time
        self.assertEqual(S.unsent(w), 2000)
        self.assertEqual(w.resumes, 0)
        w.close()

    def test_a_sidecar_that_does_not_resume_is_not_come_back_to(self):
        ss = None

        def old(conn, buf):
            conn.sendall(b'{"t":"ready","ack":true}\n')
            ss.read_lines(conn, buf, 2)
            conn.close()

        ss = self.sidecar = ScriptedSidecar(self.work.sock, [old, old])
        w = self.writer()
        w.start()
        S.enqueue(w, frame_line(0))
        S.enqueue(w, frame_line(1))
        self.assertTrue(w.drain(10))
        self.assertTrue(S.until(lambda: w._lost, 10))
        for i in range(2, 6):
            S.enqueue(w, frame_line(i))
        self.assertTrue(w.drain(10))
        self.assertIsNone(w._retry_at)
        self.assertFalse(w.await_ack('r1', 0.5))  # at exit neither: its replayer gets the file
        w.close()
        self.assertEqual(len(ss.received), 1)
        self.assertEqual(w.finish_spool(False), self.spool)


class TestLeftovers(unittest.TestCase):
    """Spool files earlier runs left: claimed so that two shims never send one, sent to a sidecar
    that resumes, deleted on its ack, given back when not (#24)."""

    GONE_PID = 4194305

    def setUp(self):
        self.work = S.Workdir()
        os.makedirs(self.work.spool_dir, 0o700)
        self.sidecar = None

    def tearDown(self):
        if self.sidecar is not None:
            self.sidecar.close()
        self.work.cleanup()

    def leftover(self, run, frames, pid=None):
        name = '%s-%d.ndjson' % (run, pid or self.GONE_PID)
        with open(os.path.join(self.work.spool_dir, name), 'wb') as f:
            f.write(b''.join(frame_line(i, run) for i in range(frames)))
        return name

    def writer(self):
        own = os.path.join(self.work.spool_dir, 'ffff-%d.ndjson' % os.getpid())
        return shim.FrameWriter(self.work.sock, 100, spool_path=own, run_id='ffff', leftovers=True)

    def test_two_shims_never_claim_the_same_file(self):
        gone = self.leftover('aa', 3)
        live = self.leftover('bb', 3, pid=os.getpid())  # its ansible-playbook still runs
        stale = 'cc-%d.ndjson.replaying-%d' % (self.GONE_PID, self.GONE_PID)  # its claimer died
        open(os.path.join(self.work.spool_dir, stale), 'w').close()
        first, second = self.writer().leftovers, self.writer().leftovers
        claimed = first.claim()
        self.assertEqual(sorted(os.path.basename(c[1]) for c in claimed), [gone, 'cc-%d.ndjson' % self.GONE_PID])
        self.assertEqual(second.claim(), [])  # renamed to the first one's live pid: not free
        self.assertIn(live, os.listdir(self.work.spool_dir))

    def acking_sidecar(self, run, applied, last):
        """A sidecar that has frames of ``run`` up to ``applied``, takes the rest up to ``last``
        and its eof, and acks; returns it and the frames it got."""
        ss = None

        def sidecar(conn, buf):
            conn.sendall(READY_RESUME)
            ss.read_lines(conn, buf, 1)
            conn.sendall(b'{"t":"ready","ack":true,"resume":true,"run":"%s","applied":%d}\n' % (run.encode(), applied))
            ss.read_lines(conn, buf, 1 + (last - applied) + 1)  # the resume, the frames after applied, eof
            conn.sendall(b'{"t":"ack","run":"%s","seq":%d}\n' % (run.encode(), last))
            ss.read_to_eof(conn, buf)

        ss = self.sidecar = ScriptedSidecar(self.work.sock, [sidecar])
        return ss

    def test_sends_a_leftover_with_resume_and_eof_and_deletes_it_on_the_ack(self):
        name = self.leftover('aa', 4)
        ss = self.acking_sidecar('aa', 1, 3)
        sender = self.writer().leftovers
        sender.start()
        sender.join(30)
        got = [json.loads(x) for x in bytes(ss.received[0]).split(b'\n') if x]
        self.assertEqual([(f['t'], f['seq']) for f in got], [('resume', 3), ('debug', 2), ('debug', 3), ('eof', 3)])
        self.assertTrue(got[0]['leftover'])
        self.assertEqual(sender.sent, [name])
        self.assertEqual(os.listdir(self.work.spool_dir), [])

    def test_a_file_over_the_byte_budget_is_given_back_and_the_next_one_still_goes(self):
        big = self.leftover('aa', 40)    # first by name, over the budget
        small = self.leftover('bb', 2)
        ss = self.acking_sidecar('bb', -1, 1)
        sender = self.writer().leftovers
        sender.MAX_BYTES = os.path.getsize(os.path.join(self.work.spool_dir, big)) - 1
        sender.start()
        sender.join(30)
        got = [json.loads(x) for x in bytes(ss.received[0]).split(b'\n') if x]
        self.assertEqual([(f['t'], f['run'], f['seq']) for f in got], [('resume', 'bb', 1), ('debug', 'bb', 0), ('debug', 'bb', 1), ('eof', 'bb', 1)])
        self.assertEqual((sender.sent, sender.kept), ([small], [big]))
        self.assertEqual(os.listdir(self.work.spool_dir), [big])

    def test_gives_a_file_back_when_there_is_no_ack_and_sends_nothing_to_a_sidecar_that_does_not_resume(self):
        name = self.leftover('aa', 2)
        ss = None

        def old(conn, buf):
            conn.sendall(b'{"t":"ready","ack":true}\n')
            ss.read_to_eof(conn, buf)

        ss = self.sidecar = ScriptedSidecar(self.work.sock, [old])
        sender = self.writer().leftovers
        sender.start()
        sender.join(30)
        self.assertEqual(bytes(ss.received[0]), b'')
        self.assertEqual(sender.kept, [name])
        self.assertEqual(os.listdir(self.work.spool_dir), [name])

    def test_stops_at_exit_and_renames_the_file_back(self):
        name = self.leftover('aa', 2)
        ss = None

        def never_answers(conn, buf):
            conn.sendall(READY_RESUME)
            ss.read_lines(conn, buf, 1)
            ss.event('resume').set()
            ss._stop.wait(30)

        ss = self.sidecar = ScriptedSidecar(self.work.sock, [never_answers])
        w = self.writer()
        sender = w.leftovers
        sender.start()
        self.assertTrue(ss.event('resume').wait(30))
        sender.stop()
        sender.join(30)
        self.assertEqual(os.listdir(self.work.spool_dir), [name])


if __name__ == '__main__':
    unittest.main()


class TestRedaction(unittest.TestCase):
    def test_secret_argument_names_by_part(self):
        words = frozenset(['password', 'token', 'key', 'auth'])
        for name in ('password', 'db_password', 'API_KEY', 'auth-token', 'x.token'):
            self.assertTrue(shim._secret_name(name, words), name)
        for name in ('monkey', 'keyboard_layout', 'passwords_file_count', 'url', 42):
            self.assertFalse(shim._secret_name(name, words), name)

    def test_value_patterns_redact_inside_frames_and_skip_bad_ones(self):
        warnings = []

        class D(object):
            def warning(self, msg):
                warnings.append(msg)

        rx = shim._compile_value_patterns(['\\bAKIA[0-9A-Z]{16}\\b', '(?i)\\bbearer\\s+[A-Za-z0-9._~+/-]{8,}=*', '([unclosed'], D())
        body = json.dumps({'msg': 'id AKIAABCDEFGHIJKLMNOP and Authorization: Bearer abc.def-ghi_jkl', 'rc': 0})
        out = json.loads(shim._redact_values(body, rx))
        self.assertEqual(out['msg'], 'id <redacted> and Authorization: <redacted>')
        self.assertEqual(len(warnings), 1)
        self.assertIsNone(shim._compile_value_patterns([]))
