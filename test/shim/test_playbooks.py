"""Integration tests: a real ansible-playbook with the otel_sidecar callback talks to a small
Unix-socket listener; the frames it receives are checked against docs/protocol.md."""

import os
import re
import shutil
import signal
import subprocess
import unittest

from . import support as S

CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
UUID_HEX = re.compile(r'^[0-9a-f]{32}$')


class PlaybookRun(unittest.TestCase):
    """Runs one playbook command in setUpClass; the test methods inspect its frames."""

    ARGS = None
    ENV = {}
    MODE = 'read'
    EXPECT_RC = 0

    @classmethod
    def setUpClass(cls):
        cls.work = S.Workdir()
        cls.run_and_collect()

    @classmethod
    def run_and_collect(cls):
        """Runs ARGS with ENV against a listener on cls.work.sock and keeps what arrived."""
        cls.listener = S.Listener(cls.work.sock, mode=cls.MODE)
        try:
            cls.proc = S.run_playbook(cls.work, cls.ARGS, env=cls.work.env(**cls.ENV))
            cls.listener.wait_eof()
        finally:
            cls.listener.close()
        cls.output = S.output_text(cls.proc)
        cls.raw = cls.listener.raw
        cls.frames = cls.listener.frames() if cls.listener.connections else []

    @classmethod
    def tearDownClass(cls):
        cls.work.cleanup()

    # helpers
    def assertRc(self):
        self.assertEqual(self.proc.returncode, self.EXPECT_RC, self.output[-3000:])

    def assertEnvelope(self):
        frames = self.frames
        self.assertGreater(len(frames), 2)
        self.assertEqual(frames[0]['t'], 'hello')
        self.assertEqual(frames[-1]['t'], 'bye')
        run = frames[0]['run']
        self.assertRegex(run, UUID_HEX)
        prev_ts = None
        for i, f in enumerate(frames):
            self.assertEqual(f['v'], 1)
            self.assertEqual(f['seq'], i, 'seq must start at 0 and be contiguous')
            self.assertEqual(f['run'], run)
            self.assertIsInstance(f['ts'], int)
            self.assertNotIsInstance(f['ts'], bool)
            self.assertGreater(f['ts'], 1500000000 * 10 ** 9)
            if prev_ts is not None:
                self.assertGreater(f['ts'], prev_ts - 10 ** 9, 'ts goes back by more than a second')
            prev_ts = f['ts']
        self.assertEqual(frames[-1]['dropped'], 0)
        self.assertEqual(self.raw.count(b'\n'), len(frames))

    def t(self, name):
        return S.task_by_name(self.frames, name)

    def assertOneSpoolFile(self, work=None):
        """The run's spool file: 0600 in a 0700 dir. Returns (path, frames, raw)."""
        work = work or self.work
        files = work.spool_files()
        self.assertEqual(len(files), 1, files)
        self.assertEqual(os.stat(work.spool_dir).st_mode & 0o777, 0o700)
        self.assertEqual(os.stat(files[0]).st_mode & 0o777, 0o600)
        frames, raw = S.read_spool(files[0])
        self.assertTrue(frames)
        self.assertEqual(os.path.basename(files[0]), '%s-%d.ndjson' % (frames[0]['run'], frames[0]['pid']))
        return files[0], frames, raw

    def assertContiguous(self, frames, complete=True):
        """hello first, one run, seq 0..n-1 without a gap, bye last (when complete)."""
        self.assertEqual(frames[0]['t'], 'hello')
        self.assertEqual([f['seq'] for f in frames], list(range(len(frames))))
        self.assertEqual(set(f['run'] for f in frames), {frames[0]['run']})
        if complete:
            self.assertEqual(frames[-1]['t'], 'bye')
            self.assertEqual(frames[-1]['dropped'], 0)
            self.assertEqual([f['t'] for f in frames].count('bye'), 1)
        else:
            self.assertNotIn('bye', [f['t'] for f in frames])

    def result(self, name, t='host_result'):
        res = S.results_for(self.frames, self.t(name)['task'], t)
        self.assertTrue(res, 'no %s for %r' % (t, name))
        return res


