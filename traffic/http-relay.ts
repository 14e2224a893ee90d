// What both directions of the proxy share: forwarding one request to an upstream with undici (any
// method, the path as written, bodies streamed both ways, no timeout of its own: a long poll is
// held as long as the service holds it), keeping a bounded copy of each body to judge, and reading
// that copy as the text it encodes (gzip, deflate and br undone for judging only).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { isAscii } from 'node:buffer';
import { Readable, Transform } from 'node:stream';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { Pool, type Dispatcher } from 'undici';

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

/**
 * The headers a message's Connection header names besides its own options: they belong to this
 * connection too (RFC 9110 § 7.6.1), never forwarded. Most messages name only `keep-alive` or `close`.
 */
function connectionNamed(connection: string | readonly string[] | undefined): ReadonlySet<string> {
  const named = new Set<string>();
  for (const value of typeof connection === 'string' ? [connection] : (connection ?? [])) {
    for (const token of value.split(',')) named.add(token.trim().toLowerCase());
  }
  for (const option of ['close', 'keep-alive', '']) named.delete(option);
  return named;
}

/** Header lines (name, value, …) without those the Connection values name. */
function withoutConnectionNamed(lines: string[], connection: readonly string[]): string[] {
  const named = connectionNamed(connection);
  if (named.size === 0) return lines;
  const out: string[] = [];
  for (let i = 0; i < lines.length; i += 2) if (!named.has(lines[i]!.toLowerCase())) out.push(lines[i]!, lines[i + 1]!);
  return out;
}

/**
 * A request's header lines as the next hop gets them, from the lines as they came (`rawHeaders`):
 * names as written, repeated lines kept apart (Node's `headers` object drops a second Content-Type
 * and joins others), this hop's own left out, the Host the upstream's.
 */
export function forwardedHeaderLines(rawHeaders: readonly string[], upstreamHost: string): string[] {
  const out: string[] = [];
  const connection: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (lower === 'connection') connection.push(rawHeaders[i + 1]!);
    // Expect too is this hop's: Node's server has answered a 100-continue already (and undici refuses to send it).
    else if (!HOP_BY_HOP.has(lower) && lower !== 'host' && lower !== 'expect') out.push(name, rawHeaders[i + 1]!);
  }
  const forwarded = withoutConnectionNamed(out, connection);
  forwarded.push('host', upstreamHost);
  return forwarded;
}

/** Flat, lower-cased headers for the record (repeated ones joined). */
export function flatHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
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
    const bytes = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
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
  /**
   * The upstream's own pool of connections (kept alive, no limit on their number; undici's default
   * timeouts, which the forward relay turns off per request: a long poll is held as long as the
   * service holds it, while a webhook receiver that never answers is given up). Its own rather than undici's global Agent:
   * an Agent looks the origin's pool up and wraps every request in its redirect interceptor, which
   * a relay (that passes redirects on, never follows them) pays for on every exchange (bench:proxy).
   */
  dispatcher: Dispatcher;
}

export function upstreamOf(baseUrl: string): Upstream {
  const url = new URL(baseUrl);
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), host: url.host, dispatcher: new Pool(url.origin) };
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

/**
 * A small body, read whole and copied. By its events rather than `for await`: a stream's async
 * iterator costs a relay more per exchange than the body it reads (bench:proxy).
 */
function whole(source: IncomingMessage, copy: BodyCopy): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    source.on('data', (chunk: Buffer) => {
      copy.add(chunk);
      chunks.push(chunk);
    });
    source.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    source.on('error', reject);
    // The client hung up before its body ended (no 'end' will come). Every request closes, so the
    // Error (whose stack costs a relay measurably, bench:proxy) is made only when the body is cut.
    source.on('close', () => {
      if (!source.complete) reject(new Error('the client closed the connection before its request body ended'));
    });
  });
}

/**
 * How a relay is called off when its client goes away. One per exchange, so it is a plain object:
 * an AbortController and its signal's listeners cost a relay measurably more (bench:proxy).
 */
export class Cancellation {
  private hook: ((reason: Error) => void) | undefined;
  reason: Error | undefined;

  cancel(reason: Error = new Error('This operation was aborted')): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.hook?.(reason);
  }

  /** `hook` is called on cancel, at once if the relay is cancelled already; undefined removes it. */
  onCancel(hook: ((reason: Error) => void) | undefined): void {
    this.hook = hook;
    if (hook !== undefined && this.reason !== undefined) hook(this.reason);
  }
}

/** The service's answer: its status and headers, and its body either read whole or as a stream. */
export interface UpstreamAnswer {
  statusCode: number;
  /** For the record: names in lower case, values read as UTF-8, a repeated header's values joined. */
  headers: Record<string, string>;
  /** For the client: the header lines as they came (names as written, bytes as they were), but this hop's. */
  lines: string[];
  /** The whole body, read before the answer is handed on: a small one, by its Content-Length. */
  whole?: Buffer;
  /** Otherwise the body as it comes, the service's connection paused while the client is slow. */
  stream?: Readable;
}

/**
 * The answer's header lines, read once for both of their uses: passed on to the client byte for
 * byte (read as latin1, which Node writes back unchanged; undici's own parsing reads UTF-8, which a
 * non-ASCII value would not survive), and flat for the record.
 */
