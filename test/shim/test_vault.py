"""Unit tests of the shim's vault handling on the ansible-core under test (2.14's
AnsibleVaultEncryptedUnicode, 2.19's EncryptedString): a vault value is sent as <vaulted> and
never decrypted into a frame; the plaintexts the shim came across are masked (***) by the writer
thread; the results' public accessors are used where ansible-core has them."""

import json
import unittest

from . import support as S
from .test_shim_unit import CallbackCase, shim

from ansible.parsing import vault as V

PASSWORD = b'otel-unit-test-password'


def _vault_lib():
    return V.VaultLib([('default', V.VaultSecret(PASSWORD))])


_SECRETS_READY = []


def vault_value(plaintext):
    """A vault value of this ansible-core, decryptable here as ansible-playbook would set it up."""
    ciphertext = _vault_lib().encrypt(plaintext).decode('ascii')
    encrypted = getattr(V, 'EncryptedString', None)
    if encrypted is not None:  # 2.19+: decrypts through the process-wide secrets context
        if not _SECRETS_READY:
            V.VaultSecretsContext.initialize(V.VaultSecretsContext(secrets=[('default', V.VaultSecret(PASSWORD))]))
            _SECRETS_READY.append(True)
        return encrypted(ciphertext=ciphertext)
    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode
    value = AnsibleVaultEncryptedUnicode(ciphertext)
    value.vault = _vault_lib()
    return value


class TestVaultedValues(unittest.TestCase):
    def test_a_vault_value_is_never_decrypted_into_json(self):
        v = vault_value('PLAIN-UNIT-1')
        self.assertTrue(shim.is_vaulted(v))
        self.assertEqual(shim._dumps({'argv': ['echo', v], 'nested': {'k': (v,)}}),
                         '{"argv":["echo","<vaulted>"],"nested":{"k":["<vaulted>"]}}')

    def test_clippers_never_decrypt(self):
        v = vault_value('PLAIN-UNIT-2')
        clip_str, clip_value, clip_deep = shim.make_clippers(16)
        self.assertIs(clip_value(v), v)  # left to the encoder, which sends <vaulted>
        self.assertEqual(clip_value(['x' * 20, v]), clip_str('["%s","<vaulted>"]' % ('x' * 20)))
        self.assertNotIn('PLAIN', shim._dumps(clip_deep({'a': [v]})))

    def test_collect_registers_each_plaintext_once(self):
        secrets = shim.VaultSecrets()
        v = vault_value('PLAIN-UNIT-3')
        secrets.collect({'a': [v, {'b': v}], 'short': vault_value('abc')}, [1000])
        self.assertEqual([texts for _, texts in secrets.masks], [('PLAIN-UNIT-3',)])

    def test_the_search_budget_bounds_the_walk(self):
        secrets = shim.VaultSecrets()
        secrets.collect([vault_value('PLAIN-UNIT-4'), [0] * 50], [10])  # the list is looked at first
        self.assertEqual(secrets.masks, ())


def _masks(*plaintexts):
    secrets = shim.VaultSecrets()
    for p in plaintexts:
        secrets.add(p)
    return secrets.masks


def _line(t, seq, **body):
    frame = {'v': 1, 't': t, 'run': 'r' * 32, 'seq': seq, 'ts': 1700000000123456789}
    frame.update(body)
    return shim._dumps(frame).encode('utf-8') + b'\n'


class TestMaskBatch(unittest.TestCase):
    def test_plaintext_masked_in_every_string_of_the_body(self):
        data = _line('host_result', 0, res={'stdout': 'pw is PLAIN-UNIT-5!', 'msg': 'PLAIN-UNIT-5'}) + _line('x', 1)
        out = shim.mask_batch(data, _masks('PLAIN-UNIT-5'))
        frames = S.parse_ndjson(out)
        self.assertEqual(frames[0]['res'], {'stdout': 'pw is ***!', 'msg': '***'})
        self.assertEqual(frames[1], json.loads(_line('x', 1)))

    def test_a_batch_without_a_plaintext_is_returned_as_it_is(self):
        data = _line('host_result', 0, res={'stdout': 'nothing here'})
        self.assertIs(shim.mask_batch(data, _masks('PLAIN-UNIT-6')), data)

    def test_a_number_like_secret_keeps_the_json_and_the_envelope(self):
        data = _line('host_result', 123456, res={'rc': 123456, 'stdout': 'x123456y'})
        frame = S.parse_ndjson(shim.mask_batch(data, _masks('123456')))[0]
        self.assertEqual((frame['seq'], frame['ts']), (123456, 1700000000123456789))
        self.assertEqual(frame['res'], {'rc': '***', 'stdout': 'x***y'})

    def test_json_escapes_and_labels_holding_json(self):
        secret = 'say "hi"\\now'
        label = shim._dumps({'pw': secret})
        data = _line('item_result', 0, label=label, res={'msg': secret})
        out = shim.mask_batch(data, _masks(secret))
        frame = S.parse_ndjson(out)[0]
        self.assertEqual(frame['res']['msg'], '***')
        self.assertEqual(frame['label'], '{"pw":"***"}')

    def test_multi_line_secret_lines_and_short_ones(self):
        masks = _masks('-----BEGIN-----\nLINE-ONE-SECRET\nLINE-TWO-SECRET\n', 'short')
        data = _line('host_result', 0, res={'stdout': 'LINE-TWO-SECRET', 'msg': 'short'})
        self.assertEqual(S.parse_ndjson(shim.mask_batch(data, masks))[0]['res'],
                         {'stdout': '***', 'msg': 'short'})  # under MIN_SECRET_CHARS: not masked


