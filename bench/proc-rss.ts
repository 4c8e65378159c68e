// Peak resident memory of another process: the kernel's high-water mark, polled.
import { readFileSync } from 'node:fs';

export function vmHwmKiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process is gone
  }
}

/** Polls VmHWM of `pid` every `everyMs`; `stop()` returns the highest value seen, in KiB. */
export function watchPeakRss(pid: number, everyMs = 100): { stop(): number } {
  let peak = vmHwmKiB(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, vmHwmKiB(pid));
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      peak = Math.max(peak, vmHwmKiB(pid));
      return peak;
    },
  };
}
