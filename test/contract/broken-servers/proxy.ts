// A proxy in front of a real server stub that breaks the contract in one way, so that the tests
// can show the contract suite catches it. It also relays the stub's webhook deliveries (the stub
// posts to `webhookUrl`), so a corruption can change a payload on its way to the suite's
// receiver; and it records every request, so a test can see what the suite sent.
import { createServer, type IncomingMessage } from 'node:http';
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { loadDescription } from '../../../description/bundle.js';
import { answerParserErrors, transportLimits } from '../../../server-stub/transport-limits.js';

export interface ProxiedRequest {
  method: string;
  /** Path without the query, as sent (percent escapes kept). */
  path: string;
  query: URLSearchParams;
  /** Request headers, names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** What a webhook corruption returns to drop a delivery: the stub is told it arrived, the suite gets nothing. */
export const DROP = Symbol('drop');

export interface ProxiedResponse {
  status: number;
  contentType: string | null;
  body: string;
  /** The upstream's other headers (Allow, Retry-After…), passed through unless a corruption drops them. */
  headers?: Record<string, string>;
}

/** Headers that belong to one hop, or that the proxy sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-type', 'date']);

export interface Corruption {
  /** Changes the stub's answer; return it unchanged to pass it through. */
  response?(request: ProxiedRequest, response: ProxiedResponse): ProxiedResponse;
  /** Changes a webhook payload on its way to the suite's receiver (DROP: never relay it). */
  webhook?(payload: unknown): unknown;
  /** `node`: answer what Node's HTTP parser refuses as Node does (a bare 400, no body), not as the stub does. */
  parserErrors?: 'node';
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
  // What the stub answers before any route (the description's transport limits, malformed HTTP), the
  // proxy answers the same way: it stands in for the stub, and must not be the one that breaks.
  const limits = transportLimits(loadDescription());
  const server = createServer({ maxHeaderSize: limits.headers }, (req, res) => {
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
        if (payload === DROP) {
          res.writeHead(204).end();
        } else if (webhookTarget) {
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
      const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)]));
      const request: ProxiedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, body };
      requests.push(request);
      const forwarded = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name) && name !== 'host').map(([name, value]) => [name, String(value)]));
      const contentType = req.headers['content-type'];
      const upstreamUrl = new URL(proxy?.upstream ?? 'http://127.0.0.1');
      // Any method (TRACE, unknown ones), the path as written: the dispatcher takes them as they come.
      const upstreamResponse = await getGlobalDispatcher().request({
        origin: upstreamUrl.origin,
        path: req.url ?? '/',
        method: request.method as Dispatcher.HttpMethod,
        headers: { ...forwarded, ...(contentType ? { 'content-type': contentType } : {}) },
        body: body.length > 0 ? body : undefined,
      });
      const upstreamHeaders = Object.fromEntries(Object.entries(upstreamResponse.headers).flatMap(([name, value]) => (value === undefined || HOP_BY_HOP.has(name) ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]])));
      let response: ProxiedResponse = {
        status: upstreamResponse.statusCode,
        contentType: (upstreamResponse.headers['content-type'] as string | undefined) ?? null,
        body: await upstreamResponse.body.text(),
        headers: upstreamHeaders,
      };
      if (corruption.response) response = corruption.response(request, response);
      const delay = corruption.delayMs?.(request) ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      res.writeHead(response.status, { ...(response.headers ?? {}), ...(response.contentType ? { 'content-type': response.contentType } : {}) }).end(response.body);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  if (corruption.parserErrors !== 'node') answerParserErrors(server, limits);
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