class TestVaultCallback(CallbackCase):
    # A later task named with the plaintext: a field no ansible-core masks, so the shim's *** on
    # every version. Its results: S.RESULT_MASK (2.22 masks them itself, the shim's decryption
    # having registered the plaintext with ansible's secret masker).
    def test_args_vaulted_and_the_plaintext_masked_in_later_frames(self):
        t = self.task(command={'argv': ['echo', vault_value('PLAIN-UNIT-7')]}, name='echo')
        self.cb.v2_playbook_on_task_start(t, False)
        self.cb.v2_runner_on_ok(self.result(t, {'stdout': 'PLAIN-UNIT-7', 'changed': True, 'rc': 0}))
        self.cb.v2_playbook_on_task_start(self.task(name='after PLAIN-UNIT-7'), False)
        frames = self.finish()
        self.assertEqual(frames[1]['args'], {'argv': ['echo', '<vaulted>']})
        self.assertEqual(frames[2]['res']['stdout'], S.RESULT_MASK)
        self.assertEqual(frames[3]['name'], 'after ***')
        self.assertNotIn(b'PLAIN-UNIT', self.listener.raw)
        self.assertEqual(self.display.warnings, [])

    def test_no_log_task_args_are_registered_too(self):
        t = self.task(command={'argv': ['echo', vault_value('PLAIN-UNIT-8')]}, no_log=True)
        self.cb.v2_playbook_on_task_start(t, False)
        later = self.task(debug={'msg': 'x'}, name='after PLAIN-UNIT-8')
        self.cb.v2_playbook_on_task_start(later, False)
        self.cb.v2_runner_on_ok(self.result(later, {'msg': 'leaked PLAIN-UNIT-8'}))
        frames = self.finish()
        self.assertEqual(frames[-3]['name'], 'after ***')
        self.assertEqual(frames[-2]['res']['msg'], 'leaked ' + S.RESULT_MASK)
        self.assertNotIn(b'PLAIN-UNIT', self.listener.raw)


class PublicOnlyResult(object):
    """A callback result with only 2.19's public accessors: the compatibility ones fail."""

    def __init__(self, result):
        self.result, self.task, self.host = _data(result), _task(result), _host(result)

    def __getattr__(self, name):
        raise AssertionError('the shim read %s of a callback result' % name)


def _data(result):
    return getattr(result, 'result', None) or result._result


def _task(result):
    return getattr(result, 'task', None) or result._task


def _host(result):
    return getattr(result, 'host', None) or result._host


class TestPublicAccessors(CallbackCase):
    def test_results_read_through_result_task_and_host(self):
        t = self.task(name='t')
        ok = self.result(t, {'changed': True, 'rc': 0, 'stdout': 'x', 'item': 'a', 'attempts': 1,
                             'diff': [{'before_header': 'a', 'after_header': 'b'}], 'ansible_job_id': '1'})
        public = PublicOnlyResult(ok)
        for call in (self.cb.v2_runner_on_ok, self.cb.v2_runner_on_failed, self.cb.v2_runner_on_skipped,
                     self.cb.v2_runner_on_unreachable, self.cb.v2_runner_item_on_ok, self.cb.v2_runner_item_on_failed,
                     self.cb.v2_runner_item_on_skipped, self.cb.v2_runner_retry, self.cb.v2_runner_on_async_poll,
                     self.cb.v2_runner_on_async_ok, self.cb.v2_runner_on_async_failed, self.cb.v2_on_file_diff):
            call(public)
        frames = self.finish()
        self.assertEqual(self.display.warnings, [])  # an AssertionError would be an internal-error warning
        self.assertEqual(len(frames), 14)
        self.assertEqual(set(f.get('host') for f in frames[1:-1]), {'h1'})


if __name__ == '__main__':
    unittest.main()
