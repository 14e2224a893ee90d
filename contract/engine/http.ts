// Sends one request to the target with undici (the client behind Node's fetch, which itself refuses
// methods such as TRACE that the engine must try), bounded by the rate limiter and a timeout, and
// records the exchange with secrets masked: exchanges end up in findings and reports.
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import type { Exchange, RequestRecord } from './exchange.js';
import { responseRecord } from './exchange.js';
import type { TokenBucket } from './rate-limiter.js';
import { sendRaw } from './raw-http.js';

export interface RequestSpec {
  method: string;
  /** The path and query string, serialised (the real credential included). */
  target: string;
  /** Header parameters (besides Accept and Content-Type). */
  headers?: Record<string, string>;
  /** A JSON body; sent with `Content-Type: application/json` unless `rawBody` is given. */
  body?: unknown;
  /** A body sent as is, with `contentType`. */
  rawBody?: string;
  contentType?: string;
  timeoutMs?: number;
  /**
   * Header lines sent byte for byte (`Name: value`, latin1), over a plain socket: bytes no HTTP
   * client sends (a control character, a NUL), which servers must refuse cleanly.
   */
  rawHeaders?: string[];
}

export interface HttpClientOptions {
  baseUrl: string;
  timeoutMs: number;
  limiter?: TokenBucket;
  mask: (text: string) => string;
  /** Aborts every request in flight when the run is cut short. */
  signal?: AbortSignal;
  /** Sees every exchange (the HAR recorder). */
  onExchange?: (exchange: Exchange) => void;
}

export class HttpClient {
  readonly base: string;
  private readonly origin: string;
  private readonly basePath: string;

  constructor(private readonly options: HttpClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    const url = new URL(this.base);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
  }

  async send(spec: RequestSpec): Promise<Exchange> {
    const { mask } = this.options;
    const url = `${this.base}${spec.target}`;
    const hasBody = spec.rawBody !== undefined || spec.body !== undefined;
    const contentType = hasBody || spec.contentType !== undefined ? (spec.contentType ?? 'application/json') : undefined;
    const request: RequestRecord = { method: spec.method.toUpperCase(), url: mask(url) };
    if (contentType) request.contentType = contentType;
    const raw = Object.fromEntries((spec.rawHeaders ?? []).map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const sentHeaders = { ...spec.headers, ...raw };
    if (Object.keys(sentHeaders).length > 0) request.headers = Object.fromEntries(Object.entries(sentHeaders).map(([k, v]) => [k, mask(v)]));
    if (spec.rawBody !== undefined) request.body = request.rawBody = mask(spec.rawBody);
    else if (spec.body !== undefined) request.body = JSON.parse(mask(JSON.stringify(spec.body))) as unknown;

    await this.options.limiter?.take(this.options.signal);
    const timeout = AbortSignal.timeout(spec.timeoutMs ?? this.options.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
    const startedAt = Date.now();
    const started = performance.now();
    const exchange = await this.exchange(request, spec, contentType, signal, timeout, startedAt, started);
    this.options.onExchange?.(exchange);
    return exchange;
  }

  private async exchange(request: RequestRecord, spec: RequestSpec, contentType: string | undefined, signal: AbortSignal, timeout: AbortSignal, startedAt: number, started: number): Promise<Exchange> {
    const { mask } = this.options;
    try {
      if (spec.rawHeaders) {
        const headers = ['Accept: application/json', ...Object.entries(spec.headers ?? {}).map(([k, v]) => `${k}: ${v}`), ...(contentType ? [`Content-Type: ${contentType}`] : []), ...spec.rawHeaders];
        const body = spec.rawBody ?? (spec.body !== undefined ? JSON.stringify(spec.body) : undefined);
        const raw = await sendRaw({ method: request.method, origin: this.origin, path: `${this.basePath}${spec.target}`, headers, ...(body !== undefined ? { body } : {}), signal });
        const headersMasked = Object.fromEntries(Object.entries(raw.headers).map(([k, v]) => [k, mask(v)]));
        return { request, response: responseRecord(raw.status, headersMasked, mask(raw.body)), startedAt, durationMs: performance.now() - started };
      }
      // The dispatcher takes the path as written: no URL parser squashes `..` or re-encodes it.
      const response = await getGlobalDispatcher().request({
        origin: this.origin,
        path: `${this.basePath}${spec.target}`,
        // Any method token, the ones a description never lists included (TRACE, unknown ones).
        method: request.method as Dispatcher.HttpMethod,
        headers: { accept: 'application/json', ...spec.headers, ...(contentType ? { 'content-type': contentType } : {}) },
        body: spec.rawBody ?? (spec.body !== undefined ? JSON.stringify(spec.body) : undefined),
        signal,
      });
      const text = mask(await response.body.text());
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = mask(Array.isArray(value) ? value.join(', ') : value);
      }
      return { request, response: responseRecord(response.statusCode, headers, text), startedAt, durationMs: performance.now() - started };
    } catch (error) {
      const durationMs = performance.now() - started;
      if (this.options.signal?.aborted) return { request, error: { kind: 'aborted', message: 'the run was cut short' }, startedAt, durationMs };
      if (timeout.aborted) {
        return { request, error: { kind: 'timeout', message: `no response within ${spec.timeoutMs ?? this.options.timeoutMs} ms` }, startedAt, durationMs };
      }
      return { request, error: { kind: 'network', message: networkMessage(error) }, startedAt, durationMs };
    }
  }
}

/** `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9`, whether the error or its `cause` carries the code. */
function networkMessage(error: unknown): string {
  const withCode = (error as { code?: string; message?: string; cause?: { code?: string; message?: string } });
  const source = withCode.cause?.code ? withCode.cause : withCode;
  return source.code ? `${source.code}: ${source.message ?? ''}`.trim() : ((error as Error).message ?? String(error));
}
