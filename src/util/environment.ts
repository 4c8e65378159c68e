// The environment as main read it (main.cts, once), and the one way our code reads a variable
// from it: a string, a number, a list, a boolean. The rules are @opentelemetry/core's env getters'
// (blank is unset; a number that does not parse is unset, with a warning), applied to the object
// main hands down instead of the process's, so a test configures the sidecar with a plain object.
// The SDK's own readers (OTLP headers, timeouts, TLS files, OTEL_RESOURCE_ATTRIBUTES) still read
// the environment of the process themselves: the same variables main hands down.

/** The environment of the process, as main read it: passed down; nothing below main reads the process's own. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Say-once warnings: a key, and the line the operator reads. */
export type EnvWarn = (key: string, message: string) => void;

/** The SDK configuration spec's boolean words: only `true` is true (case-insensitive). */
const SPEC_WORDS = { yes: ['true'], no: ['false'] } as const;
/** ansible-core's boolean words (module_utils/parsing/convert_bool.py), for every other variable. */
const ANSIBLE_WORDS = { yes: ['true', 'yes', 'on', '1', 'y', 't'], no: ['false', 'no', 'off', '0', 'n', 'f'] } as const;

export interface ParsedBoolean {
  value: boolean;
  /** Set when the value is not a boolean word: the variable, its value and the accepted words. */
  problem?: string;
}

/**
 * The one boolean parser. Unset or blank is the variable's default (false for every OTEL_*, as the
 * spec names them). OTEL_* take the spec's words (true, false), every other variable ansible's
 * (true/yes/on/1/y/t, false/no/off/0/n/f), case-insensitive, as ansible-core reads the shim's own
 * switches. Anything else is false with a problem to warn about: the spec's rule for OTEL_*
 * ("MUST be interpreted as false … SHOULD log a warning"), and ansible's for its settings
 * (boolean(strict=False)). docs/configuration.md#boolean-variables.
 */
export function parseBoolean(name: string, raw: string | undefined, fallback = false): ParsedBoolean {
  const value = raw?.trim().toLowerCase();
  if (!value) return { value: fallback };
  const words = name.startsWith('OTEL_') ? SPEC_WORDS : ANSIBLE_WORDS;
  if ((words.yes as readonly string[]).includes(value)) return { value: true };
  if ((words.no as readonly string[]).includes(value)) return { value: false };
  return { value: false, problem: `${name}=${raw}: not a boolean (use ${words.yes.join(', ')} or ${words.no.join(', ')}); taken as false` };
}

/** Reads variables from the env main handed down; what cannot be honoured goes to `warn`. */
export class EnvReader {
  constructor(
    readonly env: Env,
    private readonly warn: EnvWarn = () => {},
  ) {}

  /** The value; unset, empty or only blanks: undefined. */
  string(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw;
  }

  /** A number; unset is undefined, and so is a value that is not a number (with a warning). */
  number(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isNaN(value)) return value;
    this.warn(`number:${name}`, `${name}=${raw}: not a number; using the default`);
    return undefined;
  }

  /** Comma-separated, each entry trimmed, empty entries dropped; unset is undefined. */
  list(name: string): string[] | undefined {
    return this.string(name)
      ?.split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  }

  /** parseBoolean, its problem said once. */
  boolean(name: string, fallback = false): boolean {
    const { value, problem } = parseBoolean(name, this.env[name], fallback);
    if (problem) this.warn(`boolean:${name}`, problem);
    return value;
  }
}

/** A frozen copy, nested objects and arrays too: the config nobody changes after resolving it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
