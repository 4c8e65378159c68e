// The frame format of docs/protocol.md, as types. Frames are validated once, at the edge
// (decode.ts); everything behind the decoder trusts these types.

export const PROTOCOL_VERSION = 1;

export interface Envelope {
  v: number;
  run: string;
  seq: number;
  /** Shim wall clock, ns since the epoch (JSON numbers: ~256 ns resolution, enough for spans). */
  ts: number;
}

/** Result subset the shim sends (already truncated and censored). */
export interface ResultSubset {
  msg?: unknown;
  rc?: number;
  stdout?: string;
  stderr?: string;
  exception?: string;
  skip_reason?: string;
  changed?: boolean;
  failed?: boolean;
  attempts?: number;
  retries?: number;
  ansible_job_id?: string;
  censored?: string;
  [key: string]: unknown;
}

export interface Scope {
  kind: 'role' | 'include';
  id: string;
  name: string;
  via?: string;
}

export type HostStatus = 'ok' | 'failed' | 'skipped' | 'unreachable';

export interface HostStats {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type Frame = Envelope &
  (
    | {
        t: 'hello';
        ansible_version?: string;
        shim_version?: string;
        python?: string;
        pid?: number;
        argv?: string[];
        cwd?: string;
        user?: string;
        hostname?: string;
        check?: boolean;
        diff?: boolean;
        traceparent?: string | null;
        tracestate?: string | null;
      }
    | { t: 'playbook_start'; path: string; name?: string }
    | { t: 'vars_prompt'; varname: string; private?: boolean }
    | {
        t: 'play_start';
        play: string;
        name: string;
        hosts?: string[];
        strategy?: string;
        serial?: unknown[] | null;
        check?: boolean | null;
        /** Hosts in this batch of the play (shim ≥ 0.2); absent from older shims and runner imports. */
        host_count?: number;
      }
    | {
        t: 'task_start';
        task: string;
        name: string;
        action?: string;
        handler?: boolean;
        path?: string | null;
        role?: string | null;
        tags?: string[];
        no_log?: boolean;
        args?: Record<string, unknown>;
        scopes?: Scope[];
      }
    | { t: 'host_start'; task: string; host: string }
    | {
        t: 'host_result';
        task: string;
        host: string;
        status: HostStatus;
        changed?: boolean;
        ignored?: boolean;
        rescued?: boolean;
        action?: string;
        delegated_to?: string | null;
        no_log?: boolean;
        res?: ResultSubset;
      }
    | {
        t: 'item_result';
        task: string;
        host: string;
        status: Exclude<HostStatus, 'unreachable'>;
        changed?: boolean;
        label?: string;
        no_log?: boolean;
        res?: ResultSubset;
      }
    | { t: 'retry'; task: string; host: string; attempt?: number; retries?: number; res?: ResultSubset }
    | { t: 'async_poll' | 'async_ok' | 'async_failed'; task: string; host: string; job?: string; res?: ResultSubset }
    | { t: 'notify'; handler: string; handler_task?: string; host: string }
    | { t: 'include'; file: string; hosts?: string[]; task: string }
    | { t: 'file_diff'; task: string; host: string; diffs?: { before_header?: string; after_header?: string }[] }
    | { t: 'no_hosts_matched' | 'no_hosts_remaining' }
    | { t: 'stats'; hosts: Record<string, Partial<HostStats>> }
    | { t: 'bye'; dropped?: number }
  );

export type FrameType = Frame['t'];
export type FrameOf<T extends FrameType> = Extract<Frame, { t: T }>;
