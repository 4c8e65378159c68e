import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeFrame, FrameError } from '../protocol/decode.js';
import type { Frame } from '../protocol/frames.js';

export interface FileProblem {
  file: string;
  line: number;
  code: string;
  message: string;
}

/**
 * Frames of NDJSON frame files (--record-frames output, shim spool files), in file order.
 * A bad line is reported and skipped: the rest of the file still counts.
 */
export async function* readFrameFiles(files: string[], onProblem: (p: FileProblem) => void): AsyncGenerator<Frame> {
  for (const file of files) {
    const input = createReadStream(file);
    const lines = createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    try {
      for await (const line of lines) {
        n += 1;
        if (line.trim() === '') continue;
        try {
          yield decodeFrame(line);
        } catch (err) {
          if (!(err instanceof FrameError)) throw err;
          onProblem({ file, line: n, code: err.code, message: err.message });
        }
      }
    } finally {
      input.destroy(); // a reader that stopped early (a poisoned spool file) lets the file go now
    }
  }
}
