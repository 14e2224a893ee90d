// The forward direction: the app talks to the proxy, the proxy to the service. Requests and answers
// pass through as they are (headers, encodings, bodies streamed), each exchange is judged once its
// answer has gone out, and nothing is dropped: a request no operation matches is passed on and
// reported. With `enforce`, an answer that breaks the contract is held back and replaced by a 502
// in the description's Error shape naming the findings (for CI, where a break must fail loudly).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Exchange, RequestRecord } from '../contract/engine/exchange.js';
import { responseRecord } from '../contract/engine/exchange.js';
import type { Finding } from '../contract/engine/findings.js';
import { answerBody, answerHeaders, BodyCopy, Cancellation, flatHeaders, pipeAnswer, relay, type Upstream, type UpstreamAnswer } from './http-relay.js';
import type { TrafficEntry, TrafficJudge } from './judge.js';
import type { JudgingQueue } from './judging-queue.js';
import { answerParserErrors, type TransportLimits } from '../server-stub/transport-limits.js';

/** Findings that blame the sender's request, not the service's answer: `--enforce` passes those answers on. */
const SENDERS_FAULT = new Set(['request_violation', 'unknown_operation']);

export interface ForwardProxyOptions {
  upstream: Upstream;
  judge: TrafficJudge;
  /** When exchanges are judged (shared with the webhook direction, so that both are judged in the order they ended). */
  judging: JudgingQueue;
  enforce: boolean;
  /** The description's limits: a request past them, or bytes Node's parser refuses, never reaches the service. */
  limits: TransportLimits;
  /** Told when the upstream cannot be reached (the proxy answers 502 and goes on). */
  onUpstreamError?(message: string): void;
}

function errorBody(status: number, error: string, message: string, violations: Array<{ message: string; location?: string; path?: string }> = []): string {
  return JSON.stringify({ error, message, status, ...(violations.length > 0 ? { violations } : {}) });
}

function sendError(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

function requestRecord(req: IncomingMessage, base: string, copy: BodyCopy): RequestRecord {
  const headers = flatHeaders(req.headers);
  const record: RequestRecord = { method: req.method ?? 'GET', url: `${base}${req.url ?? '/'}` };
  if (headers['content-type']) record.contentType = headers['content-type'];
  // The other headers but Host and Content-Length (the transport's, not the request's).
  let rest: Record<string, string> | undefined;
  for (const name in headers) if (name !== 'content-type' && name !== 'host' && name !== 'content-length') (rest ??= {})[name] = headers[name]!;
  if (rest !== undefined) record.headers = rest;
  const text = copy.text(headers['content-encoding']);
  if (text !== undefined && text !== '') {
    try {
      record.body = JSON.parse(text) as unknown;
      if (JSON.stringify(record.body) !== text) record.rawBody = text;
    } catch {
      record.body = record.rawBody = text;
    }
  } else if (copy.size > 0) {
    record.rawBody = record.body = `(${copy.size} bytes, not judged: ${copy.cut ? 'too large' : 'an encoding that cannot be read'})`;
  }
  return record;
}

export function startForwardProxy(options: ForwardProxyOptions & { host: string; port: number }): Promise<Server> {
  const { upstream, judge, judging } = options;
  const base = `${upstream.origin}${upstream.basePath}`;
  const server = createServer({ maxHeaderSize: options.limits.headers }, (req, res) => {
    const startedAt = Date.now();
    const started = performance.now();
    const requestCopy = new BodyCopy();
    const answerCopy = new BodyCopy();
    const cancellation = new Cancellation();
    let clientClosed = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        clientClosed = true;
        cancellation.cancel();
      }
    });
    const fields = (extra: Partial<TrafficEntry>) => ({ ...extra, ...(clientClosed ? { clientClosed: true } : {}) });
    /** Judged when the loop turn's answers have gone out: the exchange is made then too (parsing its bodies is most of its cost). */
    const judgeLater = (exchange: () => Exchange, extra: Partial<TrafficEntry> = {}) => {
      const known = fields(extra);
      judging.later(() => judge.forward(exchange(), known));
    };

    void (async () => {
      let answer;
      try {
        answer = await relay(upstream, req, requestCopy, answerCopy, cancellation);
      } catch (error) {
        const message = (error as Error).message;
        const unanswered = unansweredExchange(req, base, requestCopy, clientClosed, message, startedAt, started);
        if (!clientClosed) {
          options.onUpstreamError?.(message);
          sendError(res, 502, errorBody(502, 'chatapi.proxy.upstream_unreachable', `The service did not answer: ${message}`));
        }
        judgeLater(unanswered);
        return;
      }
      const heldMs = Math.round(performance.now() - started);
      try {
        if (options.enforce) {
          // Held back whole, judged, then passed on or replaced.
          const body = await answerBody(answer);
          const entry = judge.forward(exchangeOf(req, base, requestCopy, answer, answerCopy, startedAt, performance.now() - started), fields({ heldMs }));
          const breaks = entry.findings.filter((f) => !SENDERS_FAULT.has(f.code));
          if (breaks.length > 0 && !clientClosed) {
            sendError(res, 502, errorBody(502, 'chatapi.proxy.contract_violation', `The service's answer breaks the contract: ${breaks.map((f) => `[${f.code}] ${f.message}`).join('; ')}`, violationsOf(breaks)));
          } else if (!clientClosed) {
            res.writeHead(answer.statusCode, answerHeaders(answer, req));
            res.end(body);
          }
          return;
        }
        await pipeAnswer(answer, req, res);
        const durationMs = performance.now() - started;
        judgeLater(() => exchangeOf(req, base, requestCopy, answer, answerCopy, startedAt, durationMs), { heldMs });
      } catch (error) {
        // The service or the client hung up halfway: what came is recorded, the client's line cut.
        res.destroy();
        judgeLater(unansweredExchange(req, base, requestCopy, clientClosed, (error as Error).message, startedAt, started), { heldMs });
      }
    })();
  });
  // What cannot be read as HTTP gets the description's Error (as the stub answers it), not Node's bare 400.
  answerParserErrors(server, options.limits);
  server.once('close', () => void upstream.dispatcher.destroy());
  // Long polls are the service's to end: no timeout of the proxy's own cuts them first.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  return listen(server, options.host, options.port);
}

function violationsOf(findings: Finding[]): Array<{ message: string; location?: string; path?: string }> {
  return findings.map((f) => ({ message: `[${f.code}] ${f.message}`, ...(f.pointer !== undefined ? { location: 'body', path: f.pointer } : {}) }));
}

function exchangeOf(req: IncomingMessage, base: string, requestCopy: BodyCopy, answer: UpstreamAnswer, copy: BodyCopy, startedAt: number, durationMs: number): Exchange {
  const text = copy.text(answer.headers['content-encoding']) ?? (copy.size > 0 ? `(${copy.size} bytes, not judged)` : '');
  return { request: requestRecord(req, base, requestCopy), response: responseRecord(answer.statusCode, answer.headers, text), startedAt, durationMs };
}

/** An exchange with no answer (the service or the client hung up), as it stands now; made when judged. */
function unansweredExchange(req: IncomingMessage, base: string, requestCopy: BodyCopy, clientClosed: boolean, message: string, startedAt: number, started: number): () => Exchange {
  const durationMs = performance.now() - started;
  return () => ({ request: requestRecord(req, base, requestCopy), error: { kind: clientClosed ? 'aborted' : 'network', message }, startedAt, durationMs });
}

export function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
