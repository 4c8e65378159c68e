import { Option } from 'commander';
import { port, positive } from './option-parsers.js';

/** The token shims, watchers and serve share (one secret per deployment). */
export const TOKEN_ENV = 'ANSIBLE_OTEL_TOKEN';

/** serve's WebSocket edge: shims over ws:// or wss:// and live watchers (docs/configuration.md). */
export function websocketOptions(): Option[] {
  return [
    new Option('--ws-port <port>', 'also accept shims over WebSocket (ws:// or wss://HOST:PORT/frames) and serve live watchers (/watch) on this port')
      .argParser(port)
      .env('ANSIBLE_OTEL_WS_PORT'),
    new Option('--ws-host <address>', 'address of the WebSocket port; anything but loopback needs --ws-token, and --ws-tls-cert or --ws-insecure')
      .default('127.0.0.1')
      .env('ANSIBLE_OTEL_WS_HOST'),
    new Option('--ws-token <token>', 'bearer token shims and watchers must send (Authorization header)').env(TOKEN_ENV),
    new Option('--ws-tls-cert <file>', 'PEM certificate (chain): the WebSocket port speaks https/wss:// (needs --ws-tls-key)').env('ANSIBLE_OTEL_WS_TLS_CERT'),
    new Option('--ws-tls-key <file>', 'PEM private key of --ws-tls-cert').env('ANSIBLE_OTEL_WS_TLS_KEY'),
    new Option('--ws-tls-client-ca <file>', 'PEM CA certificates: shims and watchers must present a client certificate one of them signed (mTLS)').env(
      'ANSIBLE_OTEL_WS_TLS_CLIENT_CA',
    ),
    new Option(
      '--ws-insecure',
      'allow a --ws-host other machines reach without TLS: token and frames in cleartext (a flag only: no environment variable turns this on)',
    ),
    new Option('--ws-max-payload <bytes>', 'largest WebSocket message accepted').argParser(positive).default(1024 * 1024),
    new Option('--ws-heartbeat <seconds>', 'ping every peer this often; one that did not answer the last ping is dropped').argParser(positive).default(30),
  ];
}
