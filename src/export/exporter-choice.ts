// OTEL_<SIGNAL>_EXPORTER as the spec reads it, for the signals whose outputs are exporters of one
// kind (traces, logs): our --*-file option first, then otlp / console / none, else the embedded
// default (a local file when no endpoint is configured anywhere, so `run` is useful alone).
import { resolve } from 'node:path';
import type { Logger } from '../util/log.js';
import type { OtlpChoice } from './otlp-exporters.js';
import type { OtlpEndpoint, SignalEnv } from './otel-env.js';

export interface ExporterMakers<E, D> {
  /** OTLP/JSON lines to a file (the collector file exporter's layout). */
  file(path: string): E;
  console(): E;
  otlp(endpoint: OtlpEndpoint): OtlpChoice<E, D>;
}

export interface ChoiceOptions {
  /** The signal's OTEL_* (otel-env.ts). */
  signal: SignalEnv;
  /** OTEL_SDK_DISABLED: only our own file option still writes. */
  disabled: boolean;
  /** --traces-file and the like: always written, whatever else is configured. */
  file?: string | undefined;
  /** Where the embedded default writes. */
  defaultFile: string;
  /** For the warning about an exporter name we do not have. */
  variable: string;
  log: Logger;
}

export function chooseExporters<E, D>(o: ChoiceOptions, make: ExporterMakers<E, D>): OtlpChoice<E, D>[] {
  const chosen: OtlpChoice<E, D>[] = [];
  const file = (path: string): OtlpChoice<E, D> => ({ exporter: make.file(resolve(path)), target: `${resolve(path)} (OTLP/JSON lines)` });
  if (o.file) chosen.push(file(o.file));
  if (o.disabled) return chosen;
  if (o.signal.exporters === undefined) {
    if (o.signal.otlp.configured) chosen.push(make.otlp(o.signal.otlp));
    else if (!o.file) chosen.push(file(o.defaultFile));
    return chosen;
  }
  for (const name of new Set(o.signal.exporters)) {
    if (name === 'none') continue;
    if (name === 'otlp') chosen.push(make.otlp(o.signal.otlp));
    else if (name === 'console') chosen.push({ exporter: make.console(), target: 'console' });
    else o.log.once(`exporter:${o.variable}:${name}`, `${o.variable} value "${name}" is not supported (use otlp, console or none); ignored`);
  }
  return chosen;
}
