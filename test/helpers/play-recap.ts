// ansible-playbook's own PLAY RECAP, the numbers the metrics are held against.

/** PLAY RECAP totals over all hosts (ok, changed, unreachable, failed, skipped, rescued, ignored), from ansible-playbook's output. */
export function recap(stdout: string): Record<string, number> {
  const total: Record<string, number> = {};
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) throw new Error('no PLAY RECAP in the output of ansible-playbook');
  for (const m of stdout.slice(at).matchAll(/(\w+)=(\d+)/g)) total[m[1]!] = (total[m[1]!] ?? 0) + Number(m[2]);
  return total;
}
