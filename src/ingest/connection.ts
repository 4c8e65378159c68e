/** One shim connection (Unix socket or WebSocket); the pipeline keeps one run per id. */
export interface Connection {
  readonly id: number;
  /** Writes one NDJSON line back to the shim (the ack); absent for replays of files. */
  readonly reply?: (line: string) => void;
}

/** What an ingest server hands on: raw lines, per connection. Decoding happens behind it. */
export interface LineHandler {
  onLine(conn: Connection, line: string): void;
  onOversized(conn: Connection, bytes: number): void;
  onClose(conn: Connection): void;
}

let lastId = 0;

/** Ids unique across every ingest server of the process (spool replays count down from -1). */
export function newConnection(reply?: (line: string) => void): Connection {
  lastId += 1;
  return { id: lastId, reply };
}
