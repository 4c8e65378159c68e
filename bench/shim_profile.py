#!/usr/bin/python3
"""Profiles one ansible-playbook run in-process with cProfile and reports the shim's share.

    python3 bench/shim_profile.py OUT.json -- /usr/bin/ansible-playbook args...

Only the controller's main thread is profiled: that is where the callbacks run (the shim's
writer thread does the socket I/O off the playbook's path). Reports the controller's total
profiled time, the cumulative time of the shim's v2_* callbacks and the shim functions with the
most own time. `callbacks_s` is the cumulative time of the calls into the shim from outside it.
"""

import cProfile
import json
import os
import pstats
import runpy
import sys

# The shim, and the bench's wrapper around it (bench/shim-stats-callback): the calls ansible
# makes into either are the shim's cost, as when the timing wrappers lived in the shim itself.
SHIM_FILES = ('otel_sidecar.py', 'otel_sidecar_bench.py')


def main():
    out, sep, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    assert sep == '--' and argv, __doc__
    sys.argv = argv
    prof = cProfile.Profile()
    code = 0
    try:
        prof.runcall(runpy.run_path, argv[0], run_name='__main__')
    except SystemExit as e:
        code = e.code or 0
    stats = pstats.Stats(prof)
    total = stats.total_tt
    callbacks = 0.0
    calls = 0
    own = []
    for (path, line, fn), (cc, nc, tt, ct, callers) in stats.stats.items():
        if os.path.basename(path) not in SHIM_FILES:
            continue
        own.append({'function': '%s:%d(%s)' % (os.path.basename(path), line, fn), 'calls': nc, 'own_s': tt, 'cumulative_s': ct})
        # the calls that come from outside the shim (ansible calling the callback wrappers,
        # atexit calling the exit handler) add up to its cost on the main thread
        if fn == '<module>':
            continue
        for caller, (c_cc, c_nc, c_tt, c_ct) in callers.items():
            if os.path.basename(caller[0]) not in SHIM_FILES:
                callbacks += c_ct
                calls += c_nc
    own.sort(key=lambda r: r['own_s'], reverse=True)
    with open(out, 'w') as f:
        json.dump({'exit': code, 'total_s': total, 'callbacks_s': callbacks, 'callback_calls': calls, 'top': own[:10]}, f)


if __name__ == '__main__':
    main()
