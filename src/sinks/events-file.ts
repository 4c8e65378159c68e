// `--events-file PATH`: every event as one JSON line appended to a file, the same lines as
// `--format json`. Lines go out through the one JSON-lines writer, batched off the event loop's
// hot path; shutdown writes what is left.
import { resolve } from 'node:path';
import { JsonLinesFile } from '../util/json-lines-file.js';
import { jsonLines } from './event-json.js';
import type { MarkedSink } from '../export/ledger/output-gate.js';
import { outputName } from '../export/ledger/output-marks.js';

/**
 * The file's sink: the JSON-lines observer plus a shutdown that writes what is buffered. Marked
 * (output-marks.ts) once the lines are written, so a replayed run does not append them again.
 */
export function eventsFileSink(path: string): MarkedSink {
  let file: JsonLinesFile;
  try {
    // Opened now, so a bad path fails before the run starts.
    file = new JsonLinesFile(path, true);
  } catch (error) {
    throw new Error(`events file ${(error as Error).message}`);
  }
  return {
    name: `events file ${path}`,
    mark: outputName('events', resolve(path)),
    taken: () => file.flush(),
    ...jsonLines((line) => void file.append(line.slice(0, -1))),
    shutdown: (deadlineMs: number) => file.closeWithin(deadlineMs, 'every event'),
  };
}