function answerHeaderLines(raw: readonly Buffer[]): Pick<UpstreamAnswer, 'headers' | 'lines'> {
  const headers: Record<string, string> = {};
  const lines: string[] = [];
  const connection: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const bytes = raw[i + 1]!;
    const value = bytes.toString('latin1');
    const lower = name.toLowerCase();
    if (lower === 'connection') connection.push(value);
    else if (!HOP_BY_HOP.has(lower)) lines.push(name, value);
    const text = isAscii(bytes) ? value : bytes.toString('utf8');
    const before = headers[lower];
    headers[lower] = before === undefined ? text : `${before}, ${text}`;
  }
  return { headers, lines: withoutConnectionNamed(lines, connection) };
}

/**
 * Reads the service's answer through undici's dispatch handler API (documented, and what its own
 * `request()` is built on): a small body is gathered into one Buffer with no stream made for it,
 * which is most of what a relay costs per exchange (bench:proxy). Every byte is copied for judging.
 */
class AnswerReader implements Dispatcher.DispatchHandlers {
  private head: Pick<UpstreamAnswer, 'statusCode' | 'headers' | 'lines'> | undefined;
  private chunks: Buffer[] | undefined;
  private stream: Readable | undefined;
  private settled = false;

  constructor(
    private readonly copy: BodyCopy,
    private readonly cancellation: Cancellation,
    private readonly resolve: (answer: UpstreamAnswer) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  private done(): void {
    this.cancellation.onCancel(undefined);
  }

  onConnect(abort: (error?: Error) => void): void {
    this.cancellation.onCancel(abort);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // informational (100 Continue): the final answer follows
    const { headers, lines } = answerHeaderLines(rawHeaders);
    if (readsWhole(headers['content-length'])) {
      this.head = { statusCode, headers, lines };
      this.chunks = [];
    } else {
      this.stream = new Readable({ read: () => resume() });
      this.settled = true;
      this.resolve({ statusCode, headers, lines, stream: this.stream });
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.copy.add(chunk);
    if (this.chunks) {
      this.chunks.push(chunk);
      return true;
    }
    // false pauses the service's connection until the stream is read again (resume).
    return this.stream!.push(chunk);
  }

  onComplete(): void {
    this.done();
    if (this.chunks && this.head) {
      this.settled = true;
      this.resolve({ ...this.head, whole: this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks) });
    } else {
      this.stream?.push(null);
    }
  }

  onError(error: Error): void {
    this.done();
    if (!this.settled) {
      this.settled = true;
      this.reject(error);
    } else {
      this.stream?.destroy(error);
    }
  }
}

/** Sends the request on, its body streamed or read whole (and copied into `copy`), and reads the answer (copied into `answerCopy`). */
export async function relay(upstream: Upstream, req: IncomingMessage, copy: BodyCopy, answerCopy: BodyCopy, cancellation: Cancellation): Promise<UpstreamAnswer> {
  const length = req.headers['content-length'];
  const hasBody = length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) req.resume();
  const body = hasBody ? (readsWhole(length) ? await whole(req, copy) : tapped(req, copy)) : undefined;
  return new Promise((resolve, reject) => {
    upstream.dispatcher.dispatch(
      {
        origin: upstream.origin,
        path: `${upstream.basePath}${req.url ?? '/'}`,
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: forwardedHeaderLines(req.rawHeaders, upstream.host),
        ...(body !== undefined ? { body } : {}),
        // The service decides how long an answer takes (a long poll: 25 s and more).
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      new AnswerReader(answerCopy, cancellation, resolve, reject),
    );
  });
}

/** The answer's whole body (a streamed one read to its end). */
export async function answerBody(answer: UpstreamAnswer): Promise<Buffer> {
  if (answer.whole !== undefined) return answer.whole;
  const chunks: Buffer[] = [];
  for await (const chunk of answer.stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Sends the upstream's answer to the client: a small body in one write, a large one streamed (backpressure kept). */
export async function pipeAnswer(answer: UpstreamAnswer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (answer.whole !== undefined) {
    res.writeHead(answer.statusCode, answerHeaders(answer, req)).end(answer.whole);
    return;
  }
  res.writeHead(answer.statusCode, answerHeaders(answer, req));
  for await (const chunk of answer.stream as AsyncIterable<Buffer>) {
    if (!res.write(chunk)) await once(res, 'drain');
  }
  res.end();
}

/**
 * The answer's headers (as undici's `request()` parses them) as the client gets them: everything but
 * this hop's. undici reads a value as UTF-8 and Node writes a header string as latin1, so each value
 * goes back to its UTF-8 bytes (the bytes that came, for a value that was UTF-8) rather than to
 * characters Node refuses to write.
 */
export function forwardedHeadersOut(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const named = connectionNamed(headers.connection);
  const asSent = (value: string) => (/[\u0080-\uffff]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value);
  for (const name in headers) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value !== undefined && !HOP_BY_HOP.has(lower) && !named.has(lower)) out[name] = Array.isArray(value) ? value.map(asSent) : asSent(value);
  }
  return out;
}

/**
 * The answer's headers for this client: an answer that comes before the client finished sending its
 * body (a 413 to a body too large) closes the connection, as the service's did, so that the client
 * does not send its next request down a line still busy with the last body.
 */
export function answerHeaders(answer: Pick<UpstreamAnswer, 'lines'>, req: IncomingMessage): string[] {
  return req.complete ? answer.lines : [...answer.lines, 'connection', 'close'];
}
