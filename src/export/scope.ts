// The instrumentation scope of every tracer, meter and logger: our name, and as its schema URL the
// semantic conventions release the telemetry follows, so a backend can translate it to later ones.
import { SEMCONV_SCHEMA_URL } from '../model/attributes.js';

export const SCOPE_NAME = 'ansible-otel-sidecar';
export const SCOPE_OPTIONS = { schemaUrl: SEMCONV_SCHEMA_URL };
