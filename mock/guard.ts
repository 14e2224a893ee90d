// A guard in front of Prism, for the requests Prism 5.14 gets wrong:
// - a path with a malformed percent escape such as `/chatapi/%E0%A4%A/events` kills it (an uncaught
//   URIError in its path-parameter parsing), and a mock a front-end team shares must not fall over
//   because one client sent a broken URL;
// - a body that is not JSON gets Prism's own error shape, not the description's `Error`;
// - an empty query value (`?cid=`) is taken for an absent parameter, so `minLength: 1` is not applied;
// - a body it cannot take (over 1 MiB, compressed, not UTF-8, cut short) is answered here, read by the
//   project's one body reader, as the stub answers it.
// - a request line or headers past the description's limits get Node's bare 431 (no body), and an
//   HTTP request Node's parser refuses gets a bare 400: answered here as the stub answers them;
// - a path the description does not have gets Prism's own problem+json 404, and a method a path
//   lacks a 405 without `Allow` (RFC 9110 § 15.5.6): routed here by the description and answered
//   as the stub answers them.
// The guard answers those itself with the description's errors (an `Error` body, as the stub does)
// and passes everything else through to Prism untouched.
import { createServer, request as forward, type Server, type ServerResponse } from 'node:http';
import { isJsonMediaType, readBody } from '../client/webhook/read-body.js';
import { BODY_LIMIT_BYTES, Errors, type StubError } from '../server-stub/errors.js';
import { bodyProblemError } from '../server-stub/json-body.js';
import { answerParserErrors, type TransportLimits } from '../server-stub/transport-limits.js';
import { malformedPart } from '../description/percent-escapes.js';
import type { Router } from '../description/router.js';

export interface Guard {
  server: Server;
  close(): Promise<void>;
}

export interface GuardOptions {
  host: string;
  port: number;
  upstream: { host: string; port: number };
  /** Query parameters whose schema forbids an empty value (derived from the description). */
  nonEmptyQuery: ReadonlySet<string>;
  /** The description's request-line and header limits (its 414 and 431). */
  limits: TransportLimits;
  /** The description's operations by path: what a 405's `Allow` lists. */
  router: Router;
}

/** The largest body: the stub's limit, as the description's 413 says. */
const MAX_BODY = BODY_LIMIT_BYTES;

function answer(res: ServerResponse, status: number, code: string, message: string, violation: { location: string; path: string; message: string }): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: code, message, status, violations: [violation] }));
}

/** The name of a query parameter given with an empty value that its schema forbids. */
function emptyQueryValue(url: string, nonEmpty: ReadonlySet<string>): string | undefined {
  const mark = url.indexOf('?');
  if (mark < 0) return undefined;
  for (const [name, value] of new URLSearchParams(url.slice(mark + 1))) if (value === '' && nonEmpty.has(name)) return name;
  return undefined;
}

/** The description's answer to a request no operation takes: 404 for its path, 405 (with Allow) for its method. */
function unrouted(router: Router, method: string, url: string): StubError | undefined {
  const { pathname } = new URL(url, 'http://mock');
  const match = router.match(method, pathname);
  if (match.kind === 'outside' || match.kind === 'unknown') return Errors.routeNotFound(method, pathname);
  if (match.kind === 'method') return Errors.methodNotAllowed(method, match.allowed.map((op) => op.method).join(','));
  return undefined;
}

export function startGuard(options: GuardOptions): Promise<Guard> {
  const server = createServer({ maxHeaderSize: options.limits.headers }, (req, res) => {
    const url = req.url ?? '/';
    if (Buffer.byteLength(url) > options.limits.requestTarget) {
      req.resume();
      const error = Errors.uriTooLong(options.limits.requestTarget);
      res.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify(error.toBody()));
      return;
    }
    const bad = malformedPart(url);
    if (bad) {
      req.resume();
      answer(res, 400, 'chatapi.request.malformed_escape', `The ${bad.location} has a malformed percent escape: ${JSON.stringify(bad.text)}.`, {
        location: bad.location,
        path: bad.name,
        message: 'must be percent-encoded UTF-8',
      });
      return;
    }
    // A CORS preflight is Prism's to answer (a browser's front end asks it before every call).
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    const refused = preflight ? undefined : unrouted(options.router, req.method ?? 'GET', url);
    if (refused) {
      req.resume();
      res.writeHead(refused.status, { 'content-type': 'application/json', ...refused.headers }).end(JSON.stringify(refused.toBody()));
      return;
    }
    const empty = emptyQueryValue(url, options.nonEmptyQuery);
    if (empty !== undefined) {
      req.resume();
      answer(res, 400, 'chatapi.request.invalid', `query ${empty}: must NOT have fewer than 1 characters`, { location: 'query', path: empty, message: 'must NOT have fewer than 1 characters' });
      return;
    }
    void readBody(req, { limitBytes: MAX_BODY }).then((read) => {
      if (!read.ok) {
        // Answered as the stub answers it.
        const error = bodyProblemError(read.problem);
        if (error.status === 413) res.setHeader('connection', 'close');
        res.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify(error.toBody()));
        return;
      }
      const body = read.bytes;
      if (isJsonMediaType(req.headers['content-type']) && body.length > 0) {
        try {
          JSON.parse(body.toString('utf8'));
        } catch (error) {
          answer(res, 400, 'chatapi.request.malformed_json', 'The request body is not valid JSON.', { location: 'body', path: '', message: (error as Error).message });
          return;
        }
      }
      const upstream = forward({ host: options.upstream.host, port: options.upstream.port, method: req.method, path: url, headers: req.headers }, (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(res);
      });
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'chatapi.mock.unavailable', message: `Prism did not answer: ${error.message}`, status: 502 }));
      });
      upstream.end(body);
    });
  });
  answerParserErrors(server, options.limits);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve({
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
