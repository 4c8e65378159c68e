#!/usr/bin/python
# A module that crashes: an uncaught Python exception, so ansible reports a module traceback
# (MODULE FAILURE) rather than a fail_json message. Used by failures.yml.


def main():
    raise RuntimeError('crash_me crashed on purpose')


if __name__ == '__main__':
    main()
