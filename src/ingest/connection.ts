/** One shim connection (Unix socket or WebSocket); the pipeline keeps one run per id. */
export interface Connection {
  readonly id: number;
  /** Writes one NDJSON line back to the shim (the ack); undefined for replays of files. */
  readonly reply?: ((line: string) => void) | undefined;
  /**
   * A lost connection may come back (a WebSocket across pods): a run whose shim resumes is kept
   * open for a while when it closes (docs/protocol.md, "Reconnect and resume"). A Unix socket closes only when
   * one side is gone.
   */
  readonly resumable?: boolean;
}

/** What an ingest server hands on: raw lines, per connection. Decoding happens behind it. */
export interface LineHandler {
  onLine(conn: Connection, line: string): void;
  onOversized(conn: Connection, bytes: number): void;
  onClose(conn: Connection): void;
}

let lastId = 0;

/** Ids unique across every ingest server of the process (spool replays count down from -1). */
export function newConnection(reply?: (line: string) => void, resumable = false): Connection {
  lastId += 1;
  return { id: lastId, reply, resumable };
}
