// A guard in front of Prism: Prism 5.14 dies (an uncaught URIError in its path-parameter parsing)
// on a request path with a malformed percent escape such as `/chatapi/%E0%A4%A/events`, and a mock
// a front-end team shares must not fall over because one client sent a broken URL. The guard
// answers such requests itself with the description's 400 (an `Error` body, as the stub does) and
// passes everything else through to Prism untouched.
import { createServer, request as forward, type Server } from 'node:http';

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** The part of a request URL that breaks percent-decoding, if any. */
export function malformedPart(url: string): { location: 'path' | 'query'; text: string } | undefined {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const segment = path.split('/').find((s) => !decodes(s));
  if (segment !== undefined) return { location: 'path', text: segment };
  if (mark < 0) return undefined;
  const pair = url.slice(mark + 1).split('&').find((p) => !decodes(p.replace(/\+/g, ' ')));
  return pair === undefined ? undefined : { location: 'query', text: pair };
}

export interface Guard {
  server: Server;
  close(): Promise<void>;
}

export function startGuard(options: { host: string; port: number; upstream: { host: string; port: number } }): Promise<Guard> {
  const server = createServer((req, res) => {
    const bad = malformedPart(req.url ?? '/');
    if (bad) {
      req.resume();
      const body = {
        error: 'chatapi.request.malformed_escape',
        message: `The ${bad.location} has a malformed percent escape: ${JSON.stringify(bad.text)}.`,
        status: 400,
        violations: [{ location: bad.location, path: bad.text, message: 'must be percent-encoded UTF-8' }],
      };
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    const upstream = forward({ host: options.upstream.host, port: options.upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'chatapi.mock.unavailable', message: `Prism did not answer: ${error.message}`, status: 502 }));
    });
    req.pipe(upstream);
  });
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
