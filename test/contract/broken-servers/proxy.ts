// A proxy in front of a real server stub that breaks the contract in one way, so that the tests
// can show the contract suite catches it. It also relays the stub's webhook deliveries (the stub
// posts to `webhookUrl`), so a corruption can change a payload on its way to the suite's
// receiver; and it records every request, so a test can see what the suite sent.
import { createServer, type IncomingMessage } from 'node:http';

export interface ProxiedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  body: string;
}

export interface ProxiedResponse {
  status: number;
  contentType: string | null;
  body: string;
}

export interface Corruption {
  /** Changes the stub's answer; return it unchanged to pass it through. */
  response?(request: ProxiedRequest, response: ProxiedResponse): ProxiedResponse;
  /** Changes a webhook payload on its way to the suite's receiver. */
  webhook?(payload: unknown): unknown;
  /** Holds the answer this long (a slow server). */
  delayMs?(request: ProxiedRequest): number;
}

export interface RunningProxy {
  url: string;
  /** The stub's URL; set once the stub is up (the stub needs `webhookUrl` first). */
  upstream: string;
  /** Stop answering: close the listener and drop every connection (a target that dies mid-run). */
  kill(): void;
  /** Give this to the stub as its webhookUrl. */
  webhookUrl: string;
  /** Every request the suite sent through the proxy, in order. */
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

const WEBHOOK_PATH = '/__webhook-relay';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** @param webhookTarget where relayed webhook payloads go (the suite's receiver), if any */
export function startProxy(corruption: Corruption = {}, webhookTarget?: string): Promise<RunningProxy> {
  const requests: ProxiedRequest[] = [];
  let proxy: RunningProxy | undefined;
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://proxy');
      const body = await readBody(req);
      if (url.pathname === WEBHOOK_PATH) {
        let payload: unknown = body;
        try {
          payload = corruption.webhook ? corruption.webhook(JSON.parse(body)) : JSON.parse(body);
        } catch {
          // not JSON: relay as is
        }
        if (webhookTarget) {
          const relayed = await fetch(webhookTarget, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: typeof payload === 'string' ? payload : JSON.stringify(payload),
          }).catch(() => undefined);
          res.writeHead(relayed?.status ?? 502).end();
        } else {
          res.writeHead(204).end();
        }
        return;
      }
      const request: ProxiedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body };
      requests.push(request);
      const contentType = req.headers['content-type'];
      const upstreamResponse = await fetch(`${proxy?.upstream ?? ''}${url.pathname}${url.search}`, {
        method: request.method,
        headers: contentType ? { 'content-type': contentType } : {},
        body: body.length > 0 ? body : undefined,
      });
      let response: ProxiedResponse = {
        status: upstreamResponse.status,
        contentType: upstreamResponse.headers.get('content-type'),
        body: await upstreamResponse.text(),
      };
      if (corruption.response) response = corruption.response(request, response);
      const delay = corruption.delayMs?.(request) ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      res.writeHead(response.status, response.contentType ? { 'content-type': response.contentType } : {}).end(response.body);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const url = `http://127.0.0.1:${port}`;
      proxy = {
        url,
        upstream: '',
        webhookUrl: `${url}${WEBHOOK_PATH}`,
        requests,
        kill: () => {
          server.close();
          server.closeAllConnections();
        },
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      };
      resolve(proxy);
    });
  });
}

/** Changes the JSON body of matching responses. */
export function rewriteJson(
  matches: (request: ProxiedRequest, response: ProxiedResponse) => boolean,
  change: (body: Record<string, unknown>) => unknown,
): Corruption['response'] {
  return (request, response) => {
    if (!matches(request, response)) return response;
    const body = JSON.parse(response.body) as Record<string, unknown>;
    return { ...response, body: JSON.stringify(change(body)) };
  };
}