class TestFeatures(PlaybookRun):
    ARGS = ['-i', 'localhost,', '-c', 'local', 'features.yml']
    EXPECT_RC = 2  # the last play fails on purpose

    def test_rc_and_envelope(self):
        self.assertRc()
        self.assertEnvelope()
        self.assertEqual(len(self.listener.connections), 1)

    def test_hello(self):
        h = self.frames[0]
        for key in ('ansible_version', 'shim_version', 'python', 'pid', 'argv', 'cwd', 'user', 'hostname',
                    'check', 'diff', 'traceparent', 'tracestate'):
            self.assertIn(key, h)
        self.assertIsInstance(h['pid'], int)
        self.assertIsInstance(h['argv'], list)
        self.assertIn('features.yml', h['argv'])
        self.assertEqual(h['cwd'], S.PLAYBOOKS)
        self.assertIs(h['check'], False)
        self.assertIs(h['diff'], False)
        self.assertIsNone(h['traceparent'])
        self.assertRegex(h['ansible_version'], r'^\d+\.\d+')
        self.assertNotIn('host_spans', h)  # unset: absent, so the sidecar's --host-spans decides

    def test_playbook_and_plays(self):
        pbs = S.by_type(self.frames, 'playbook_start')
        self.assertEqual(len(pbs), 1)
        self.assertEqual(pbs[0]['path'], os.path.join(S.PLAYBOOKS, 'features.yml'))
        self.assertEqual(pbs[0]['name'], 'features.yml')
        plays = S.by_type(self.frames, 'play_start')
        self.assertEqual([p['name'] for p in plays], ['features', 'block without rescue'])
        self.assertNotEqual(plays[0]['play'], plays[1]['play'])
        self.assertEqual(plays[0]['hosts'], ['localhost'])
        self.assertEqual(plays[0]['strategy'], 'linear')
        self.assertIsNone(plays[0]['serial'])
        # task_start carries the play uuid
        self.assertEqual(self.t('plain command')['play'], plays[0]['play'])
        self.assertEqual(self.t('always runs')['play'], plays[1]['play'])

    def test_task_start_fields(self):
        t = self.t('plain command')
        self.assertEqual(t['action'], 'ansible.builtin.command')
        self.assertIs(t['handler'], False)
        self.assertIs(t['no_log'], False)
        self.assertRegex(t['path'], r'features\.yml:\d+$')
        self.assertEqual(t['args'], {'_raw_params': 'echo hello'})
        self.assertEqual(t['scopes'], [])
        self.assertIsNone(t['role'])
        self.assertIsInstance(t['tags'], list)
        for f in S.by_type(self.frames, 'task_start'):
            for key in f.get('args', {}):
                self.assertFalse(key.startswith('_ansible_'), key)

    def test_host_start_before_result(self):
        t = self.t('plain command')
        starts = S.results_for(self.frames, t['task'], 'host_start')
        results = S.results_for(self.frames, t['task'])
        self.assertEqual(len(starts), 1)
        self.assertEqual(len(results), 1)
        self.assertEqual(starts[0]['host'], 'localhost')
        self.assertLess(t['seq'], starts[0]['seq'])
        self.assertLess(starts[0]['seq'], results[0]['seq'])
        r = results[0]
        self.assertEqual(r['status'], 'ok')
        self.assertEqual(r['action'], 'ansible.builtin.command')
        self.assertEqual(r['res']['stdout'], 'hello')
        self.assertEqual(r['res']['rc'], 0)
        self.assertIs(r['changed'], False)
        self.assertIsNone(r['delegated_to'])

    def test_ignored_failure(self):
        r = self.result('failure ignored')[0]
        self.assertEqual(r['status'], 'failed')
        self.assertIs(r['ignored'], True)
        self.assertIs(r['rescued'], False)

    def test_rescued_direct(self):
        r = self.result('fails in block with rescue')[0]
        self.assertEqual(r['status'], 'failed')
        self.assertIs(r['rescued'], True)
        self.assertIs(r['ignored'], False)
        self.assertEqual(self.result('rescue runs')[0]['status'], 'ok')

    def test_rescued_through_nested_block_and_include(self):
        r = self.result('failing included task')[0]
        self.assertEqual(r['status'], 'failed')
        self.assertIs(r['rescued'], True)

    def test_rescued_through_import_role(self):
        r = self.result('failer fails')[0]
        self.assertEqual(r['status'], 'failed')
        self.assertIs(r['rescued'], True)

    def test_ignored_failure_is_never_rescued(self):
        r = self.result('ignored in rescued block')[0]
        self.assertIs(r['ignored'], True)
        self.assertIs(r['rescued'], False)

    def test_block_without_rescue(self):
        r = self.result('fails in block without rescue')[0]
        self.assertEqual(r['status'], 'failed')
        self.assertIs(r['rescued'], False)
        self.assertIs(r['ignored'], False)

    def test_loop_items(self):
        items = self.result('loop with a failing item', 'item_result')
        self.assertEqual([i['label'] for i in items], ['good', 'bad', 'other'])
        self.assertEqual([i['status'] for i in items], ['ok', 'failed', 'ok'])
        self.assertEqual(items[1]['res']['rc'], 1)
        final = self.result('loop with a failing item')[0]
        self.assertEqual(final['status'], 'failed')
        self.assertIs(final['ignored'], True)
        self.assertEqual(final['res']['results_count'], 3)
        self.assertLess(items[-1]['seq'], final['seq'])
        labels = [i['label'] for i in self.result('loop with labels', 'item_result')]
        self.assertEqual(labels, ['alpha', 'beta'])

    def test_retries(self):
        retries = self.result('retried until third attempt', 'retry')
        self.assertEqual([r['attempt'] for r in retries], [1, 2])
        self.assertEqual(retries[0]['retries'], 6)  # ansible-core reports retries + 1
        final = self.result('retried until third attempt')[0]
        self.assertEqual(final['status'], 'ok')
        self.assertEqual(final['res']['attempts'], 3)

    def test_async_poll(self):
        t = self.t('async with poll')
        polls = [f for f in S.by_type(self.frames, 'async_poll') if f['task'] == t['task']]
        oks = [f for f in S.by_type(self.frames, 'async_ok') if f['task'] == t['task']]
        self.assertGreaterEqual(len(polls), 1)
        self.assertEqual(len(oks), 1)
        job = oks[0]['job']
        self.assertTrue(job)
        self.assertTrue(all(p['job'] == job for p in polls))
        self.assertEqual(polls[0]['res']['finished'], 0)
        self.assertEqual(oks[0]['res']['finished'], 1)
        self.assertLess(polls[-1]['seq'], oks[0]['seq'])
        self.assertEqual(self.result('async with poll')[0]['res']['ansible_job_id'], job)

    def test_handlers(self):
        notifies = S.by_type(self.frames, 'notify')
        play_handler = [n for n in notifies if n['handler'] == 'play handler']
        self.assertEqual(len(play_handler), 1)
        self.assertEqual(play_handler[0]['host'], 'localhost')
        h = self.t('play handler')
        self.assertIs(h['handler'], True)
        self.assertEqual(h['task'], play_handler[0]['handler_task'])
        self.assertGreater(h['seq'], play_handler[0]['seq'])
        self.assertEqual(self.result('play handler')[0]['status'], 'ok')
        role_handler = [n for n in notifies if n['handler'].endswith('greet handler')]
        self.assertEqual(len(role_handler), 1)
        self.assertIs(self.t('greet handler')['handler'], True)
        for f in S.by_type(self.frames, 'task_start'):
            if 'handler' not in f['name']:
                self.assertIs(f['handler'], False, f['name'])

    def test_include_tasks(self):
        inc = self.t('include tasks')
        self.assertEqual(inc['action'], 'ansible.builtin.include_tasks')
        frames = [f for f in S.by_type(self.frames, 'include') if f['task'] == inc['task']]
        self.assertEqual(len(frames), 1)
        self.assertEqual(frames[0]['file'], os.path.join(S.PLAYBOOKS, 'tasks', 'included.yml'))
        self.assertEqual(frames[0]['hosts'], ['localhost'])
        one = self.t('included task one')
        self.assertGreater(one['seq'], frames[0]['seq'])
        # path: where the include is written, the same for every copy ansible-core makes of the file
        self.assertEqual(one['scopes'], [
            {'kind': 'include', 'id': inc['task'], 'name': 'tasks/included.yml', 'via': 'include_tasks', 'path': inc['path']}])
        nested_inc = self.t('nested include')
        nested = self.t('nested task')
        self.assertEqual(nested['scopes'], [
            {'kind': 'include', 'id': inc['task'], 'name': 'tasks/included.yml', 'via': 'include_tasks', 'path': inc['path']},
            {'kind': 'include', 'id': nested_inc['task'], 'name': 'nested.yml', 'via': 'include_tasks',
             'path': nested_inc['path']}])
        self.assertRegex(nested['path'], r'tasks/nested\.yml:1$')

    def test_import_tasks_leave_no_scope(self):
        self.assertEqual(self.t('imported task')['scopes'], [])

    def test_roles_and_dependency_scopes(self):
        base = self.t('base setup')
        webapp = self.t('webapp configure')
        self.assertEqual(webapp['role'], 'webapp')
        self.assertEqual(base['role'], 'base')
        self.assertEqual(len(webapp['scopes']), 1)
        scope = webapp['scopes'][0]
        self.assertEqual((scope['kind'], scope['name'], scope['via']), ('role', 'webapp', 'roles'))
        self.assertEqual([(s['name'], s['via']) for s in base['scopes']],
                         [('webapp', 'roles'), ('base', 'dependency')])
        self.assertEqual(base['scopes'][0]['id'], scope['id'])
        step = self.t('webapp step')
        self.assertEqual(step['scopes'][0], scope)
        self.assertEqual(step['scopes'][1]['kind'], 'include')
        self.assertEqual(step['scopes'][1]['name'], 'steps.yml')
        self.assertEqual(step['scopes'][1]['id'], self.t('webapp included steps')['task'])

    def test_include_role_scope(self):
        inc = self.t('include role')
        extra = self.t('extra greet task')
        self.assertEqual(extra['scopes'], [{'kind': 'role', 'id': inc['task'], 'name': 'greet', 'via': 'include_role',
                                            'path': inc['path']}])
        self.assertEqual(extra['role'], 'greet')

    def test_import_role_scope(self):
        say = self.t('say greeting')
        self.assertEqual(len(say['scopes']), 1)
        s = say['scopes'][0]
        self.assertEqual((s['kind'], s['name'], s['via']), ('role', 'greet', 'import_role'))
        touch = self.t('touch greeting (changed, notifies role handler)')
        self.assertEqual(touch['scopes'], say['scopes'])
        failer = self.t('failer fails')
        self.assertEqual([(x['name'], x['via']) for x in failer['scopes']], [('failer', 'import_role')])
        self.assertNotEqual(failer['scopes'][0]['id'], s['id'])

    def test_url_credentials_stripped(self):
        self.assertNotIn(b's3cr3tpw', self.raw)
        self.assertNotIn(b'user:', self.raw)
        r = self.result('url with credentials')[0]
        self.assertEqual(r['res']['msg'], 'cloning https://example.invalid/x and https://example.invalid/x')
        self.assertIn('https://example.invalid/x', self.t('url with credentials')['args']['msg'])

    def test_file_diff_headers_only(self):
        t = self.t('write with diff')
        diffs = [f for f in S.by_type(self.frames, 'file_diff') if f['task'] == t['task']]
        self.assertEqual(len(diffs), 1)
        self.assertEqual(diffs[0]['host'], 'localhost')
        self.assertTrue(diffs[0]['diffs'])
        for d in diffs[0]['diffs']:
            self.assertEqual(set(d), {'before_header', 'after_header'})
        self.assertNotIn(b'new content', b''.join(l for l in self.raw.split(b'\n') if b'"file_diff"' in l))

    def test_skipped(self):
        r = self.result('skipped task')[0]
        self.assertEqual(r['status'], 'skipped')
        self.assertIn('skip_reason', r['res'])

    def test_stats_match_recap(self):
        stats = S.by_type(self.frames, 'stats')
        self.assertEqual(len(stats), 1)
        s = stats[0]['hosts']['localhost']
        m = re.search(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+'
                      r'skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)', self.output)
        self.assertTrue(m, self.output[-2000:])
        ok, changed, unreachable, failed, skipped, rescued, ignored = [int(x) for x in m.groups()]
        self.assertEqual(s, {'ok': ok, 'changed': changed, 'unreachable': unreachable, 'failures': failed,
                             'skipped': skipped, 'rescued': rescued, 'ignored': ignored})
        self.assertEqual(s['rescued'], 3)
        self.assertEqual(s['ignored'], 3)
        self.assertEqual(s['failures'], 1)
        self.assertEqual(self.frames[-2]['t'], 'stats')

    def test_every_result_has_a_started_task(self):
        started = set(f['task'] for f in S.by_type(self.frames, 'task_start'))
        for f in self.frames:
            if f['t'] in ('host_start', 'host_result', 'item_result', 'retry', 'async_poll', 'async_ok',
                          'file_diff'):
                self.assertIn(f['task'], started, f)

    def test_spool_file_deleted_when_everything_arrived(self):
        self.assertTrue(os.path.isdir(self.work.spool_dir))  # it was written during the run
        self.assertEqual(self.work.spool_files(), [])

    def test_no_warnings(self):
        # also: ansible's loader found nothing else to import under plugin/ (tests live deeper)
        self.assertNotIn('otel_sidecar', self.output)
        self.assertNotIn('[WARNING]', self.output)


