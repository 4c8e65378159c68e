// The playbooks of an ansible-playbook command line: what names a run whose playbook never started.

/** Options of ansible-playbook / ansible that take a value: the value is never a playbook. */
const TAKES_VALUE = new Set([
  '-i',
  '--inventory',
  '--inventory-file',
  '-e',
  '--extra-vars',
  '-l',
  '--limit',
  '-t',
  '--tags',
  '--skip-tags',
  '-u',
  '--user',
  '-f',
  '--forks',
  '-c',
  '--connection',
  '-T',
  '--timeout',
  '-M',
  '--module-path',
  '--vault-id',
  '--vault-password-file',
  '--private-key',
  '--key-file',
  '--start-at-task',
  '--become-user',
  '--become-method',
  '--ssh-common-args',
  '--sftp-extra-args',
  '--scp-extra-args',
  '--ssh-extra-args',
  '-m',
  '--module-name',
  '-a',
  '--args',
  '-P',
  '--poll',
  '-B',
  '--background',
]);

/** The playbook files of a command line (its positional `.yml` / `.yaml` arguments), never an option's value. */
export function playbooksOf(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (TAKES_VALUE.has(a)) i++;
    else if (!a.startsWith('-') && /\.ya?ml$/i.test(a)) out.push(a);
  }
  return out;
}
