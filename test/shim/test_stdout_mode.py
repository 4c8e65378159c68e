"""The shim as ansible-core's stdout callback (``ansible-otel run --format table|json|summary``):
silent itself, the run reported once, and what the user must see still shown."""

import os
import subprocess
import sys
import unittest

from . import support as S

CONSOLE_PLAYBOOK = os.path.join(S.ROOT, 'test', 'playbooks', 'console.yml')
CONSOLE_INVENTORY = os.path.join(S.ROOT, 'test', 'playbooks', 'inventory.ini')


class StdoutCallbackRun(unittest.TestCase):
    """One real run with ANSIBLE_STDOUT_CALLBACK=otel_sidecar while the shim is also enabled as
    a notification callback (as ``run`` leaves it, and as an ansible.cfg may have it)."""

    @classmethod
    def setUpClass(cls):
        cls.work = S.Workdir()
        cls.listener = S.Listener(cls.work.sock)
        try:
            env = cls.work.env(ANSIBLE_STDOUT_CALLBACK='otel_sidecar', ANSIBLE_LOCALHOST_WARNING='False')
            cls.proc = S.run_playbook(cls.work, ['-i', CONSOLE_INVENTORY, CONSOLE_PLAYBOOK], env=env)
            cls.listener.wait_eof()
        finally:
            cls.listener.close()
        cls.stdout = cls.proc.stdout.decode('utf-8', 'replace')
        cls.stderr = S.unwrap(cls.proc.stderr.decode('utf-8', 'replace'))

    @classmethod
    def tearDownClass(cls):
        cls.work.cleanup()

    def test_prints_no_task_output(self):
        self.assertEqual(self.proc.returncode, 2, self.stderr[-2000:])
        for banner in ('PLAY [', 'TASK [', 'PLAY RECAP', 'ok: [', 'fatal: ['):
            self.assertNotIn(banner, self.stdout)

    def test_reports_the_run_once(self):
        self.assertEqual(len(self.listener.connections), 1)
        frames = self.listener.frames()
        self.assertEqual([f['t'] for f in frames].count('hello'), 1)
        self.assertEqual([f['t'] for f in frames].count('stats'), 1)
        failed = [f for f in frames if f['t'] == 'host_result' and f['status'] == 'failed']
        self.assertEqual([(f['host'], f['res']['msg']) for f in failed], [('h2', 'h2 is out of order')])

    def test_module_warnings_and_deprecations_still_shown(self):
        self.assertIn('[WARNING]: warn_me says: heads up', self.stderr)
        self.assertIn('[DEPRECATION WARNING]: warn_me is deprecated for the test', self.stderr)

    def test_result_frames_carry_warnings_and_deprecations(self):
        # the sidecar turns them into WARN log records (src/model/run-logs.ts)
        warned = [f for f in self.listener.frames() if f['t'] == 'host_result' and (f.get('res') or {}).get('warnings')]
        self.assertEqual([(f['host'], f['res']['warnings']) for f in warned], [('h1', ['warn_me says: heads up'])])
        self.assertEqual([d['msg'] for d in warned[0]['res']['deprecations']], ['warn_me is deprecated for the test'])

    def test_ansible_own_warnings_and_prompt_notice_still_shown(self):
        self.assertIn('Could not match supplied host pattern, ignoring: no_such_host_pattern', self.stderr)
        # not a terminal: ansible-core takes the prompt's default and says so
        self.assertIn('Not prompting as we are not in interactive mode', self.stderr)


class CallbackType(unittest.TestCase):
    """CALLBACK_TYPE is 'stdout' only when ansible-core is configured to use the shim as its stdout
    callback (it then skips the class among the notification callbacks); 'notification' otherwise."""

    def callback_type(self, stdout_callback):
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
        if stdout_callback:
            env['ANSIBLE_STDOUT_CALLBACK'] = stdout_callback
        env['HOME'] = os.environ.get('HOME', '/tmp')
        code = ('import sys; sys.path.insert(0, %r); import otel_sidecar; print(otel_sidecar.CallbackModule.CALLBACK_TYPE)'
                % S.PLUGIN_DIR)
        return subprocess.check_output([sys.executable, '-c', code], env=env).decode().strip()

    def test_notification_by_default(self):
        self.assertEqual(self.callback_type(None), 'notification')
        self.assertEqual(self.callback_type('yaml'), 'notification')

    def test_stdout_when_configured_as_stdout_callback(self):
        self.assertEqual(self.callback_type('otel_sidecar'), 'stdout')


if __name__ == '__main__':
    unittest.main()
