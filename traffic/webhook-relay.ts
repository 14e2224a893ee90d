// The webhook direction: the service posts its deliveries to the proxy's webhook port, the proxy
// passes each to the team's receiver (`--webhook-forward`) and the receiver's answer back to the
// service, unchanged. Each delivery is judged against the description's webhook and correlated with
// the async sends seen in the forward direction. Without a receiver to forward to, the proxy
// acknowledges deliveries itself (204), as a receiver should.
import { createServer, type Server } from 'node:http';
import type { Dispatcher } from 'undici';
import { readBody } from '../client/webhook/read-body.js';
import type { Exchange } from '../contract/engine/exchange.js';
import { responseRecord } from '../contract/engine/exchange.js';
import { flatHeaders, forwardedHeaderLines, forwardedHeadersOut, upstreamOf } from './http-relay.js';
import { listen } from './forward-proxy.js';
import type { TrafficJudge } from './judge.js';
import type { JudgingQueue } from './judging-queue.js';

/** Deliveries larger than this are refused (413), as the description's receivers do (1 MiB) and then some. */
const DELIVERY_LIMIT_BYTES = 5 * 1024 * 1024;

export interface WebhookRelayOptions {
  host: string;
  port: number;
  /** The team's receiver; undefined: the proxy acknowledges itself. */
  forward?: string;
  judge: TrafficJudge;
  /** When deliveries are judged (shared with the forward direction, so that both are judged in the order they ended). */
  judging: JudgingQueue;
  onReceiverError?(message: string): void;
}

export function startWebhookRelay(options: WebhookRelayOptions): Promise<Server> {
  const receiver = options.forward ? upstreamOf(options.forward) : undefined;
  const judgeLater = (delivery: Exchange) => options.judging.later(() => options.judge.delivery(delivery));
  const server = createServer((req, res) => {
    const startedAt = Date.now();
    const started = performance.now();
    void readBody(req, { limitBytes: DELIVERY_LIMIT_BYTES }).then(async (read) => {
      const headers = flatHeaders(req.headers);
      const text = read.ok ? read.bytes.toString('utf8') : '';
      const { 'content-type': contentType, host: _host, 'content-length': _length, ...rest } = headers;
      const exchange: Exchange = {
        request: { method: req.method ?? 'POST', url: `http://${headers.host ?? `${options.host}:${options.port}`}${req.url ?? '/'}`, ...(contentType ? { contentType } : {}), ...(Object.keys(rest).length > 0 ? { headers: rest } : {}), ...(text ? { rawBody: text, body: parse(text) } : {}) },
        startedAt,
        durationMs: 0,
      };
      if (!read.ok) {
        const body = JSON.stringify({ error: 'chatapi.webhook.invalid', message: read.problem.message, status: read.problem.kind === 'too_large' ? 413 : 400 });
        if (read.problem.kind !== 'aborted') res.writeHead(read.problem.kind === 'too_large' ? 413 : 400, { 'content-type': 'application/json' }).end(body);
        judgeLater({ ...exchange, durationMs: performance.now() - started });
        return;
      }
      if (!receiver) {
        res.writeHead(204).end();
        judgeLater({ ...exchange, response: responseRecord(204, {}, ''), durationMs: performance.now() - started });
        return;
      }
      let answer: Pick<Dispatcher.ResponseData, 'statusCode' | 'headers'> & { body: Buffer };
      try {
        const response = await receiver.dispatcher.request({
          origin: receiver.origin,
          path: `${receiver.basePath}${req.url === '/' ? '' : (req.url ?? '')}` || '/',
          method: (req.method ?? 'POST') as Dispatcher.HttpMethod,
          headers: forwardedHeaderLines(req.rawHeaders, receiver.host),
          body: read.bytes,
        });
        // Read whole here: a receiver that hangs up mid-answer (or the proxy stopping) is a receiver that did not answer.
        answer = { statusCode: response.statusCode, headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()) };
      } catch (error) {
        // The receiver is down: the service gets a 502 and will retry; the delivery is recorded unanswered.
        const message = (error as Error).message;
        options.onReceiverError?.(message);
        res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'chatapi.proxy.receiver_unreachable', message: `The receiver did not answer: ${message}`, status: 502 }));
        judgeLater({ ...exchange, error: { kind: 'network', message }, durationMs: performance.now() - started });
        return;
      }
      res.writeHead(answer.statusCode, forwardedHeadersOut(answer.headers)).end(answer.body);
      judgeLater({ ...exchange, response: responseRecord(answer.statusCode, flatHeaders(answer.headers), answer.body.toString('utf8')), durationMs: performance.now() - started });
    }).catch((error: Error) => {
      // Whatever else fails on the way (an answer Node cannot write): the service's line is cut, the proxy goes on.
      options.onReceiverError?.(error.message);
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'chatapi.proxy.receiver_unreachable', message: `The receiver's answer could not be passed on: ${error.message}`, status: 502 }));
    });
  });
  // After the last delivery has been answered (close waits for every connection): no answer is cut short.
  server.once('close', () => void receiver?.dispatcher.close());
  return listen(server, options.host, options.port);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
