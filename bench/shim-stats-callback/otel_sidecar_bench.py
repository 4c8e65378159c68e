# The shim as section 1 of `npm run bench` runs it: plugin/otel_sidecar.py, loaded from outside and
# instrumented, so that the shim itself carries no benchmark code. Enabled as the callback
# `otel_sidecar_bench` (ANSIBLE_CALLBACK_PLUGINS=bench/shim-stats-callback); it takes the shim's
# options (the same DOCUMENTATION, the same ANSIBLE_OTEL_* variables) and, when the run ends,
# writes its counters as JSON to ANSIBLE_OTEL_BENCH_STATS (bench/shim-stats.ts reads them):
# - every v2_* entry point (ansible calling the shim) timed on its thread: calls, wall and CPU
#   time, the thread's voluntary and involuntary context switches and minor page faults inside it
#   (getrusage(RUSAGE_THREAD)), and the garbage collections that ran inside it;
# - the writer thread's wake-ups (its condition counts them) and, before it closes, its CPU clock
#   and minor page faults (/proc/self/task/<tid>/stat);
# - the main thread's and the process's CPU time at exit, and how long the shim's exit took.
# ANSIBLE_OTEL_BENCH_SHIM names the shim file to load (default: this tree's plugin/otel_sidecar.py;
# the bench's "before" mode names another tree's). A shim from before the instrumentation moved
# here instruments itself when ANSIBLE_OTEL_BENCH_STATS is set: it is loaded as it is.
import functools
import gc
import importlib.util
import json
import os
import resource
import sys
import threading
import time

_LOADED_NS = time.perf_counter_ns()
_SHIM_PATH = os.environ.get('ANSIBLE_OTEL_BENCH_SHIM') or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'plugin', 'otel_sidecar.py')


