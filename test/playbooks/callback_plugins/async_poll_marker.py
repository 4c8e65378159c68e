"""Test-only callback: lets an async job know that ansible has polled it.

On each async poll it touches ``$OTEL_TEST_TMP/polled-<host>``; the async task of features.yml
loops until that file exists, so every run has at least one poll however loaded the machine is
(a job that simply sleeps may end before ansible's first poll). CALLBACK_NEEDS_ENABLED = False:
ansible loads it from the playbook's directory without configuration, under ansible-runner too.
"""

import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'async_poll_marker'
    CALLBACK_NEEDS_ENABLED = False

    def v2_runner_on_async_poll(self, result):
        tmp = os.environ.get('OTEL_TEST_TMP')
        if tmp:
            open(os.path.join(tmp, 'polled-' + result._host.get_name()), 'a').close()
