"""Where a process's RSS is, over time: waits for the first process whose command line matches
argv[1] (pgrep -f; write one letter as [p] so the pattern does not match this command itself),
then every EVERY seconds (default 1) prints its RSS in MiB by kind of mapping from
/proc/<pid>/smaps: glibc's brk heap, V8's 256 KiB heap pages, mappings of 1 MiB and more (the
young generation, large objects, off-heap buffers), files (the node binary) and the rest. Run it
beside a bench, e.g.
  python3 bench/smaps-series.py 'serve --socket /tm[p]/otel-bench-' & H=10000 node bench/probe-tree.mjs
"""
import os
import subprocess
import sys
import time

KINDS = ('brk', 'v8page', 'large', 'file', 'other')


def kind(name, kib):
    if name == '[heap]':
        return 'brk'
    if name.startswith('/'):
        return 'file'
    if kib == 256:
        return 'v8page'
    return 'large' if kib >= 1024 else 'other'


def sample(pid):
    """RSS in KiB by kind, or None once the process is gone."""
    try:
        with open('/proc/%s/smaps' % pid) as f:
            text = f.read()
    except OSError:
        return None
    out = dict.fromkeys(KINDS, 0)
    size, name = 0, ''
    for line in text.splitlines():
        f = line.split()
        if not f[0].endswith(':'):  # a mapping's header: range perms offset dev inode [path]
            lo, hi = f[0].split('-')
            size, name = (int(hi, 16) - int(lo, 16)) // 1024, (f[5] if len(f) > 5 else '')
        elif f[0] == 'Rss:':
            out[kind(name, size)] += int(f[1])
    return out


def main():
    every = float(os.environ.get('EVERY', '1'))
    while True:
        pids = subprocess.run(['pgrep', '-f', sys.argv[1]], capture_output=True, text=True).stdout.split()
        if pids:
            break
        time.sleep(0.2)
    t0 = time.time()
    while True:
        s = sample(pids[0])
        if s is None:
            return
        print('%5.1fs total %6.1f ' % (time.time() - t0, sum(s.values()) / 1024)
              + ' '.join('%s %6.1f' % (k, s[k] / 1024) for k in KINDS), flush=True)
        time.sleep(every)


if __name__ == '__main__':
    main()
