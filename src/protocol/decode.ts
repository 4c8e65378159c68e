import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TObject, TSchema } from '@sinclair/typebox';
import { Envelope, FRAMES, PROTOCOL_VERSION, type Frame } from './schema.js';

/** Why a line was refused; stable codes for logs and counters. */
export type DecodeErrorCode = 'bad_json' | 'not_object' | 'bad_version' | 'bad_envelope' | 'unknown_type' | 'bad_field';

export class FrameError extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The `t` values one frame schema stands for (a literal, or a union of literals). */
export function frameTypes(schema: TObject): string[] {
  const t = schema.properties.t as TSchema;
  return t.anyOf ? (t.anyOf as TSchema[]).map((x) => x.const as string) : [t.const as string];
}

// Compiled once at load: one check per frame type, so a frame is checked against its own schema only.
const envelope = TypeCompiler.Compile(Envelope);
const byType = new Map<string, TypeCheck<TObject>>();
for (const schema of Object.values(FRAMES) as TObject[]) {
  const check = TypeCompiler.Compile(schema);
  for (const t of frameTypes(schema)) byType.set(t, check);
}

function firstError(check: TypeCheck<TSchema>, value: unknown): string {
  const e = check.Errors(value).First();
  return e ? `${e.path || '/'}: ${e.message}` : 'invalid';
}

/** Checks a parsed JSON value against the frame schema: the Frame, or a FrameError. */
export function checkFrame(value: unknown): Frame {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FrameError('not_object', 'frame is not a JSON object');
  }
  const f = value as Record<string, unknown>;
  if (f.v !== PROTOCOL_VERSION) {
    throw new FrameError('bad_version', `unsupported protocol version ${JSON.stringify(f.v)} (this sidecar speaks ${PROTOCOL_VERSION})`);
  }
  if (!envelope.Check(value)) throw new FrameError('bad_envelope', `envelope ${firstError(envelope, f)}`);
  const t = f.t;
  const check = typeof t === 'string' ? byType.get(t) : undefined;
  if (!check) throw new FrameError('unknown_type', `unknown frame type ${JSON.stringify(t)}`);
  if (!check.Check(f)) throw new FrameError('bad_field', `${t as string} ${firstError(check, f)}`);
  return f as unknown as Frame;
}

/** Parses and validates one NDJSON line into a Frame, or throws FrameError. */
export function decodeFrame(line: string): Frame {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new FrameError('bad_json', `invalid JSON: ${(err as Error).message}`);
  }
  return checkFrame(value);
}
