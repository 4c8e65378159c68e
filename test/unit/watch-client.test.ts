// watch's client against a real WebSocket server on loopback: a dropped connection is retried
// with the one backoff policy, and told once each way.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { WatchClient } from '../../src/watch/watch-client.js';

describe('watch client', () => {
  it('connects again after the sidecar drops it, and says so once each way', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    let connections = 0;
    server.on('connection', (ws) => {
      connections += 1;
      if (connections === 1) ws.terminate(); // the first connection is lost
    });
    const notices: string[] = [];
    const fatal: string[] = [];
    let client: WatchClient | undefined;
    try {
      await new Promise<void>((resolve) => {
        client = new WatchClient(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/watch`, undefined, {
          onMessage: () => {},
          onNotice: (text) => {
            notices.push(text);
            if (text.startsWith('connected again')) resolve();
          },
          onFatal: (text) => fatal.push(text),
        });
        client.start();
      });
    } finally {
      client?.stop();
      server.close();
    }
    expect(connections).toBe(2);
    expect(fatal).toEqual([]);
    expect(notices).toEqual([
      expect.stringMatching(/^no connection to ws:\/\/127\.0\.0\.1:\d+\/watch.*; retrying$/),
      expect.stringMatching(/^connected again/),
    ]);
  });
});
