// The frame types of docs/protocol.md, derived from the one declaration in schema.ts. Frames are
// validated once, at the edge (decode.ts); everything behind the decoder trusts these types.
export { PROTOCOL_VERSION, type Envelope, type Frame, type HostStats, type HostStatus, type ResultSubset, type Scope } from './schema.js';
import type { Frame } from './schema.js';

export type FrameType = Frame['t'];
export type FrameOf<T extends FrameType> = Extract<Frame, { t: T }>;
