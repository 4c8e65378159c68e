// A TCP relay on loopback in front of a sidecar's port: what a network path between two pods is.
// `cut()` breaks every connection through it at once (a pod network blip), and the relay keeps
// listening, so whoever reconnects gets through again.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpRelay {
  /** The relay's own port (bound to 0). */
  readonly port: number;
  /** Resolves when the target first sends something back (a WebSocket upgrade answered). */
  readonly answered: Promise<void>;
  /** Connections relayed so far. */
  readonly accepted: number;
  /** Destroys every connection through the relay, both sides. */
  cut(): void;
  close(): void;
}

export async function tcpRelay(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpRelay> {
  let answer!: () => void;
  const answered = new Promise<void>((r) => (answer = r));
  const open = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    upstream.once('data', () => answer());
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    answered,
    get accepted() {
      return accepted;
    },
    cut: () => {
      for (const s of open) s.destroy();
    },
    close: () => {
      server.close();
      for (const s of open) s.destroy();
    },
  };
}
