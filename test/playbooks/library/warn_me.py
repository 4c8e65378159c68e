#!/usr/bin/python
# A test module whose result carries a warning and a deprecation (console format tests).
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(text=dict(type='str', default='careful')))
    module.warn('warn_me says: %s' % module.params['text'])
    module.deprecate('warn_me is deprecated for the test', version='9.99', collection_name='ansible.builtin')
    module.exit_json(changed=False, text=module.params['text'])


if __name__ == '__main__':
    main()
