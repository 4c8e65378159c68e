// Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface Hotspot {
  fn: string;
  where: string;
  selfMs: number;
  share: number;
}

/** Self time per function (summed over call sites), highest first; idle and GC kept as V8 names them. */
export function hotspots(file: string, root: string, top = 15): { totalMs: number; spots: Hotspot[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const perSample = (p.endTime - p.startTime) / 1000 / Math.max(1, p.samples.length);
  const byFn = new Map<string, Hotspot>();
  let busy = 0;
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') continue;
    const where = url ? `${relative(root, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const h = byFn.get(key) ?? { fn: functionName || '(anonymous)', where, selfMs: 0, share: 0 };
    h.selfMs += hits * perSample;
    busy += hits * perSample;
    byFn.set(key, h);
  }
  const spots = [...byFn.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const s of spots) s.share = s.selfMs / busy;
  return { totalMs: busy, spots };
}

export function newestProfile(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) throw new Error(`no .cpuprofile in ${dir}`);
  return join(dir, files.sort().at(-1) as string);
}
