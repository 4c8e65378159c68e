// The generated playbook of the shim-overhead benchmark: local hosts, a mix of cheap tasks.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PlaybookSize {
  hosts: number;
  tasks: number;
}

export interface GeneratedPlaybook {
  inventory: string;
  playbook: string;
}

/** Task i of the playbook: set_fact, debug, skipped, debug, set_fact, command, in turn
 * (a command runs a module in a new Python process: one in six keeps the run short). */
function task(i: number): string {
  switch (i % 6) {
    case 0:
    case 4:
      return `    - name: fact ${i}\n      ansible.builtin.set_fact:\n        fact_${i}: "{{ inventory_hostname }}-${i}"\n`;
    case 1:
    case 3:
      return `    - name: debug ${i}\n      ansible.builtin.debug:\n        msg: "host {{ inventory_hostname }} step ${i}"\n`;
    case 2:
      return `    - name: skipped ${i}\n      ansible.builtin.debug:\n        msg: never\n      when: false\n`;
    default:
      return `    - name: command ${i}\n      ansible.builtin.command: /bin/true\n      changed_when: false\n`;
  }
}

/** Writes inventory.ini and bench.yml into `dir` (hosts use the local connection, no facts). */
export function writePlaybook(dir: string, size: PlaybookSize): GeneratedPlaybook {
  mkdirSync(dir, { recursive: true });
  const inventory = join(dir, 'inventory.ini');
  const playbook = join(dir, 'bench.yml');
  const hosts = Array.from(
    { length: size.hosts },
    (_, i) => `h${String(i).padStart(4, '0')} ansible_connection=local ansible_python_interpreter=/usr/bin/python3`,
  );
  writeFileSync(inventory, `[bench]\n${hosts.join('\n')}\n`);
  const tasks = Array.from({ length: size.tasks }, (_, i) => task(i)).join('');
  writeFileSync(playbook, `- name: shim overhead\n  hosts: bench\n  gather_facts: false\n  tasks:\n${tasks}`);
  return { inventory, playbook };
}
