// The environment for processes under measurement: nothing from outside steers ansible or OTel.

export function benchEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(OTEL_|ANSIBLE_|TRACEPARENT|TRACESTATE|NODE_OPTIONS)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'False', ANSIBLE_LOCALHOST_WARNING: 'False', ...extra };
}
