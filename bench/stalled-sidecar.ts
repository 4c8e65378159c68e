// A sidecar that accepts connections and never reads from them (the shim's send_timeout path).
import { createServer, type Server, type Socket } from 'node:net';

export function stalledSidecar(path: string): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    s.pause();
    sockets.add(s);
  });
  return new Promise((resolve) =>
    server.listen(path, () =>
      resolve({
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise<void>((r) => server.close(() => r()));
        },
      }),
    ),
  );
}
