import { PROTOCOL_VERSION, type Frame, type FrameType } from './frames.js';

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

// Required string fields per frame type; optional fields are type-checked where the model
// depends on them. Unknown keys are allowed (forward compatibility, docs/protocol.md).
const REQUIRED: Record<FrameType, readonly string[]> = {
  hello: [],
  playbook_start: ['path'],
  vars_prompt: ['varname'],
  play_start: ['play', 'name'],
  task_start: ['task', 'name'],
  host_start: ['task', 'host'],
  host_result: ['task', 'host', 'status'],
  item_result: ['task', 'host', 'status'],
  retry: ['task', 'host'],
  async_poll: ['task', 'host'],
  async_ok: ['task', 'host'],
  async_failed: ['task', 'host'],
  notify: ['handler', 'host'],
  include: ['file', 'task'],
  file_diff: ['task', 'host'],
  no_hosts_matched: [],
  no_hosts_remaining: [],
  stats: [],
  bye: [],
};

const HOST_STATUSES = new Set(['ok', 'failed', 'skipped', 'unreachable']);

/** Parses and validates one NDJSON line into a Frame, or throws FrameError. */
export function decodeFrame(line: string): Frame {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new FrameError('bad_json', `invalid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FrameError('not_object', 'frame is not a JSON object');
  }
  const f = value as Record<string, unknown>;
  if (f.v !== PROTOCOL_VERSION) {
    throw new FrameError('bad_version', `unsupported protocol version ${JSON.stringify(f.v)} (this sidecar speaks ${PROTOCOL_VERSION})`);
  }
  if (typeof f.run !== 'string' || f.run === '' || !Number.isInteger(f.seq) || typeof f.ts !== 'number' || !Number.isFinite(f.ts)) {
    throw new FrameError('bad_envelope', 'frame needs run (string), seq (integer) and ts (number)');
  }
  const type = f.t;
  if (typeof type !== 'string' || !Object.hasOwn(REQUIRED, type)) {
    throw new FrameError('unknown_type', `unknown frame type ${JSON.stringify(type)}`);
  }
  for (const key of REQUIRED[type as FrameType]) {
    if (typeof f[key] !== 'string') throw new FrameError('bad_field', `${type}: field "${key}" must be a string`);
  }
  if ((type === 'host_result' || type === 'item_result') && !HOST_STATUSES.has(f.status as string)) {
    throw new FrameError('bad_field', `${type}: unknown status ${JSON.stringify(f.status)}`);
  }
  if (type === 'stats' && (typeof f.hosts !== 'object' || f.hosts === null)) {
    throw new FrameError('bad_field', 'stats: field "hosts" must be an object');
  }
  if (type === 'task_start' && f.scopes !== undefined && !Array.isArray(f.scopes)) {
    throw new FrameError('bad_field', 'task_start: field "scopes" must be a list');
  }
  return f as unknown as Frame;
}
