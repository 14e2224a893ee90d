// One HTTP/1.1 exchange over a plain socket, for the requests no HTTP client will send: a header
// value with a control character or a NUL, which undici and Node refuse to put on the wire, but a
// scanner or a broken client does. The request is written byte for byte (latin1); the response is
// read to the end (the request says `Connection: close`) and split into status, headers and body.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface RawRequest {
  method: string;
  /** Absolute URL of the target (its path and query are sent as written). */
  origin: string;
  path: string;
  /** Header lines, each `Name: value`, written as latin1 bytes. */
  headers: string[];
  body?: string;
  signal: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The body of a chunked message (RFC 9112 § 7.1). */
function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function parseRawResponse(data: Buffer): RawResponse {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) throw new Error('the response has no complete head');
  const [statusLine = '', ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine.slice(0, 60))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = data.subarray(headEnd + 4);
  if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: body.toString('utf8') };
}

export function sendRaw(request: RawRequest): Promise<RawResponse> {
  const url = new URL(request.origin);
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const head = [
    `${request.method} ${request.path} HTTP/1.1`,
    `Host: ${url.host}`,
    ...request.headers,
    ...(body ? [`Content-Length: ${body.length}`] : []),
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket: Socket = url.protocol === 'https:' ? connectTls({ host: url.hostname, port, servername: url.hostname }) : connectTcp({ host: url.hostname, port });
    const chunks: Buffer[] = [];
    const onAbort = () => socket.destroy(new Error('aborted'));
    request.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => {
      socket.write(Buffer.from(head, 'latin1'));
      if (body) socket.write(body);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      request.signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    socket.on('close', () => {
      request.signal.removeEventListener('abort', onAbort);
      try {
        resolve(parseRawResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}