class TestSerial(PlaybookRun):
    ARGS = ['-i', 'inventory_serial.ini', 'serial.yml']

    def test_play_start_per_batch(self):
        self.assertRc()
        self.assertEnvelope()
        plays = S.by_type(self.frames, 'play_start')
        self.assertEqual(len(plays), 2)
        self.assertEqual(plays[0]['play'], plays[1]['play'])
        self.assertEqual(plays[0]['serial'], [2])
        drain = [f for f in S.by_type(self.frames, 'task_start') if f['name'] == 'drain node']
        self.assertEqual(len(drain), 2)
        self.assertEqual(drain[0]['task'], drain[1]['task'])  # same task uuid in every batch
        first = [f['host'] for f in self.frames if f['t'] == 'host_result' and plays[0]['seq'] < f['seq'] < plays[1]['seq']]
        second = [f['host'] for f in self.frames if f['t'] == 'host_result' and f['seq'] > plays[1]['seq']]
        self.assertEqual(sorted(set(first)), ['h1', 'h2'])
        self.assertEqual(sorted(set(second)), ['h3'])
        stats = S.by_type(self.frames, 'stats')[0]['hosts']
        self.assertEqual(sorted(stats), ['h1', 'h2', 'h3'])
        for h in stats.values():
            self.assertEqual((h['ok'], h['changed']), (2, 1))


