// A recorded frame stream (test/fixtures/*.ndjson) sent to a sidecar's socket as a shim would,
// under a run id of the test's choosing, so that one recording stands for many distinct runs.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';

/** A new run id as the shim makes one: UUID4 hex (docs/protocol.md, envelope). */
export const newRunId = (): string => randomUUID().replaceAll('-', '');

/** The same stream as the run `run`: only the envelope's `run` changes (trace and span ids derive from it). */
export function asRun(lines: string[], run: string): string {
  const original = /"run":"([^"]+)"/.exec(lines[0] ?? '')?.[1];
  if (!original) throw new Error('the stream has no run id in its first frame');
  return `${lines.map((line) => line.replace(`"run":"${original}"`, `"run":"${run}"`)).join('\n')}\n`;
}

/**
 * Writes `stream` to the socket at once (as fast as the sidecar reads) and resolves when the
 * sidecar acks the run (every span exported), then hangs up; rejects if it hangs up first.
 */
export function sendUntilAck(socket: string, stream: string, run: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let replies = '';
    conn.on('data', (chunk) => {
      replies += chunk;
      if (replies.includes(`"t":"ack","run":"${run}"`)) {
        conn.end();
        resolve();
      }
    });
    conn.on('error', reject);
    conn.on('close', () => reject(new Error(`run ${run}: the sidecar hung up before its ack; it said: ${replies}`)));
    conn.write(stream);
  });
}