def _load_shim(path):
    spec = importlib.util.spec_from_file_location('otel_sidecar_bench_shim', path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_shim = _load_shim(_SHIM_PATH)
# ansible reads the plugin's options from the module it loads: this one takes the shim's
DOCUMENTATION = _shim.DOCUMENTATION.replace('name: otel_sidecar\n', 'name: otel_sidecar_bench\n', 1)


class _CountingCondition(threading.Condition):
    """The writer's condition, counting the writer thread's returns from wait (its wake-ups)."""
    wakeups = 0

    def wait(self, timeout=None):
        woke = threading.Condition.wait(self, timeout)
        if threading.current_thread().name == 'otel-sidecar-writer':
            self.wakeups += 1
        return woke


class _BenchStats(object):
    def __init__(self, path):
        self.path = path
        self.loaded_ns = _LOADED_NS
        self.main = threading.main_thread().ident
        self.entries = {}        # (entry point, on the main thread) -> [calls, wall ns, cpu ns, ...]
        self.writer = None
        self.writer_cpu_ns = None
        self.writer_faults = None
        # garbage collections: all of them, and those run inside an entry point (charged to the
        # shim's time although any allocation of ansible's would have triggered them soon)
        self.inside = 0
        self.gc = [0, 0, 0, 0]   # ns, count, ns inside entry points, count inside
        self._gc_t0 = 0
        gc.callbacks.append(self._gc)

    def _gc(self, phase, info):
        if phase == 'start':
            self._gc_t0 = time.perf_counter_ns()
            return
        dt = time.perf_counter_ns() - self._gc_t0
        self.gc[0] += dt
        self.gc[1] += 1
        if self.inside:
            self.gc[2] += dt
            self.gc[3] += 1

    def timed(self, name, method):
        entries = self.entries
        main = self.main
        clock, cpu, ident = time.perf_counter_ns, time.thread_time_ns, threading.get_ident
        usage, who = resource.getrusage, resource.RUSAGE_THREAD

        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            # context switches of this thread while in the shim: voluntary ones are waits (the
            # GIL, a lock, I/O), involuntary ones the OS giving the CPU to another process
            u0 = usage(who)
            t0, c0 = clock(), cpu()
            self.inside += 1
            try:
                return method(*args, **kwargs)
            finally:
                self.inside -= 1
                dt, dc = clock() - t0, cpu() - c0
                u1 = usage(who)
                key = (name, ident() == main)
                rec = entries.get(key)
                if rec is None:
                    rec = entries[key] = [0, 0, 0, 0, 0, 0]
                rec[0] += 1
                rec[1] += dt
                rec[2] += dc
                rec[3] += u1.ru_nvcsw - u0.ru_nvcsw
                rec[4] += u1.ru_nivcsw - u0.ru_nivcsw
                rec[5] += u1.ru_minflt - u0.ru_minflt  # page faults: copy-on-write after ansible forks
        return wrapper

    def writer_cpu(self, writer):
        t = writer._thread
        if t is not None and t.ident is not None and hasattr(time, 'pthread_getcpuclockid'):
            try:
                self.writer_cpu_ns = time.clock_gettime_ns(time.pthread_getcpuclockid(t.ident))
                with open('/proc/self/task/%d/stat' % t.native_id) as f:
                    self.writer_faults = int(f.read().rsplit(')', 1)[1].split()[7])  # minflt
            except (OSError, ValueError, IndexError):
                pass

    def write(self, callback, exit_ns):
        writer = self.writer
        out = {
            'wall_ns': time.perf_counter_ns() - self.loaded_ns,
            'main_cpu_ns': time.thread_time_ns(),   # atexit runs on the main thread
            'process_cpu_ns': time.process_time_ns(),
            'exit_ns': exit_ns,
            'frames': callback._seq,
            'entries': [{'name': k[0], 'main': k[1], 'calls': v[0], 'wall_ns': v[1], 'cpu_ns': v[2],
                         'voluntary_switches': v[3], 'involuntary_switches': v[4], 'minor_faults': v[5]}
                        for k, v in sorted(self.entries.items())],
            'gc_ns': self.gc[0], 'gc_count': self.gc[1], 'gc_in_shim_ns': self.gc[2], 'gc_in_shim_count': self.gc[3],
            'writer_cpu_ns': self.writer_cpu_ns,
            'writer_wakeups': writer._cv.wakeups if writer is not None else None,
            'writer_minor_faults': self.writer_faults,
        }
        with open(self.path, 'w') as f:
            json.dump(out, f)


def _instrument(shim, path):
    """Wraps the shim's classes in place: this module's own copy of the shim, no one else's."""
    stats = _BenchStats(path)
    callback, frame_writer = shim.CallbackModule, shim.FrameWriter
    for name, method in list(vars(callback).items()):
        if name.startswith('v2_') and callable(method):
            setattr(callback, name, stats.timed(name, method))
    writer_init, writer_close, at_exit = frame_writer.__init__, frame_writer.close, callback._at_exit

    def init(self, *args, **kwargs):
        writer_init(self, *args, **kwargs)
        self._cv = _CountingCondition(self._lock)
        stats.writer = self

    def close(self):
        if stats.writer is self and stats.writer_cpu_ns is None:
            stats.writer_cpu(self)
        writer_close(self)

    def exit_and_write(self):
        t0 = time.perf_counter_ns()
        at_exit(self)
        if self._writer is not None and os.getpid() == self._pid:
            try:
                stats.write(self, time.perf_counter_ns() - t0)
            except Exception:  # pylint: disable=broad-except
                pass
    frame_writer.__init__, frame_writer.close, callback._at_exit = init, close, exit_and_write


if os.environ.get('ANSIBLE_OTEL_BENCH_STATS') and not hasattr(_shim, '_instrument'):
    _instrument(_shim, os.environ['ANSIBLE_OTEL_BENCH_STATS'])


class CallbackModule(_shim.CallbackModule):
    """The shim, under the name this file is enabled by."""
    CALLBACK_NAME = 'otel_sidecar_bench'