class TestForksAndThrottle(PlaybookRun):
    ARGS = ['-i', 'inventory_serial.ini', '-f', '3', 'throttle.yml']

    def test_hello_carries_the_forks_and_cpus(self):
        self.assertRc()
        self.assertEqual(self.frames[0]['forks'], 3)
        self.assertEqual(self.frames[0]['cpus'], len(os.sched_getaffinity(0)))

    def test_task_start_carries_the_workers_cpu_so_far(self):
        cpu = [f['worker_cpu'] for f in S.by_type(self.frames, 'task_start')]
        self.assertEqual(cpu[0], 0.0)  # no worker has ended before the first task
        self.assertEqual(cpu, sorted(cpu))
        self.assertGreater(cpu[-1], 0.0)  # the first tasks' workers ran modules: CPU

    def test_task_start_carries_the_controllers_and_the_machines_cpu(self):
        starts = S.by_type(self.frames, 'task_start')
        own = [f['controller_cpu'] for f in starts]
        busy = [f['machine_cpu'] for f in starts]
        self.assertEqual(own, sorted(own))
        self.assertGreater(own[-1], 0.0)  # the controller parsed the playbook before the first task
        self.assertEqual(busy, sorted(busy))
        # The machine's busy seconds include the controller's and its finished workers' since the
        # first task. /proc/stat samples the CPU at each scheduler tick, while a process's own times
        # are its measured run time: over a few seconds of short-lived workers on a loaded machine
        # the two differ by the sampling error (seen: 2.77 s sampled for 2.87 s run), so the lower
        # bound allows 15 %. The upper bound is the CPUs' whole wall time, which no count can pass
        # (seen: 100.3 % of it with two CPU hogs, as a frame's ts is taken before its CPU reads).
        grown = busy[-1] - busy[0]
        ours = (own[-1] - own[0]) + (starts[-1]['worker_cpu'] - starts[0]['worker_cpu'])
        self.assertGreater(ours, 0.0)
        self.assertGreaterEqual(grown + 0.05, 0.85 * ours)
        cpus = self.frames[0]['cpus']
        wall = (starts[-1]['ts'] - starts[0]['ts']) / 1e9
        self.assertLessEqual(grown, cpus * (wall + 0.25))

    def test_task_start_carries_its_throttle(self):
        throttles = {f['name']: f['throttle'] for f in S.by_type(self.frames, 'task_start')}
        self.assertEqual(throttles, {'one at a time': 1, 'in the block': 2, 'templated': None, 'unthrottled': 0})


class TestTwoPlaybooks(PlaybookRun):
    ARGS = ['-i', 'localhost,', '-c', 'local', 'stats_one.yml', 'stats_two.yml']

    def test_stats_are_per_playbook_deltas(self):
        self.assertRc()
        self.assertEnvelope()
        pbs = S.by_type(self.frames, 'playbook_start')
        self.assertEqual([p['name'] for p in pbs], ['stats_one.yml', 'stats_two.yml'])
        stats = S.by_type(self.frames, 'stats')
        self.assertEqual(len(stats), 2)
        self.assertLess(pbs[0]['seq'], stats[0]['seq'])
        self.assertLess(stats[0]['seq'], pbs[1]['seq'])
        self.assertLess(pbs[1]['seq'], stats[1]['seq'])
        one = stats[0]['hosts']['localhost']
        two = stats[1]['hosts']['localhost']
        self.assertEqual(one, {'ok': 3, 'changed': 1, 'failures': 0, 'unreachable': 0, 'skipped': 0,
                               'rescued': 0, 'ignored': 0})
        self.assertEqual(two, {'ok': 2, 'changed': 0, 'failures': 0, 'unreachable': 0, 'skipped': 1,
                               'rescued': 0, 'ignored': 1})


class TestNoLog(PlaybookRun):
    ARGS = ['-i', 'localhost,', '-c', 'local', 'no_log.yml', '-e', 'extra_secret=SECRET-CANARY-3f9a1c-argv']

    def test_canary_never_sent(self):
        self.assertRc()
        self.assertEnvelope()
        self.assertGreater(len(self.raw), 1000)
        self.assertEqual(self.raw.count(b'SECRET-CANARY'), 0)
        self.assertEqual(self.raw.count(b'3f9a1c'), 0)

    def test_no_log_tasks_have_no_args_and_censored_results(self):
        for f in S.by_type(self.frames, 'task_start'):
            self.assertIs(f['no_log'], True, f['name'])
            self.assertNotIn('args', f)
        for f in self.frames:
            if f['t'] in ('host_result', 'retry', 'async_ok', 'async_poll', 'async_failed'):
                self.assertIs(f['no_log'], True, f)
                self.assertEqual(f['res'], {'censored': CENSORED})

    def test_items(self):
        labels = [i['label'] for i in self.result('no_log loop over secret items', 'item_result')]
        self.assertEqual(labels, ['(censored due to no_log)'] * 2)
        per_item = self.result('per-item no_log', 'item_result')
        self.assertEqual([i['label'] for i in per_item], ['public-item', '(censored due to no_log)'])
        self.assertEqual([i['no_log'] for i in per_item], [False, True])
        self.assertEqual(per_item[0]['res']['msg'], 'public-item')
        self.assertEqual(per_item[1]['res'], {'censored': CENSORED})

    def test_retry_attempts_kept(self):
        retries = self.result('no_log retries', 'retry')
        self.assertEqual([r['attempt'] for r in retries], [1])

    def test_argv_extra_vars_redacted(self):
        argv = self.frames[0]['argv']
        self.assertIn('-e', argv)
        self.assertEqual(argv[argv.index('-e') + 1], '<redacted>')


