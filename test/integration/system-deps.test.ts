// scripts/system-deps.sh (npm's pretest / preexample) as a new user meets it: a PATH with or
// without the tools, root or not, apt-get there or not. Fake commands only: nothing is installed.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/sidecar-run.js';

const SCRIPT = join(ROOT, 'scripts', 'system-deps.sh');

function commandsFor(purpose: string): string[] {
  return spawnSync('/bin/sh', [SCRIPT, '--commands', purpose], { encoding: 'utf8' }).stdout.trim().split('\n');
}

/** A PATH of one directory holding a do-nothing executable for each of `commands`. */
function fakePath(commands: string[]): string {
  const bin = tempDir('otel-fake-bin-');
  for (const c of commands) fakeCommand(bin, c, 'exit 0');
  return bin;
}

function fakeCommand(bin: string, name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

/** An apt-get that logs its arguments and, on install, "provides" `provides` in `bin`. */
function fakeAptGet(bin: string, provides: string[]): string {
  const log = join(bin, 'apt-get.log');
  const install = provides.map((c) => `printf '#!/bin/sh\\n' > ${join(bin, c)}; /bin/chmod +x ${join(bin, c)}`).join('; ');
  fakeCommand(bin, 'apt-get', `echo "$*" >> ${log}\ncase "$1" in install) ${install || ':'} ;; esac`);
  return log;
}

function check(purpose: string, bin: string): { code: number | null; stderr: string } {
  const r = spawnSync('/bin/sh', [SCRIPT, purpose], { env: { PATH: bin }, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

describe('npm pretest: the Debian packages the tests need', () => {
  const needed = commandsFor('test');

  it('checks every tool the tests call, and only ansible-core for the example', () => {
    expect(needed).toEqual(expect.arrayContaining(['ansible-playbook', 'ssh', 'pgrep', 'promtool', 'prometheus', 'chromium', 'ansible-runner']));
    expect(commandsFor('example')).toEqual(['ansible-playbook']);
  });

  it('passes silently when every tool is there', () => {
    expect(check('test', fakePath(needed))).toEqual({ code: 0, stderr: '' });
  });

  it('without root or apt-get: exits 1 and prints the one apt-get line for what is missing', () => {
    const bin = fakePath(needed.filter((c) => c !== 'promtool'));
    fakeCommand(bin, 'id', 'echo 1000');
    const r = check('test', bin);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('npm test needs promtool; install with:\n  sudo apt-get install --no-install-recommends prometheus\n');
  });

  it('the example needs only ansible-playbook', () => {
    const bin = fakePath(['ansible-playbook']);
    expect(check('example', bin).code).toBe(0);
    rmSync(join(bin, 'ansible-playbook'));
    expect(check('example', bin).stderr).toContain('apt-get install --no-install-recommends ansible-core\n');
  });

  it('as root with apt-get: updates, installs each missing package once, and checks again', () => {
    const bin = fakePath(needed.filter((c) => c !== 'promtool' && c !== 'prometheus' && c !== 'ssh'));
    fakeCommand(bin, 'id', 'echo 0');
    const log = fakeAptGet(bin, ['promtool', 'prometheus', 'ssh']);
    const r = check('test', bin);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('update -qq\ninstall -y -qq --no-install-recommends openssh-client prometheus\n');
  });

  it('as root, when apt-get did not provide the tool: exits 1 naming it', () => {
    const bin = fakePath(needed.filter((c) => c !== 'chromium'));
    fakeCommand(bin, 'id', 'echo 0');
    fakeAptGet(bin, []);
    const r = check('test', bin);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('still missing after apt-get install: chromium');
  });
});
