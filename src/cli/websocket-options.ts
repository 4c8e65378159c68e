import { Option } from 'commander';
import { port, positive } from './option-parsers.js';

/** The token shims, watchers and serve share (one secret per deployment). */
export const TOKEN_ENV = 'ANSIBLE_OTEL_TOKEN';

/** serve's WebSocket edge: shims over ws:// and live watchers (docs/configuration.md). */
export function websocketOptions(): Option[] {
  return [
    new Option('--ws-port <port>', 'also accept shims over WebSocket (ws://HOST:PORT/frames) and serve live watchers (/watch) on this port').argParser(port).env('ANSIBLE_OTEL_WS_PORT'),
    new Option('--ws-host <address>', 'address of the WebSocket port; anything but loopback needs --ws-token').default('127.0.0.1').env('ANSIBLE_OTEL_WS_HOST'),
    new Option('--ws-token <token>', 'bearer token shims and watchers must send (Authorization header)').env(TOKEN_ENV),
    new Option('--ws-max-payload <bytes>', 'largest WebSocket message accepted').argParser(positive).default(1024 * 1024),
    new Option('--ws-heartbeat <seconds>', 'ping every peer this often; one that did not answer the last ping is dropped').argParser(positive).default(30),
  ];
}