class TestOptionsCheckModeTraceparent(PlaybookRun):
    """check mode, TRACEPARENT/TRACESTATE, hide_task_arguments, and the default socket path
    ($XDG_RUNTIME_DIR/ansible-otel/sidecar.sock when the socket option is empty)."""

    ARGS = ['-i', 'localhost,', '-c', 'local', 'small.yml', '--check', '--diff']
    TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

    @classmethod
    def setUpClass(cls):
        cls.work = S.Workdir()
        runtime = os.path.join(cls.work.path, 'run')
        os.makedirs(runtime)
        cls.work.sock = os.path.join(runtime, 'ansible-otel', 'sidecar.sock')
        cls.ENV = {'TRACEPARENT': cls.TRACEPARENT, 'TRACESTATE': 'vendor=value',
                   'ANSIBLE_OTEL_HIDE_TASK_ARGUMENTS': 'true', 'ANSIBLE_OTEL_SOCKET': None,
                   'XDG_RUNTIME_DIR': runtime, 'ANSIBLE_OTEL_HOST_SPANS': ' Problems '}
        cls.run_and_collect()

    def test_default_socket_path_and_envelope(self):
        self.assertRc()
        self.assertEnvelope()

    def test_hello_check_diff_traceparent(self):
        h = self.frames[0]
        self.assertIs(h['check'], True)
        self.assertIs(h['diff'], True)
        self.assertEqual(h['traceparent'], self.TRACEPARENT)
        self.assertEqual(h['tracestate'], 'vendor=value')
        self.assertIs(S.by_type(self.frames, 'play_start')[0]['check'], True)

    def test_hello_host_spans(self):
        self.assertEqual(self.frames[0]['host_spans'], 'problems')

    def test_hide_task_arguments(self):
        starts = S.by_type(self.frames, 'task_start')
        self.assertEqual(len(starts), 2)
        for f in starts:
            self.assertNotIn('args', f)
        self.assertNotIn(b'small-argument-value', self.raw)


class TestSidecarAbsent(PlaybookRun):
    """Nobody listens: the playbook is unaffected, one warning names the spool file, which holds
    the whole run (hello to bye, no gap)."""

    ARGS = ['-i', 'localhost,', '-c', 'local', 'small.yml']

    @classmethod
    def run_and_collect(cls):
        cls.missing = os.path.join(cls.work.path, 'nobody-listens.sock')
        cls.proc = S.run_playbook(cls.work, cls.ARGS, env=cls.work.env(ANSIBLE_OTEL_SOCKET=cls.missing))
        cls.output = S.output_text(cls.proc)

    def test_playbook_succeeds_with_one_warning_naming_the_spool_file(self):
        self.assertRc()
        out = self.output
        flat = S.unwrap(out)
        self.assertEqual(flat.count('otel_sidecar'), 1, out)
        self.assertEqual(flat.count('[WARNING]'), 1, out)
        self.assertIn(S.squash(self.missing), S.squash(out))
        self.assertIn('No such file or directory', flat)
        self.assertIn('ok=2', out)
        path = self.work.spool_files()[0]
        self.assertIn(S.squash(path), S.squash(out))
        self.assertIn(S.squash('`ansible-otel replay %s`' % path), S.squash(out))
        self.assertIn('`ansible-otel serve`', flat)

    def test_spool_file_holds_the_whole_run(self):
        _, frames, raw = self.assertOneSpoolFile()
        self.assertContiguous(frames)
        self.assertEqual([f['t'] for f in frames],
                         ['hello', 'playbook_start', 'play_start'] + ['task_start', 'host_start', 'host_result'] * 2
                         + ['stats', 'bye'])
        self.assertTrue(raw.endswith(b'\n'))
        self.assertEqual(raw.count(b'\n'), len(frames))


class TestSidecarAcks(PlaybookRun):
    """A sidecar that announces acks and acks the run after bye: the spool file goes, silently."""

    ARGS = ['-i', 'localhost,', '-c', 'local', 'small.yml']
    MODE = 'ack'

    def test_spool_file_deleted_after_the_ack(self):
        self.assertRc()
        self.assertEnvelope()
        self.assertTrue(os.path.isdir(self.work.spool_dir))  # it was written during the run
        self.assertEqual(self.work.spool_files(), [])
        self.assertNotIn('otel_sidecar', self.output)


class TestSidecarNeverAcks(PlaybookRun):
    """A sidecar that announces acks but does not ack (its export did not finish, or it died
    after taking bye): every frame reached it, yet the spool file stays, whole, for a replay;
    the playbook ends within drain_timeout with one warning naming the file."""

    ARGS = ['-i', 'localhost,', '-c', 'local', 'small.yml']
    MODE = 'no_ack'
    ENV = {'ANSIBLE_OTEL_DRAIN_TIMEOUT': '0.5'}

    def test_spool_file_kept_whole_with_one_warning(self):
        self.assertRc()
        self.assertEnvelope()
        _, frames, _ = self.assertOneSpoolFile()
        self.assertContiguous(frames)
        self.assertEqual(frames, self.frames)  # the sidecar got it all: only the ack is missing
        flat = S.unwrap(self.output)
        self.assertEqual(flat.count('otel_sidecar'), 1, self.output)
        self.assertIn('did not confirm', flat)
        self.assertIn(S.squash(self.work.spool_files()[0]), S.squash(self.output))


