# The floor of section 1: a callback plugin that takes the shim's events and does nothing. What
# ansible itself spends per enabled callback (send_callback's lookups, and a clean_copy of every
# TaskResult, a deep copy of the result, made per plugin before the plugin is called) shows up in
# this mode; what the shim adds on top of it is the difference to "shim + live sidecar".
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: otel_floor
    type: notification
    short_description: does nothing with the events ansible-otel's shim takes (a benchmark floor)
    description: [Used by ansible-otel's npm run bench only.]
'''


def _nothing(self, *args, **kwargs):
    pass


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'otel_floor'
    CALLBACK_NEEDS_ENABLED = True


# The events the shim has methods for (plugin/otel_sidecar.py), so ansible calls and copies the same.
for _event in (
    'playbook_on_start', 'playbook_on_vars_prompt', 'playbook_on_play_start', 'playbook_on_task_start',
    'playbook_on_handler_task_start', 'playbook_on_cleanup_task_start', 'runner_on_start', 'runner_on_ok',
    'runner_on_failed', 'runner_on_skipped', 'runner_on_unreachable', 'runner_item_on_ok', 'runner_item_on_failed',
    'runner_item_on_skipped', 'runner_retry', 'runner_on_async_poll', 'runner_on_async_ok', 'runner_on_async_failed',
    'playbook_on_notify', 'playbook_on_include', 'on_file_diff', 'playbook_on_no_hosts_matched',
    'playbook_on_no_hosts_remaining', 'playbook_on_stats',
):
    setattr(CallbackModule, 'v2_' + _event, _nothing)
