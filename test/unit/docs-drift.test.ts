// Docs that cannot drift: docs/configuration.md says what the commander program declares (every
// command; every option with the commands that take it, its default, its environment variables),
// and what the shim's DOCUMENTATION says as ansible-doc reads it; the README's short table and the
// docs' "`--flag` (commands)" asides agree with the program; every relative link and anchor resolves.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { program } from '../../src/cli/program.js';
import { defaultQueueDir } from '../../src/export/durable/signal-queue.js';
import { defaultSocketPath } from '../../src/ingest/socket-path.js';
import {
  cliOptions,
  configurationProblems,
  optionRows,
  proseCommandProblems,
  type ShimOption,
  shimProblems,
  shortTableProblems,
} from '../helpers/docs-drift.js';
import { anchors, links, statements } from '../helpers/markdown.js';
import { ROOT, cleanEnv } from '../helpers/sidecar-run.js';

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const configuration = read('docs/configuration.md');
const readme = read('README.md');
const markdownFiles = execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

function shimOptions(): Record<string, ShimOption> {
  const env = cleanEnv({ ANSIBLE_CALLBACK_PLUGINS: join(ROOT, 'plugin') });
  const json = execFileSync('ansible-doc', ['-t', 'callback', 'otel_sidecar', '--json'], { env, encoding: 'utf8' });
  return JSON.parse(json).otel_sidecar.doc.options;
}

