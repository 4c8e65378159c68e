// The npm install paths the README gives, each into a clean prefix, with the tarball a release
// ships: scripts/release/npm-tarball.sh builds it from a git URL (a snapshot of this working tree),
// as the release workflow does. One pack and one global install serve every check: the example
// through the installed `ansible-otel` gives the README's summary and span tree; `npx -p`; the
// release's publish and image steps over the same tarball.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spansOfJsonLines } from '../helpers/otlp-spans.js';
import { EXAMPLE_INVENTORY, EXAMPLE_PLAYBOOK, readmeSummary, readmeTree, summaryOf, traceTree } from '../helpers/readme-example.js';
import { ROOT, cleanEnv, runProcess, tempDir } from '../helpers/sidecar-run.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };

/** npm as a user runs it: none of the npm_* settings `npm test` hands its children, quiet. */
function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || /^npm_config_(cache|userconfig|registry)$/i.test(k)) env[k] = v;
  return { ...env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...extra };
}

/** A git repository of this working tree as it is (tracked and untracked files git does not ignore), one commit. */
function snapshotRepo(): string {
  const repo = tempDir('otel-repo-');
  const files = execFileSync('git', ['ls-files', '-z', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of new Set(files)) {
    const from = join(ROOT, f);
    if (!existsSync(from) && !lstatSync(from, { throwIfNoEntry: false })) continue; // deleted, not yet committed
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), join(repo, f));
    else cpSync(from, join(repo, f));
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', ...args], { cwd: repo, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'snapshot');
  return repo;
}