class TestOverflowDropSidecarAbsent(PlaybookRun):
    """overflow=drop and nobody listens: no spool file; the frames are counted and reported."""

    ARGS = ['-i', 'localhost,', '-c', 'local', 'small.yml']

    @classmethod
    def run_and_collect(cls):
        cls.missing = os.path.join(cls.work.path, 'nobody-listens.sock')
        cls.proc = S.run_playbook(cls.work, cls.ARGS, env=cls.work.env(
            ANSIBLE_OTEL_SOCKET=cls.missing, ANSIBLE_OTEL_OVERFLOW='drop'))
        cls.output = S.output_text(cls.proc)

    def test_no_spool_file_and_dropped_count_reported(self):
        self.assertRc()
        self.assertFalse(os.path.exists(self.work.spool_dir))
        flat = S.unwrap(self.output)
        self.assertEqual(flat.count('[WARNING]'), 2, self.output)  # the connection, then the count
        self.assertIn('No such file or directory', flat)
        self.assertIn('traces of this run are dropped', flat)
        # hello, playbook_start, play_start, 2 x (task_start, host_start, host_result), stats, bye
        self.assertIn('11 frame(s) of this run were dropped (11 undeliverable; overflow=drop)', flat)
        self.assertIn('ok=2', self.output)


class TestSidecarStopsReading(PlaybookRun):
    """The sidecar accepts but never reads: after send_timeout the connection is given up, the run
    goes on into the spool file, the playbook succeeds without hanging; one warning."""

    MODE = 'stall'
    ARGS = ['-i', 'localhost,', '-c', 'local', 'flood-then-wait.yml']
    ENV = {'ANSIBLE_OTEL_MAX_RESULT_BYTES': '65536', 'ANSIBLE_OTEL_DRAIN_TIMEOUT': '1.0',
           'ANSIBLE_OTEL_SEND_TIMEOUT': '1'}

    def test_does_not_hang(self):
        self.assertRc()  # a hang would have raised TimeoutExpired in setUpClass (run_playbook)
        flat = S.unwrap(self.output)
        self.assertEqual(flat.count('otel_sidecar'), 1, self.output)
        self.assertIn('send_timeout', flat)
        self.assertNotIn('queue is full', flat)
        self.assertEqual(len(self.listener.connections), 1)

    def test_spool_file_holds_the_whole_run(self):
        path, frames, _ = self.assertOneSpoolFile()
        self.assertIn(S.squash(path), S.squash(self.output))
        self.assertContiguous(frames)
        self.assertEqual(len(S.by_type(frames, 'item_result')), 150)


class TestSidecarStopsReadingAtExit(PlaybookRun):
    """The run ends while the writer is stuck on a sidecar that stopped reading (send_timeout far
    away): the drain at exit gives the connection up and the rest of the run goes to the spool
    file; one warning, nothing lost."""

    MODE = 'stall'
    ARGS = ['-i', 'localhost,', '-c', 'local', 'flood.yml']
    # send_timeout beyond run_playbook's 300 s: an exit that waited for it would raise TimeoutExpired
    ENV = {'ANSIBLE_OTEL_MAX_RESULT_BYTES': '65536', 'ANSIBLE_OTEL_DRAIN_TIMEOUT': '1.0',
           'ANSIBLE_OTEL_SEND_TIMEOUT': '3600'}

    def test_gives_up_at_exit_and_keeps_everything(self):
        self.assertRc()
        flat = S.unwrap(self.output)
        self.assertEqual(flat.count('otel_sidecar'), 1, self.output)
        self.assertIn('did not take the last frames within drain_timeout', flat)
        path, frames, _ = self.assertOneSpoolFile()
        self.assertContiguous(frames)
        self.assertEqual(len(S.by_type(frames, 'item_result')), 150)
        self.assertEqual(frames[-1]['t'], 'bye')
        self.assertEqual(frames[-1]['dropped'], 0)


class TestQueueFullOverflowDrop(PlaybookRun):
    """overflow=drop, a tiny queue and a sidecar that stops reading: frames are dropped when the
    queue is full (never blocking ansible), counted and reported; no spool file."""

    MODE = 'stall'
    ARGS = ['-i', 'localhost,', '-c', 'local', 'flood.yml']
    ENV = {'ANSIBLE_OTEL_MAX_RESULT_BYTES': '65536', 'ANSIBLE_OTEL_DRAIN_TIMEOUT': '1.0',
           'ANSIBLE_OTEL_QUEUE_SIZE': '40', 'ANSIBLE_OTEL_OVERFLOW': 'drop'}

    def test_does_not_hang_and_reports_drops(self):
        self.assertRc()  # a hang would have raised TimeoutExpired in setUpClass (run_playbook)
        flat = S.unwrap(self.output)
        self.assertIn('queue is full', flat)
        self.assertRegex(flat, r'\d+ frame\(s\) of this run were dropped \([^)]*with the queue full')
        self.assertFalse(os.path.exists(self.work.spool_dir))


class TestSidecarHangsUp(PlaybookRun):
    """The sidecar closes the connection after the first bytes: one warning, playbook fine.
    (Also the single-file install: the callback directory holds only otel_sidecar.py.)"""

    MODE = 'hangup'
    ARGS = ['-i', 'localhost,', '-c', 'local', 'small.yml']
    ENV = {'single_file': True}

    def test_one_warning_and_success(self):
        self.assertRc()
        flat = S.unwrap(self.output)
        self.assertEqual(flat.count('otel_sidecar'), 1, self.output)
        self.assertIn('lost the connection', flat)
        self.assertIn(S.squash(self.work.sock), S.squash(self.output))
        self.assertTrue(self.frames)
        self.assertEqual(self.frames[0]['t'], 'hello')


class TestSidecarDiesMidRun(PlaybookRun):
    """The sidecar closes the connection after a few frames: the exit code is unchanged and the
    spool file holds the complete run, from hello to bye."""

    ARGS = ['-i', 'localhost,', '-c', 'local', 'features.yml']
    EXPECT_RC = 2

    @classmethod
    def run_and_collect(cls):
        cls.listener = S.Listener(cls.work.sock, mode='hangup_after', frames=5)
        try:
            cls.proc = S.run_playbook(cls.work, cls.ARGS, env=cls.work.env())
            cls.listener.wait_eof()
        finally:
            cls.listener.close()
        cls.output = S.output_text(cls.proc)
        cls.raw = cls.listener.raw

    def test_exit_code_unchanged_and_one_warning(self):
        self.assertRc()
        flat = S.unwrap(self.output)
        self.assertEqual(flat.count('otel_sidecar'), 1, self.output)
        self.assertIn('lost the connection', flat)

    def test_spool_file_holds_the_whole_run(self):
        path, frames, raw = self.assertOneSpoolFile()
        self.assertIn(S.squash(path), S.squash(self.output))
        self.assertContiguous(frames)
        self.assertGreater(len(frames), 100)
        self.assertGreater(len(S.by_type(frames, 'stats')), 0)
        self.assertTrue(raw.startswith(self.raw))  # the sidecar got a prefix of it
        self.assertGreaterEqual(self.raw.count(b'\n'), 5)
        self.assertLess(self.raw.count(b'\n'), len(frames))


