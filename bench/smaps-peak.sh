#!/bin/bash
# Where a process's peak RSS is: waits for the first process whose command line matches $1
# (pgrep -f; one letter as [p], so that the pattern does not match this command itself), polls
# its VmRSS every second and keeps /proc/<pid>/smaps of the highest in $2 (default
# /tmp/smaps-peak.txt). Run it beside a bench, e.g.
#   bench/smaps-peak.sh 'serve --socket /tm[p]/otel-bench-' & H=10000 node bench/probe-tree.mjs "$PWD"
set -u
pattern=$1
out=${2:-/tmp/smaps-peak.txt}
until pid=$(pgrep -f "$pattern" | head -n 1) && [ -n "$pid" ]; do sleep 0.5; done
best=0
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
  if [ -n "$rss" ] && [ "$rss" -gt "$best" ]; then
    best=$rss
    cp "/proc/$pid/smaps" "$out" 2>/dev/null || true
  fi
  sleep 1
done
echo "pid $pid: peak VmRSS $best kB; its smaps in $out"
