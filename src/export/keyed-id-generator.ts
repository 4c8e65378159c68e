import { createHash } from 'node:crypto';
import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';

/**
 * Ids derived from a span's key (run id + position in the run tree) instead of chance, so
 * replaying a run's frames after a partial live export re-creates the same trace and span ids:
 * backends see the same spans again, not a second copy of the run.
 */
export class KeyedIdGenerator implements IdGenerator {
  private key: string | undefined;
  private readonly random = new RandomIdGenerator();

  /** Runs `start` with ids derived from `key` (the SDK asks for ids synchronously inside it). */
  withKey<T>(key: string, start: () => T): T {
    this.key = key;
    try {
      return start();
    } finally {
      this.key = undefined;
    }
  }

  generateTraceId(): string {
    return this.key === undefined ? this.random.generateTraceId() : nonZero(digest(`trace:${this.key}`).slice(0, 32));
  }

  generateSpanId(): string {
    return this.key === undefined ? this.random.generateSpanId() : nonZero(digest(`span:${this.key}`).slice(0, 16));
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** An all-zero id is invalid in OTel; a sha256 prefix of zeros is astronomically unlikely, but cheap to rule out. */
function nonZero(id: string): string {
  return /^0+$/.test(id) ? `${id.slice(0, -1)}1` : id;
}