class TestNoLogSpooled(PlaybookRun):
    """The no_log canary never reaches the spool file either."""

    ARGS = TestNoLog.ARGS

    @classmethod
    def run_and_collect(cls):
        cls.proc = S.run_playbook(cls.work, cls.ARGS, env=cls.work.env(
            ANSIBLE_OTEL_SOCKET=os.path.join(cls.work.path, 'nobody-listens.sock')))
        cls.output = S.output_text(cls.proc)

    def test_canary_never_spooled(self):
        self.assertRc()
        _, frames, raw = self.assertOneSpoolFile()
        self.assertContiguous(frames)
        self.assertGreater(len(raw), 1000)
        self.assertEqual(raw.count(b'SECRET-CANARY'), 0)
        self.assertEqual(raw.count(b'3f9a1c'), 0)


@unittest.skipUnless(shutil.which('ssh'), 'needs an ssh client for the unreachable-host check')
class TestUnreachable(PlaybookRun):
    ARGS = ['-i', 'inventory_unreachable.ini', 'unreachable.yml']
    EXPECT_RC = 4

    def test_unreachable_result(self):
        self.assertRc()
        self.assertEnvelope()
        r = self.result('ping the unreachable host')[0]
        self.assertEqual(r['host'], 'down')
        self.assertEqual(r['status'], 'unreachable')
        self.assertIs(r['ignored'], False)
        self.assertIs(r['rescued'], False)
        self.assertIn('msg', r['res'])
        self.assertEqual(S.by_type(self.frames, 'stats')[0]['hosts']['down']['unreachable'], 1)


