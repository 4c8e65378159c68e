// The shim section's peers: other callbacks that record a run, measured like the shim, in the same
// interleaved rotation. `ara` is Debian's python3-ara recording into a sqlite database of this
// bench (its offline client: no server). `cg` is community.general.opentelemetry with
// opentelemetry-python, built from source by bench/peers/build-cg.sh into a cache directory (no
// registry here serves it, and neither is ever committed); it exports OTLP http/protobuf to the
// bench's loopback receiver, so its cost includes its export, as the shim's includes its sidecar.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchEnv } from './env.js';
import { LoopbackReceiver } from './receiver-client.js';

const run = promisify(execFile);
/** Ansible's Python (ansible-playbook's shebang), which python3-ara and the cg build are for. */
const PYTHON = '/usr/bin/python3';

export const PEER_MODES = ['ara', 'cg'] as const;
export type PeerMode = (typeof PEER_MODES)[number];
export const isPeer = (m: string): m is PeerMode => (PEER_MODES as readonly string[]).includes(m);

/** Where bench/peers/build-cg.sh puts the cg peer (the same default as the script's). */
export function cgHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.ANSIBLE_OTEL_BENCH_CG || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ansible-otel-bench', 'cg');
}

export interface Peer {
  /** What ansible-playbook runs with. */
  env: Record<string, string>;
  /** How much the peer has recorded so far (spans received, playbooks in the database): a run that adds nothing measured nothing. */
  recorded(): Promise<number>;
  /** Its processes besides ansible (cg's receiver), to pin off the playbook's CPU. */
  pids: number[];
  close(): Promise<void>;
}

async function ara(dir: string): Promise<Peer | string> {
  let plugins: string;
  try {
    plugins = (await run(PYTHON, ['-m', 'ara.setup.callback_plugins'])).stdout.trim();
  } catch {
    return 'ara skipped: ARA is not installed (apt-get install python3-ara ara-server)';
  }
  const base = join(dir, 'ara');
  mkdirSync(base, { recursive: true });
  const db = join(base, 'ansible.sqlite');
  const ara = { ARA_API_CLIENT: 'offline', ARA_BASE_DIR: base, ARA_DATABASE_NAME: db };
  // The schema once, before measuring: a user's database exists already.
  try {
    await run('ara-manage', ['migrate'], { env: benchEnv(ara) });
  } catch (e) {
    const why = (e as { stderr?: string }).stderr?.trim().split('\n').at(-1);
    return `ara skipped: its offline client cannot start (${why}); it needs the Django packages of ara-server (apt-get install ara-server)`;
  }
  return {
    env: { ...ara, ANSIBLE_CALLBACK_PLUGINS: plugins, ANSIBLE_CALLBACKS_ENABLED: 'ara_default' },
    recorded: async () =>
      Number(
        (await run(PYTHON, ['-c', 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from playbooks").fetchone()[0])', db]))
          .stdout,
      ),
    pids: [],
    close: async () => {},
  };
}

async function cg(): Promise<Peer | string> {
  const home = cgHome();
  if (!existsSync(join(home, 'VERSION'))) return `cg skipped: no build in ${home}; build it with: sh bench/peers/build-cg.sh (see bench/README.md)`;
  // Its own receiver, so the sidecar's late batches of the run before are not counted as cg's.
  const receiver = await LoopbackReceiver.start('count');
  return {
    env: {
      ANSIBLE_COLLECTIONS_PATH: join(home, 'collections'),
      ANSIBLE_CALLBACKS_ENABLED: 'community.general.opentelemetry',
      PYTHONPATH: join(home, 'site'),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'ansible-bench',
    },
    recorded: async () => (await receiver.stats()).spans,
    pids: [receiver.pid],
    close: () => receiver.stop(),
  };
}

/** The peer ready to run, or why it is skipped (one line). */
export function preparePeer(mode: PeerMode, dir: string): Promise<Peer | string> {
  return mode === 'ara' ? ara(dir) : cg();
}
