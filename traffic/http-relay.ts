// What both directions of the proxy share: forwarding one request to an upstream with undici (any
// method, the path as written, bodies streamed both ways, no timeout of its own: a long poll is
// held as long as the service holds it), keeping a bounded copy of each body to judge, and reading
// that copy as the text it encodes (gzip, deflate and br undone for judging only).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { getGlobalDispatcher, type Dispatcher } from 'undici';

/** Bodies are judged up to this size; larger ones pass through whole and are recorded as cut. */
export const JUDGED_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Bodies up to this size (by their Content-Length) are read whole and sent in one write, rather
 * than streamed chunk by chunk: the API's bodies are small, and one write costs a relay half the
 * CPU of a stream (bench:proxy). Larger or chunked bodies stream, with backpressure.
 */
const WHOLE_BODY_BYTES = 64 * 1024;

const readsWhole = (contentLength: string | string[] | undefined) => typeof contentLength === 'string' && Number(contentLength) <= WHOLE_BODY_BYTES;

/** Headers that belong to one connection (RFC 9110 § 7.6.1), never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function forwardedHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>, upstreamHost: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name.toLowerCase()) || name.toLowerCase() === 'host') continue;
    out[name] = value;
  }
  out.host = upstreamHost;
  return out;
}

/** Flat, lower-cased headers for the record (repeated ones joined). */
export function flatHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** A bounded copy of a stream's bytes. */
export class BodyCopy {
  private readonly chunks: Buffer[] = [];
  size = 0;

  add(chunk: Buffer): void {
    if (this.size < JUDGED_BODY_BYTES) this.chunks.push(chunk.subarray(0, JUDGED_BODY_BYTES - this.size));
    this.size += chunk.length;
  }

  get cut(): boolean {
    return this.size > JUDGED_BODY_BYTES;
  }

  /** The body as text, its content encoding undone (undefined when it cannot be: cut, or not an encoding we know). */
  text(contentEncoding: string | undefined): string | undefined {
    if (this.cut) return undefined;
    const bytes = Buffer.concat(this.chunks);
    try {
      switch ((contentEncoding ?? 'identity').trim().toLowerCase()) {
        case 'identity':
        case '':
          return bytes.toString('utf8');
        case 'gzip':
        case 'x-gzip':
          return gunzipSync(bytes).toString('utf8');
        case 'deflate':
          return inflateSync(bytes).toString('utf8');
        case 'br':
          return brotliDecompressSync(bytes).toString('utf8');
        default:
          return undefined;
      }
    } catch {
      return undefined;
    }
  }
}

export interface Upstream {
  origin: string;
  /** The upstream's base path (`/chatadapter` on legacy hosts), put before every request's path. */
  basePath: string;
  host: string;
}

export function upstreamOf(baseUrl: string): Upstream {
  const url = new URL(baseUrl);
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), host: url.host };
}

/** A stream that passes a body on as it is read, keeping a bounded copy (backpressure kept). */
function tapped(source: IncomingMessage, copy: BodyCopy): Transform {
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      copy.add(chunk);
      done(null, chunk);
    },
  });
  source.on('error', (error) => tap.destroy(error));
  return source.pipe(tap);
}

/** A small body, read whole and copied. */
async function whole(source: AsyncIterable<Buffer>, copy: BodyCopy): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) {
    copy.add(chunk);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Sends the request on, its body streamed or read whole (and copied into `copy`); the answer's body is not read yet. */
export async function relay(upstream: Upstream, req: IncomingMessage, copy: BodyCopy, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  const length = req.headers['content-length'];
  const hasBody = length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) req.resume();
  return getGlobalDispatcher().request({
    origin: upstream.origin,
    path: `${upstream.basePath}${req.url ?? '/'}`,
    method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: forwardedHeaders(req.headers, upstream.host),
    ...(hasBody ? { body: readsWhole(length) ? await whole(req, copy) : tapped(req, copy) } : {}),
    signal,
    // The service decides how long an answer takes (a long poll: 25 s and more).
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}

/** Streams the upstream's answer to the client (backpressure kept), copying what it passes. */
export async function pipeAnswer(answer: Dispatcher.ResponseData, req: IncomingMessage, res: ServerResponse, copy: BodyCopy): Promise<void> {
  if (readsWhole(answer.headers['content-length'])) {
    const body = await whole(answer.body as AsyncIterable<Buffer>, copy);
    res.writeHead(answer.statusCode, answerHeaders(answer.headers, req)).end(body);
    return;
  }
  res.writeHead(answer.statusCode, answerHeaders(answer.headers, req));
  for await (const chunk of answer.body as AsyncIterable<Buffer>) {
    copy.add(chunk);
    if (!res.write(chunk)) await once(res, 'drain');
  }
  res.end();
}

/** The answer's headers as the client gets them: everything but this hop's. */
export function forwardedHeadersOut(headers: Dispatcher.ResponseData['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  return out;
}

/**
 * The answer's headers for this client: an answer that comes before the client finished sending its
 * body (a 413 to a body too large) closes the connection, as the service's did, so that the client
 * does not send its next request down a line still busy with the last body.
 */
export function answerHeaders(headers: Dispatcher.ResponseData['headers'], req: IncomingMessage): Record<string, string | string[]> {
  return { ...forwardedHeadersOut(headers), ...(req.complete ? {} : { connection: 'close' }) };
}
