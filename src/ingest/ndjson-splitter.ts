/**
 * Splits a byte stream into lines. A line longer than `maxLineBytes` is refused (reported once
 * per line) and skipped up to its newline, so one oversized frame never grows memory.
 */
export class NdjsonSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversized: (bytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      // Most lines lie wholly inside one chunk: decoded straight from it, with no slice or
      // parts array to allocate and collect (one line a frame, a million frames a run).
      if (this.size === 0 && !this.skipping && nl - start <= this.maxLineBytes) {
        if (nl > start) this.onLine(chunk.toString('utf8', start, nl));
      } else {
        this.take(chunk.subarray(start, nl));
        this.emit();
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  }

  /** The stream ended: a last line without newline still counts. */
  end(): void {
    if (this.size > 0 || this.skipping) this.emit();
  }

  private take(piece: Buffer): void {
    if (this.skipping) {
      this.size += piece.length;
      return;
    }
    if (this.size + piece.length > this.maxLineBytes) {
      this.skipping = true;
      this.parts = [];
    } else if (piece.length > 0) {
      this.parts.push(piece);
    }
    this.size += piece.length;
  }

  private emit(): void {
    if (this.skipping) this.onOversized(this.size);
    else if (this.size > 0) this.onLine(this.parts.length === 1 ? (this.parts[0] as Buffer).toString('utf8') : Buffer.concat(this.parts).toString('utf8'));
    if (this.parts.length > 0) this.parts = [];
    this.size = 0;
    this.skipping = false;
  }
}
