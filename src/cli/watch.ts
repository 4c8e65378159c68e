import { readOptionFile } from '../util/option-file.js';
import { colorEnabled, painter } from '../sinks/ansi.js';
import { resolveCommandEnv } from '../root/config.js';
import type { Env } from '../util/environment.js';
import { Logger } from '../util/log.js';
import { WatchClient, watchUrl } from '../watch/watch-client.js';
import type { WatchMessage } from '../watch/watch-hub.js';
import { PlainView, ttyBlock } from '../watch/watch-view.js';

export interface WatchOptions {
  token?: string;
  /** --ca: PEM file of the CAs that verify a wss:// sidecar; --cert/--key: a client certificate for it. */
  ca?: string;
  cert?: string;
  key?: string;
  plain?: boolean;
  /** Plain mode: a progress line for a task still running after this many seconds. */
  progressEvery: number;
  /** Exit 0 after this many playbooks ended. */
  runs?: number;
}

/** `ansible-otel watch URL`: running playbooks, live; a redrawn block on a TTY, plain lines otherwise. */
export function watchCommand(url: string, o: WatchOptions, env: Env): Promise<number> {
  const out = process.stdout;
  const tty = Boolean(out.isTTY) && !o.plain;
  const config = resolveCommandEnv(env, new Logger());
  const paint = painter(colorEnabled(config.color, out.isTTY));
  // On a TTY the plain view's start/task/end lines scroll above the live block (no progress lines: the block is the progress).
  const plain = new PlainView(paint, tty ? Number.POSITIVE_INFINITY : o.progressEvery * 1000);
  let drawn = 0;
  let ended = 0;
  const clearBlock = (): string => (drawn ? `\u001b[${drawn}A\r\u001b[J` : '');

  return new Promise((resolve) => {
    let client: WatchClient | undefined;
    const finish = (code: number): void => {
      client?.stop();
      if (tty) out.write('\u001b[?25h'); // the cursor back
      resolve(code);
    };
    const onMessage = (m: WatchMessage): void => {
      const lines = plain.lines(m, Date.now());
      if (!tty) {
        if (lines.length) out.write(`${lines.join('\n')}\n`);
      } else if (lines.length || m.type === 'state') {
        const block = m.type === 'state' ? ttyBlock(m.runs, paint, Math.max(20, out.columns || config.columns || 80)) : [];
        out.write(clearBlock() + [...lines, ...block].map((l) => `${l}\n`).join(''));
        drawn = block.length;
      }
      if (m.type === 'ended' && o.runs !== undefined && ++ended >= o.runs) finish(0);
    };
    try {
      const file = (flag: string, path?: string): Buffer | undefined => (path === undefined ? undefined : readOptionFile(flag, path));
      const tls = { ca: file('--ca', o.ca), cert: file('--cert', o.cert), key: file('--key', o.key) };
      client = new WatchClient(
        watchUrl(url),
        o.token,
        {
          onMessage,
          onNotice: (text) => process.stderr.write(`ansible-otel: ${text}\n`),
          onFatal: (text) => {
            process.stderr.write(`ansible-otel: error: ${text}\n`);
            finish(2);
          },
        },
        tls,
      );
    } catch (err) {
      process.stderr.write(`ansible-otel: error: ${(err as Error).message}\n`);
      return resolve(2);
    }
    if (tty) out.write('\u001b[?25l');
    process.once('SIGINT', () => finish(130));
    process.once('SIGTERM', () => finish(143));
    client.start();
  });
}
