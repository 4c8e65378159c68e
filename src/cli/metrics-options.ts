import { Option } from 'commander';
import { port } from './option-parsers.js';

/** Metrics options of run and serve (docs/metrics.md). */
export function metricsOptions(): Option[] {
  return [
    new Option('--prometheus-textfile <path>', 'write a node_exporter textfile (atomically) at the end of each run').env('ANSIBLE_OTEL_PROMETHEUS_TEXTFILE'),
    // A switch, not .env(): commander would take ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE=false as on (src/root/config.ts reads it).
    new Option('--metrics-host-attribute', 'put the host name on per-host metrics: one series per host (env ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE=true)'),
    new Option(
      '--metrics-run-entity',
      "put the CI's run id and URL on the metrics' resource too: new series every CI run (env ANSIBLE_OTEL_METRICS_RUN_ENTITY=true)",
    ),
  ];
}

/** The scrape endpoint: serve only, a long-lived process Prometheus can reach. */
export function prometheusEndpointOptions(): Option[] {
  return [
    new Option('--prometheus-port <port>', 'serve metrics for Prometheus to scrape on this port').argParser(port),
    new Option('--prometheus-host <address>', 'address of the scrape endpoint (env OTEL_EXPORTER_PROMETHEUS_HOST; default 127.0.0.1)'),
    new Option(
      '--prometheus-token <token>',
      'bearer token the scrape endpoint asks for; required for a non-loopback address (env ANSIBLE_OTEL_PROMETHEUS_TOKEN)',
    ),
  ];
}
