import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP forwarder on 127.0.0.1 that a test can cut and restore, to take a backend offline. */
export interface OutageProxy {
  port: number;
  /** `http://127.0.0.1:<port>`, for HTTP backends. */
  endpoint: string;
  /** Resets every open connection and refuses new ones, as a dead server would. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * For backends whose process cannot be restarted without losing their state (fauxqs keeps
 * queues in memory only, whereas real SQS never loses a message in an outage): the backend
 * keeps running behind the proxy, and its clients see exactly what a crashed server looks like.
 */
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
    port,
    endpoint: `http://127.0.0.1:${port}`,
    cut: shut,
    async restore() {
      server = newServer();
      await listen(server, port);
    },
    close: () => (server.listening ? shut() : Promise.resolve()),
  };
}
