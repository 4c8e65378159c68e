#!/usr/bin/python3
"""Micro-benchmark of what a callback costs right after ansible forks a worker (not a test).

ansible-core's controller forks a worker process per host and task and calls the callbacks on
its main thread in between. After a fork every page the controller writes is copied first, and
CPython writes to every object it touches (reference counts), so a callback pays one minor page
fault per page it touches, on top of its own work (bench/analysis.md, "Shim (issue 14)"). This
script measures that in isolation, on a heap the size of a controller's:

- the cost of one copy-on-write fault on this machine;
- CPU time and minor faults per call of v2_runner_on_start and v2_runner_on_ok, without a fork
  and right after one (nothing else runs in between: an upper bound; inside ansible, pages its
  own code touched first are already copied);
- the same for a stand-in of the same size (a dict of the result's fields and json.dumps).

    /usr/bin/python3 test/shim/bench_fork.py [calls] [plugin dir]

With a plugin dir (e.g. an older shim copied to /tmp), that shim is measured instead.
"""

import json
import os
import resource
import sys
import tempfile
import time

from bench_shim import PLUGIN_DIR, command_result, quiet_callback

HEAP_OBJECTS = 60000  # dicts of 20 items: about 80 MiB, a large playbook's controller


def cow_fault_us(pages=5000):
    """Microseconds per copy-on-write fault: pages written first after a fork, per page."""
    buf = bytearray(pages * 4096)
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    try:
        faults, cpu = _faults_and_cpu(lambda: _touch(buf))
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    return cpu / 1e3 / max(faults, 1)


def _touch(buf):
    for i in range(0, len(buf), 4096):
        buf[i] = 1


def _faults_and_cpu(fn):
    f0, c0 = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt, time.thread_time_ns()
    fn()
    c1, f1 = time.thread_time_ns(), resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    return f1 - f0, c1 - c0


def per_call(fn, calls, fork):
    """(µs CPU, minor faults) per call of fn, each call right after a fork when ``fork``."""
    cpu = faults = 0
    children = []
    for _ in range(calls):
        if fork:
            pid = os.fork()
            if pid == 0:
                time.sleep(0.05)  # a worker: alive while the parent goes on
                os._exit(0)
            children.append(pid)
        f, c = _faults_and_cpu(fn)
        faults += f
        cpu += c
        while len(children) > 8:
            os.waitpid(children.pop(0), 0)
    for pid in children:
        os.waitpid(pid, 0)
    return cpu / calls / 1e3, faults / calls


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    plugin_dir = sys.argv[2] if len(sys.argv) > 2 else PLUGIN_DIR
    tmp = tempfile.mkdtemp(prefix='otel-bench-fork-')
    # no sidecar: the shim spools, as in BENCHMARKS.md's "no sidecar" mode
    cb = quiet_callback(os.path.join(tmp, 'absent.sock'), plugin_dir=plugin_dir, spool_dir=os.path.join(tmp, 'spool'))
    host, task, result = command_result()
    heap = [dict(('k%d' % j, [j, str(j)]) for j in range(20)) for _ in range(HEAP_OBJECTS)]

    def stand_in():
        json.dumps({'task': task._uuid, 'host': 'web01.example.com', 'status': 'ok', 'res': dict(result._result)})

    cases = [
        ('v2_runner_on_start', lambda: cb.v2_runner_on_start(host, task)),
        ('v2_runner_on_ok', lambda: cb.v2_runner_on_ok(result)),
        ('stand-in: dict + json.dumps', stand_in),
    ]
    for _, fn in cases:  # warm up: first calls import and compile
        for _ in range(50):
            fn()
    print('copy-on-write fault: %.1f us (%s)' % (cow_fault_us(), plugin_dir))
    for name, fn in cases:
        alone, forked = per_call(fn, calls, False), per_call(fn, calls, True)
        print('%-28s no fork: %7.1f us %5.1f faults | after a fork: %8.1f us %6.1f faults' % ((name,) + alone + forked))
    cb._at_exit()
    del heap


if __name__ == '__main__':
    main()
