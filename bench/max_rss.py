#!/usr/bin/python3
"""Runs a command and writes its wall time and the peak RSS of that one process as JSON.

    python3 bench/max_rss.py OUT.json -- cmd args...

Peak RSS is the kernel's high-water mark of the process itself (VmHWM in /proc/<pid>/status),
polled every 20 ms while it runs; the last reading before exit is kept. Children (ansible's
forked workers) are not counted: this is the controller's RSS. ru_maxrss from wait4 is given
too; it is the maximum over the process and its reaped children. cpu_s is the CPU time (user +
system) of the process and its reaped children (ansible's workers): on a busy machine a steadier
measure of what the shim costs than wall time. main_cpu_s and main_ctxt_switches are the
controller's main thread alone (/proc/<pid>/task/<pid>: its CPU time and how often it went off the
CPU waiting, e.g. for the GIL), the last reading before exit, for runs with and without the shim.
"""

import json
import os
import subprocess
import sys
import time


def vm_hwm_kib(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main_thread(pid):
    """(CPU s, voluntary context switches) of the process's main thread, or None once it is gone."""
    try:
        with open('/proc/%d/task/%d/stat' % (pid, pid)) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        with open('/proc/%d/task/%d/status' % (pid, pid)) as f:
            switches = [int(l.split()[1]) for l in f if l.startswith('voluntary_ctxt_switches:')]
    except (OSError, IndexError, ValueError):
        return None
    # utime and stime are fields 14 and 15 of stat; fields[0] here is field 3 (state)
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK'), switches[0] if switches else 0


def main():
    out, sep, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    assert sep == '--' and cmd, __doc__
    started = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    hwm = 0
    thread = None
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        hwm = max(hwm, vm_hwm_kib(child.pid))
        thread = main_thread(child.pid) or thread
        time.sleep(0.02)
    wall = time.perf_counter() - started
    with open(out, 'w') as f:
        json.dump({'wall_s': wall, 'vm_hwm_kib': hwm, 'ru_maxrss_kib': usage.ru_maxrss,
                   'cpu_s': usage.ru_utime + usage.ru_stime,
                   'main_cpu_s': thread[0] if thread else None,
                   'main_ctxt_switches': thread[1] if thread else None,
                   'exit': os.waitstatus_to_exitcode(status)}, f)


if __name__ == '__main__':
    main()