class TestKilledPlaybookClosesConnection(unittest.TestCase):
    """Forked workers must not keep the sidecar connection open: after ansible-playbook is
    SIGKILLed while a worker still runs a task, the sidecar sees EOF while that task still runs."""

    def test_eof_after_sigkill(self):
        work = S.Workdir()
        listener = S.Listener(work.sock)
        proc = None
        try:
            pb = os.path.join(work.path, 'slow.yml')
            running = os.path.join(work.path, 'running')  # the pid of the task's sleep, once it runs
            with open(pb, 'w') as f:
                f.write('- hosts: localhost\n  gather_facts: false\n  tasks:\n'
                        '    - name: slow task\n'
                        '      ansible.builtin.shell: echo $$ > %s.tmp && mv %s.tmp %s && exec sleep 120\n'
                        % (running, running, running))
            proc = subprocess.Popen([S.ANSIBLE_PLAYBOOK, '-i', 'localhost,', '-c', 'local', pb],
                                    cwd=S.PLAYBOOKS, env=work.env(), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            self.assertTrue(S.until(lambda: listener.connections and os.path.exists(running)
                                    and b'"host_start"' in bytes(listener.connections[0])),
                            'the slow task never started')
            with open(running) as f:
                sleeper = int(f.read())
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
            self.assertTrue(listener.wait_eof(), 'connection still open after SIGKILL')
            os.kill(sleeper, 0)  # raises if the task had ended: EOF came from the kill, not the task's end
            # the spool file survives, with every frame up to the kill
            files = work.spool_files()
            self.assertEqual(len(files), 1, files)
            frames, raw = S.read_spool(files[0])
            self.assertEqual(frames[0]['t'], 'hello')
            self.assertEqual([f['seq'] for f in frames], list(range(len(frames))))
            self.assertEqual(frames[-1]['t'], 'host_start')
            self.assertNotIn('bye', [f['t'] for f in frames])
            self.assertTrue(raw.endswith(b'\n'))
            self.assertEqual(raw, bytes(listener.connections[0]))
        finally:
            if proc is not None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # the orphaned worker of this test
                except OSError:
                    pass
            listener.close()
            work.cleanup()


class TestAnsibleDoc(unittest.TestCase):
    def test_doc_renders(self):
        env = S.Workdir()
        try:
            proc = subprocess.run([S.ANSIBLE_DOC, '-t', 'callback', 'otel_sidecar'],
                                  env=env.env(ANSIBLE_CALLBACK_PLUGINS=S.PLUGIN_DIR),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=60)
        finally:
            env.cleanup()
        out = S.output_text(proc)
        self.assertEqual(proc.returncode, 0, out)
        for name in ('socket', 'hide_task_arguments', 'max_result_bytes', 'include_facts', 'queue_size',
                     'drain_timeout', 'spool_dir', 'overflow', 'send_timeout', 'ANSIBLE_OTEL_SOCKET',
                     'ANSIBLE_OTEL_DRAIN_TIMEOUT', 'ANSIBLE_OTEL_SPOOL_DIR', 'ANSIBLE_OTEL_OVERFLOW',
                     'ANSIBLE_OTEL_SEND_TIMEOUT', 'token', 'ANSIBLE_OTEL_TOKEN', 'callback_otel_sidecar',
                     'tls_ca_file', 'ANSIBLE_OTEL_TLS_CA_FILE', 'tls_client_cert', 'ANSIBLE_OTEL_TLS_CLIENT_CERT',
                     'tls_client_key', 'ANSIBLE_OTEL_TLS_CLIENT_KEY', 'spool_max_mb', 'ANSIBLE_OTEL_SPOOL_MAX_MB',
                     'spool_max_age_days', 'ANSIBLE_OTEL_SPOOL_MAX_AGE_DAYS'):
            self.assertIn(name, out)
        self.assertNotIn('ERROR', out)


if __name__ == '__main__':
    unittest.main()


SUITE_PLAYBOOKS = os.path.join(S.ROOT, 'test', 'playbooks')
VAULT_PLAINTEXTS = (b'VAULT-SCALAR-7q2w', b'VAULT-LIST-8e4r', b'VAULT-PLAYVAR-9t6y', b'VAULT-NOLOG-5u1i',
                    b'VAULT-VARSFILE-3k5m')


class TestVault(PlaybookRun):
    """Vault values (inline in args, a vaulted play var templated into args, results and a loop
    label, inline in a no_log task) never leave in clear, on any ansible-core: a vault value is
    sent as <vaulted>, and each plaintext the shim came across is masked (***) in every frame,
    the socket's and the spool file's (kept: the sidecar never acks). From 2.22 on, ansible masks
    the results it hands callbacks itself ($REDACTED$) before the shim sees them."""

    ARGS = ['-i', os.path.join(SUITE_PLAYBOOKS, 'inventory.ini'), os.path.join(SUITE_PLAYBOOKS, 'vault.yml'),
            '--vault-password-file', os.path.join(SUITE_PLAYBOOKS, 'vault-password')]
    MODE = 'no_ack'
    ENV = {'ANSIBLE_OTEL_DRAIN_TIMEOUT': '0.5'}

    def test_no_plaintext_in_frames_or_spool_file(self):
        self.assertRc()
        self.assertEnvelope()
        _, spooled, spool_raw = self.assertOneSpoolFile()
        self.assertEqual(spooled, self.frames)
        for plain in VAULT_PLAINTEXTS:
            self.assertEqual(self.raw.count(plain), 0, plain)
            self.assertEqual(spool_raw.count(plain), 0, plain)
        # the run really decrypted: ansible's default stdout callback printed the plaintext, or
        # from 2.22 on masked it (it masks only the values its secret masker registered)
        if S.ANSIBLE_CORE >= (2, 22):
            self.assertIn('"msg": "the value is $REDACTED$"', self.output)
            for plain in VAULT_PLAINTEXTS:
                self.assertNotIn(plain.decode('ascii'), self.output)
        else:
            self.assertIn('VAULT-PLAYVAR-9t6y', self.output)

    def test_inline_vault_arguments_are_vaulted(self):
        self.assertEqual(self.t('Inline vault in a scalar argument')['args'], {'msg': '<vaulted>'})
        self.assertEqual(self.t('Inline vault in a list argument')['args'], {'argv': ['echo', '<vaulted>']})
        self.assertNotIn('args', self.t('Inline vault in a no_log task'))

    def test_plaintexts_in_results_and_labels_are_masked(self):
        mask = S.RESULT_MASK  # the shim's *** before 2.22, ansible's own $REDACTED$ from 2.22 on
        res = self.result('Inline vault in a list argument')[0]['res']
        self.assertEqual(res['stdout'], mask)
        self.assertEqual(self.result('Vaulted play var in command arguments')[0]['res']['stdout'], mask)
        self.assertEqual(self.result('Vaulted play var in a message')[0]['res']['msg'], 'the value is ' + mask)
        self.assertEqual([i['label'] for i in self.result('Vaulted play var in a loop label', 'item_result')], [mask])
        self.assertEqual(self.result('Vaulted var of a vars file in a message')[0]['res']['msg'], mask)
        # 2.14 hands the debug module the vault object (<vaulted>), 2.19 its plaintext (masked)
        self.assertIn(self.result('Inline vault in a scalar argument')[0]['res']['msg'], ('<vaulted>', mask))


class TestNotify(PlaybookRun):
    """Every host whose changed result notifies a handler gets one notify frame per handler, just
    before that result's host_result: on 2.14 (ansible calls v2_playbook_on_notify then) and on
    2.18+ (it calls it when handlers are flushed, for the hosts still running), for a host that
    fails before the flush, for the items of a loop, through listen, and from a handler."""

    ARGS = ['-i', os.path.join(SUITE_PLAYBOOKS, 'inventory.ini'), os.path.join(SUITE_PLAYBOOKS, 'notify.yml')]
    EXPECT_RC = 2

    def notifications(self):
        """(handler, host, name of the task whose host_result comes next for that host)"""
        names = dict((f['task'], f['name']) for f in S.by_type(self.frames, 'task_start'))
        out = []
        for i, f in enumerate(self.frames):
            if f['t'] != 'notify':
                continue
            after = [g for g in self.frames[i + 1:] if g.get('host') == f['host'] and g['t'] != 'notify']
            self.assertEqual(after[0]['t'], 'host_result', f)
            self.assertEqual(after[0]['status'], 'ok', f)
            out.append((f['handler'], f['host'], names[after[0]['task']]))
        return sorted(out)

    def test_each_notifying_result_notifies_once_before_its_host_result(self):
        self.assertRc()
        self.assertEqual(self.notifications(), sorted([
            ('restart app', 'h1', 'Change on every host'),
            ('restart app', 'h2', 'Change on every host'),
            ('reload config', 'h1', 'Change on h1 only'),
            ('topic listener', 'h1', 'Loop where only some items change'),
            ('after restart', 'h1', 'restart app'),
        ]))

    def test_handler_task_uuid(self):
        for f in S.by_type(self.frames, 'notify'):
            self.assertEqual(self.t(f['handler'])['task'], f['handler_task'])
            self.assertIs(self.t(f['handler'])['handler'], True)

    def test_handlers_run_for_the_hosts_still_running(self):
        self.assertEqual([r['host'] for r in self.result('restart app')], ['h1'])
        self.assertEqual([r['host'] for r in self.result('topic listener')], ['h1'])


class TestDeprecationWarnings(PlaybookRun):
    """With deprecation warnings on, the shim causes none on the version under test."""

    ARGS = ['-i', 'localhost,', '-c', 'local', 'features.yml']
    ENV = {'ANSIBLE_DEPRECATION_WARNINGS': 'true'}
    EXPECT_RC = TestFeatures.EXPECT_RC

    def test_no_deprecation_warning(self):
        self.assertRc()
        self.assertEnvelope()
        self.assertNotIn('DEPRECATION', self.output)
        self.assertNotIn('otel_sidecar', self.output)