/** Serves a directory's files over loopback HTTP, as a release serves its assets. */
async function serveFiles(dir: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const file = join(dir, decodeURIComponent((req.url ?? '/').slice(1)));
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let repo: string;
let tarball: string;
let files: { server: Server; base: string };
let prefix: string;
let example: { code: number | null; stderr: string; cwd: string };

beforeAll(async () => {
  repo = snapshotRepo();
  const out = tempDir('otel-release-');
  tarball = execFileSync('sh', [join(ROOT, 'scripts/release/npm-tarball.sh'), out, `git+file://${repo}`], { env: npmEnv(), encoding: 'utf8' }).trim();
  files = await serveFiles(out);
  prefix = tempDir('otel-prefix-');
  // Not execFileSync: this process serves the tarball, so npm must not block its event loop.
  const install = await runProcess('npm', ['install', '-g', '--prefix', prefix, `${files.base}/${tarball.split('/').pop()}`], npmEnv());
  if (install.code !== 0) throw new Error(`npm install -g: ${install.stderr}`);

  // The example, through the `ansible-otel` the install put on PATH, in a directory of its own.
  const cwd = tempDir('otel-example-');
  const env = cleanEnv({ TMPDIR: tempDir('otel-tmp-') });
  env.PATH = `${join(prefix, 'bin')}:${env.PATH}`;
  const r = await runProcess('ansible-otel', ['run', '--', 'ansible-playbook', '-i', EXAMPLE_INVENTORY, EXAMPLE_PLAYBOOK], env, undefined, cwd);
  example = { code: r.code, stderr: r.stderr, cwd };
}, 600_000);

afterAll(() => files?.server.close());

describe('the release npm tarball (scripts/release/npm-tarball.sh)', () => {
  it('is built from the git URL with dist/, the shim and the docs, and nothing of the checkout', () => {
    expect(tarball.endsWith(`/${pkg.name}-${pkg.version}.tgz`)).toBe(true);
    const list = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(list).toContain(`package/${pkg.bin['ansible-otel']}`);
    expect(list).toContain('package/plugin/otel_sidecar.py');
    expect(list).toContain('package/docs/configuration.md');
    expect(list.filter((f) => /node_modules|\.test\.|^package\/(src|test)\//.test(f))).toEqual([]);
  });

  it('installs with npm install -g from its URL: the example through `ansible-otel` prints the README summary', () => {
    expect(example.code, example.stderr).toBe(0);
    expect(existsSync(join(prefix, 'lib/node_modules', pkg.name, 'plugin/otel_sidecar.py'))).toBe(true);
    expect(summaryOf(example.stderr)).toEqual(readmeSummary());
  });

  it("the README's span tree is the example's trace", () => {
    const spans = spansOfJsonLines(readFileSync(join(example.cwd, 'ansible-otel-traces.jsonl'), 'utf8'));
    expect(traceTree(spans)).toEqual(readmeTree());
  });

  it('runs with npx -p <tarball URL> ansible-otel, from any directory', async () => {
    const url = `${files.base}/${tarball.split('/').pop()}`;
    const cwd = tempDir('otel-npx-');
    const r = await runProcess('npx', ['--yes', '-p', url, 'ansible-otel', 'env', '--socket', '/run/x/sidecar.sock'], npmEnv(), undefined, cwd);
    try {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("export ANSIBLE_OTEL_SOCKET='/run/x/sidecar.sock'\n");
      const plugins = /ANSIBLE_CALLBACK_PLUGINS='([^':]+)/.exec(r.stdout)![1]!;
      expect(existsSync(join(plugins, 'otel_sidecar.py'))).toBe(true);
    } finally {
      // npx keeps what it installed in <cache>/_npx/<hash>: this test's is of no use to anyone later.
      const npx = join(execFileSync('npm', ['config', 'get', 'cache'], { env: npmEnv(), encoding: 'utf8' }).trim(), '_npx');
      for (const d of existsSync(npx) ? readdirSync(npx) : []) {
        const manifest = join(npx, d, 'package.json');
        if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(url)) rmSync(join(npx, d), { recursive: true, force: true });
      }
    }
  });

  it('is what the release publishes: npm publish --provenance accepts it (dry run)', () => {
    const r = spawnSync('npm', ['publish', '--dry-run', '--provenance', '--access', 'public', tarball], {
      env: npmEnv({ npm_config_loglevel: 'notice' }),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain(`${pkg.name}@${pkg.version}`);
  });
});

describe('npm install -g of the git URL itself', () => {
  it("installs a working ansible-otel, or (npm's bug) fails with the command that works", () => {
    const p = tempDir('otel-prefix-git-');
    const r = spawnSync('npm', ['install', '-g', '--prefix', p, `git+file://${repo}`], { env: npmEnv(), encoding: 'utf8' });
    if (r.status === 0) expect(execFileSync(join(p, 'bin/ansible-otel'), ['--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
    else expect(r.stderr).toContain('npm install -g "$(npm pack --silent <the git URL>)"');
  });
});

describe('the container image (Dockerfile target sidecar; no Docker engine here)', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stage = (name: string): string => {
    const m = new RegExp(`^FROM \\S+ AS ${name}\\n([\\s\\S]*?)(?=^FROM |(?![\\s\\S]))`, 'm').exec(dockerfile);
    if (!m) throw new Error(`Dockerfile has no stage ${name}`);
    return m[1]!;
  };

  it("installs the npm tarball as users do, and its build stage copies in all the tarball's sources", () => {
    expect(stage('pkg')).toMatch(/^COPY --from=build \/out\/ansible-otel-sidecar\.tgz \/$/m);
    const sidecar = stage('sidecar');
    expect(sidecar).toMatch(/^COPY --from=pkg \/ansible-otel-sidecar\.tgz \/tmp\/$/m);
    expect(sidecar).toMatch(/^RUN npm install -g [^\n]*\/tmp\/ansible-otel-sidecar\.tgz/m);
    expect(sidecar).toContain(`ENTRYPOINT ["${Object.keys(pkg.bin)[0]}"]`);
    // Every top-level entry of the tarball (dist/ is built there) and prepare's inputs are copied in.
    const copied = [...stage('build').matchAll(/^COPY ((?:\S+ )+)\S+$/gm)].flatMap((m) => m[1]!.trim().split(' '));
    const tops = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, '').split('/')[0]!)
      .filter((f) => f !== 'dist');
    for (const f of new Set([...tops, 'package-lock.json', 'tsconfig.json', 'src', 'scripts/prepare.sh'])) expect(copied, f).toContain(f);
    for (const f of copied) expect(existsSync(join(ROOT, f)), f).toBe(true);
  });

  it('scripts/release/image.sh builds it over the release tarball and saves it for docker load', () => {
    // docker cannot run here: a stand-in records what the script asks of it.
    const bin = tempDir('otel-docker-');
    const log = join(bin, 'calls');
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\necho "$*" >> ${log}\ncase $1 in build) for a; do case $a in pkg=*) ls "\${a#pkg=}" >> ${log};; esac; done;; save) echo image;; image) echo 123;; esac\n`,
      { mode: 0o755 },
    );
    const out = tempDir('otel-image-');
    const r = spawnSync('sh', [join(ROOT, 'scripts/release/image.sh'), tarball, out], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const archive = join(out, `ansible-otel-sidecar-image-${pkg.version}.tar.gz`);
    expect(r.stdout.trim()).toBe(archive);
    expect(execFileSync('gunzip', ['-c', archive], { encoding: 'utf8' })).toBe('image\n');
    const calls = readFileSync(log, 'utf8').split('\n');
    expect(calls[0]).toMatch(new RegExp(`^build --target sidecar --build-context pkg=\\S+ --tag ansible-otel-sidecar:${pkg.version} ${ROOT}$`));
    expect(calls[1]).toBe('ansible-otel-sidecar.tgz');
    expect(calls[2]).toBe(`save ansible-otel-sidecar:${pkg.version}`);
  });
});
