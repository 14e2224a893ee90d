// A throwaway node:http server on an ephemeral loopback port, for tests that need a server to
// misbehave in ways the stub never does (fail, hang, send garbage).
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  url: string;
  /** Every request received, with the time it arrived. */
  requests: { url: URL; method: string; at: number }[];
  close(): Promise<void>;
}

export async function startFakeServer(handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  let base = '';
  const listener: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push({ url, method: req.method ?? 'GET', at: Date.now() });
    void Promise.resolve(handler(req, res, url)).catch((error: unknown) => {
      res.statusCode = 599;
      res.end(String(error));
    });
  };
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    close: () =>
      new Promise((resolve) => {
        // Held long polls would keep close() waiting: cut them.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
