import type { ResultSubset } from '../protocol/frames.js';
import type { Attributes } from './trace-writer.js';
import { ATTR } from './attributes.js';

/** A value as attribute text: strings as they are, anything else as JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (err) {
    // Nested deeper than the stack (a hostile frame): String() would recurse just as deep.
    return err instanceof RangeError ? '[not shown: nested too deep]' : String(value);
  }
}

/** The one-line message ansible would show for a result. */
export function resultMessage(res: ResultSubset | undefined, fallback?: string): string | undefined {
  if (!res) return fallback;
  if (res.censored !== undefined) return res.censored;
  if (res.msg !== undefined && res.msg !== '') return asText(res.msg);
  if (typeof res.skip_reason === 'string') return res.skip_reason;
  if (typeof res.reason === 'string' && res.reason !== '') return res.reason;
  if (typeof res.stderr === 'string' && res.stderr !== '') return res.stderr;
  return fallback;
}

/**
 * ansible-core 2.19 puts an `exception` on every failed or unreachable result; unless
 * ANSIBLE_DISPLAY_TRACEBACK includes `error` it is this placeholder, and a `fail:` gets a
 * "(traceback missing)" head before the controller's own frames. Neither says anything about the
 * failure (docs/compatibility.md, "Every failure carries exception").
 */
const PLACEHOLDER_TRACEBACK = /^\(traceback (unavailable|missing)\)/;

const present = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : asText(v));

/** The result's `exception` when it is a real traceback (a module crash, or 2.19 with tracebacks on). */
export function realTraceback(exception: unknown): string | undefined {
  const text = present(exception);
  return text !== undefined && PLACEHOLDER_TRACEBACK.test(text) ? undefined : text;
}

/**
 * The `exception` span event of a failure (OTel exception semantic conventions). The stacktrace is
 * what the user reads after the message: the module's stderr first, then a crashed module's
 * stderr (2.19 keeps its traceback only there), then a real traceback; a placeholder traceback
 * never takes stderr's place, and text already shown is not repeated (2.14 puts a crash's
 * traceback in both `module_stderr` and `exception`).
 */
export function exceptionAttributes(type: string, res: ResultSubset | undefined, message: string): Attributes {
  const parts: string[] = [];
  for (const part of [present(res?.stderr), present(res?.module_stderr), realTraceback(res?.exception)]) {
    if (part !== undefined && !parts.some((p) => p.includes(part.trim()))) parts.push(part);
  }
  const trace = parts.length ? parts.join('\n\n') : undefined;
  return {
    [ATTR.EXCEPTION_TYPE]: type,
    [ATTR.EXCEPTION_MESSAGE]: message,
    [ATTR.EXCEPTION_STACKTRACE]: trace,
  };
}

/** Task args as the two parallel arrays community.general.opentelemetry exports. */
export function argsAttributes(args: Record<string, unknown> | undefined): Attributes {
  if (!args) return {};
  const names = Object.keys(args);
  if (names.length === 0) return {};
  return {
    [ATTR.TASK_ARGS_NAME]: names,
    [ATTR.TASK_ARGS_VALUE]: names.map((n) => asText(args[n])),
  };
}

/** `file:line` of a task path into the code.* attributes. */
export function codeAttributes(path: string | null | undefined): Attributes {
  if (!path) return {};
  const m = /^(.*):(\d+)$/.exec(path);
  const file = m ? m[1] : path;
  const line = m ? Number(m[2]) : undefined;
  return {
    [ATTR.CODE_FILE_PATH]: file,
    [ATTR.CODE_LINE_NUMBER]: line,
  };
}
