import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 in front of fauxqs that a test cuts and restores (a copy of
 * the one in test/outage/, kept here so the package's tests stand alone). fauxqs keeps its
 * queues in memory only, so the emulator keeps running behind the proxy while its clients see
 * what a dead endpoint looks like: open connections reset, new ones refused.
 */
export interface OutageProxy {
  /** `http://127.0.0.1:<port>`: the SQS endpoint to give the client under test. */
  endpoint: string;
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startOutageProxy(targetPort: number): Promise<OutageProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const newServer = () =>
    createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: targetPort });
      track(client);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  let server = newServer();
  const port = await listen(server, 0);
  const shut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.resetAndDestroy();
    await closed;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cut: shut,
    async restore() {
      server = newServer();
      await listen(server, port);
    },
    close: () => (server.listening ? shut() : Promise.resolve()),
  };
}