describe('docs/configuration.md and the commander program', () => {
  it('lists every command and every option, each with its commands, default and environment variables', () => {
    expect(configurationProblems(program, configuration)).toEqual([]);
  });

  it('fails when an option is added to the program without docs', () => {
    const run = program.commands.find((c) => c.name() === 'run')!;
    run.addOption(new Option('--brand-new <x>', 'an option nobody documented').env('ANSIBLE_OTEL_BRAND_NEW'));
    try {
      expect(configurationProblems(program, configuration)).toEqual(['configuration.md: --brand-new is in 0 rows of the option table (one expected)']);
    } finally {
      (run.options as Option[]).pop();
    }
    expect(configurationProblems(program, configuration)).toEqual([]);
  });

  it('fails on a documented option the program lacks, a wrong default, a wrong variable, wrong commands', () => {
    const edit = (from: string, to: string): string[] => {
      expect(configuration).toContain(from);
      return configurationProblems(program, configuration.replace(from, to));
    };
    expect(edit('| `--max-frame-bytes N` |', '| `--max-frame-size N` |')).toEqual([
      'configuration.md: documents --max-frame-size, which no command has',
      'configuration.md: --max-frame-bytes is in 0 rows of the option table (one expected)',
    ]);
    expect(edit('| `--ws-heartbeat S` | serve | 30 |', '| `--ws-heartbeat S` | serve | 60 |')).toEqual([
      'configuration.md: --ws-heartbeat: default "60", but the help says "30"',
    ]);
    expect(edit('(env `ANSIBLE_OTEL_QUEUE_DIR`', '(env `ANSIBLE_OTEL_QUEUE_DIRECTORY`')).toEqual([
      'configuration.md: --queue-dir: env ANSIBLE_OTEL_QUEUE_DIR is not in its default column',
      'configuration.md: --queue-dir: documents env ANSIBLE_OTEL_QUEUE_DIRECTORY, which its help does not name',
    ]);
    expect(edit('| `--record-frames PATH` | run, serve |', '| `--record-frames PATH` | run, serve, replay |')).toEqual([
      'configuration.md: --record-frames: commands "run, serve, replay", but run, serve take it',
    ]);
  });

  it('names only variables the sidecar reads', () => {
    const src = execFileSync('grep', ['-rh', '', join(ROOT, 'src')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const names = [...cliOptions(program).values()].flatMap((o) => [...o.env]).filter((n) => /^(ANSIBLE_OTEL|OTEL|SLACK)_/.test(n));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(new RegExp(`[.'"\`]${name}\\b`).test(src), name).toBe(true);
  });

  it("states the defaults the code uses for the queue and the socket (XDG first, then the home directory's)", () => {
    const o = cliOptions(program);
    expect([...o.get('--queue-dir')!.defaults]).toEqual(['$XDG_STATE_HOME/ansible-otel/queue, else ~/.local/state/ansible-otel/queue']);
    expect(defaultQueueDir({ XDG_STATE_HOME: '/x' })).toBe('/x/ansible-otel/queue');
    expect(defaultQueueDir({})).toBe(join(homedir(), '.local/state/ansible-otel/queue'));
    expect([...o.get('--socket')!.defaults]).toEqual(['$XDG_RUNTIME_DIR/ansible-otel/sidecar.sock, else ~/.cache/ansible-otel/sidecar.sock']);
    expect(defaultSocketPath({ XDG_RUNTIME_DIR: '/r' })).toBe('/r/ansible-otel/sidecar.sock');
    expect(defaultSocketPath({})).toBe(join(homedir(), '.cache/ansible-otel/sidecar.sock'));
  });
});

describe("docs/configuration.md's shim table and the shim's DOCUMENTATION", () => {
  const options = shimOptions();

  it('documents every option with its ini key, environment variable and default, and no other', () => {
    expect(Object.keys(options).length).toBeGreaterThan(10);
    expect(shimProblems(options, configuration)).toEqual([]);
  });

  it('fails when DOCUMENTATION gains an option, or a default or variable changes', () => {
    const added = {
      ...options,
      spool_max: { description: ['x'], default: 5, env: [{ name: 'ANSIBLE_OTEL_SPOOL_MAX' }], ini: [{ section: 'callback_otel_sidecar', key: 'spool_max' }] },
    };
    expect(shimProblems(added, configuration)).toEqual(['shim table: spool_max is in 0 rows (one expected)']);
    const changed = { ...options, queue_size: { ...options.queue_size!, default: 20000 } };
    expect(shimProblems(changed, configuration)).toEqual(['shim table: queue_size: default 20000, the docs say "10000"']);
    const renamed = { ...options, overflow: { ...options.overflow!, env: [{ name: 'ANSIBLE_OTEL_ON_OVERFLOW' }] } };
    expect(shimProblems(renamed, configuration)).toEqual(['shim table: overflow: env ANSIBLE_OTEL_OVERFLOW, DOCUMENTATION has ANSIBLE_OTEL_ON_OVERFLOW']);
  });
});

describe('the README and the other docs', () => {
  it("keeps a short option table, each row as the program has it, linked to configuration.md's", () => {
    expect(optionRows(readme).length).toBeGreaterThan(5);
    expect(shortTableProblems('README.md', program, readme)).toEqual([]);
    expect(readme).toContain('](docs/configuration.md#options)');
  });

  it('says "`--flag` (commands)" only with the commands that take the flag', () => {
    const problems = markdownFiles.flatMap((f) => proseCommandProblems(f, program, read(f)));
    expect(problems).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdownFiles) {
      for (const target of links(read(file))) {
        if (/^[a-z][a-z+.-]*:/i.test(target)) continue;
        const [path = '', anchor] = target.split('#');
        const to = path ? resolve(dirname(join(ROOT, file)), decodeURIComponent(path)) : join(ROOT, file);
        checked++;
        if (!existsSync(to)) broken.push(`${file}: ${target}: no such file`);
        else if (anchor && statSync(to).isFile() && to.endsWith('.md') && !anchors(readFileSync(to, 'utf8')).has(anchor))
          broken.push(`${file}: ${target}: no heading #${anchor} in ${relative(ROOT, to)}`);
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(broken).toEqual([]);
  });
});

describe('install commands in the README and docs', () => {
  const pkg = JSON.parse(read('package.json')) as { name: string; version: string; repository: { url: string } };
  const docs = markdownFiles.filter((f) => !/^(BENCHMARKS|bench\/|test\/)/.test(f));

  it('name a registry install only as "once published", and npx always with -p', () => {
    const registry = [
      /npm (?:install|i) (?:-g|--global) ansible-otel-sidecar(?![\w.-])/,
      /npx (?:-p|--package)[ =]ansible-otel-sidecar(?![\w.-])/,
      /ansible-galaxy collection install ansible_otel\.sidecar(?![\w.-])/,
    ];
    const found: string[] = [];
    for (const f of docs)
      for (const s of statements(read(f))) {
        if (registry.some((r) => r.test(s))) found.push(f);
        if (registry.some((r) => r.test(s)) && !/once published/i.test(s)) expect.fail(`${f}: a registry install not named "once published": ${s}`);
        if (/npx (?:--yes |-y )?ansible-otel\b/.test(s)) expect.fail(`${f}: npx without -p runs another package: ${s}`);
      }
    expect(found).toEqual(expect.arrayContaining(['README.md', 'docs/ci/github-actions.md', 'docs/ci/gitlab-ci.md']));
  });

  it("name this version's release assets, as the release scripts name them, in this repository", () => {
    const repo = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    let assets = 0;
    for (const f of docs) {
      const text = read(f);
      for (const m of text.matchAll(/github\.com\/[\w.-]+\/[\w.-]+(?=\/releases|\.git)/g)) expect(`https://${m[0]}`, f).toBe(repo);
      for (const m of text.matchAll(/releases\/download\/v([\w.-]+)\/|\.git#v([\w.-]+)/g)) expect(m[1] ?? m[2], `${f}: ${m[0]}`).toBe(pkg.version);
      for (const m of text.matchAll(/\b(ansible-otel-sidecar-image|ansible-otel-sidecar|ansible_otel-sidecar)-(\d+\.\d+\.\d+)\.(tgz|tar\.gz)\b/g)) {
        assets++;
        expect(m[2], `${f}: ${m[0]}`).toBe(pkg.version);
        expect(`${m[1]}.${m[3]}`, `${f}: ${m[0]}`).toMatch(/^(ansible-otel-sidecar\.tgz|ansible_otel-sidecar\.tar\.gz|ansible-otel-sidecar-image\.tar\.gz)$/);
      }
    }
    expect(assets).toBeGreaterThan(4);
  });
});
