// Sends one request to the target with node's fetch, bounded by the rate limiter and a timeout,
// and records the exchange with the token masked: exchanges end up in violations and reports.
import type { TokenBucket } from './rate-limiter.js';

export interface RequestSpec {
  method: string;
  /** The path with its parameters filled in (the real token included). */
  path: string;
  query?: Record<string, string>;
  /** A query string sent as is, after `query` (malformed percent escapes, for the coverage phase). */
  rawQuery?: string;
  /** Extra request headers (header parameters). */
  headers?: Record<string, string>;
  /** A JSON body; sent with `Content-Type: application/json` unless `rawBody` is given. */
  body?: unknown;
  /** A body sent as is, with `contentType`: for negative checks. */
  rawBody?: string;
  contentType?: string;
  timeoutMs?: number;
}

export interface RequestRecord {
  method: string;
  /** The URL with the token masked. */
  url: string;
  contentType?: string;
  /** Header parameters sent, besides Accept and Content-Type. */
  headers?: Record<string, string>;
  body?: unknown;
  /** The body as sent, when it was not JSON.stringify of `body`. */
  rawBody?: string;
}

export interface ResponseRecord {
  status: number;
  contentType: string | null;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
  /** The body as text, with the token masked. */
  text: string;
  /** The parsed JSON body, when it parsed. */
  json?: unknown;
  jsonError?: string;
}

export interface Exchange {
  request: RequestRecord;
  response?: ResponseRecord;
  /** Why there is no response. */
  error?: { kind: 'timeout' | 'network' | 'aborted'; message: string };
  durationMs: number;
}

export interface HttpClientOptions {
  baseUrl: string;
  timeoutMs: number;
  limiter?: TokenBucket;
  mask: (text: string) => string;
  /** Aborts every request in flight when the run is cut short. */
  signal?: AbortSignal;
  /** Sees every request before it is sent (used to refuse other clients' ids). */
  guard?: (spec: RequestSpec) => void;
}

export class HttpClient {
  private readonly base: string;

  constructor(private readonly options: HttpClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  url(spec: Pick<RequestSpec, 'path' | 'query' | 'rawQuery'>): string {
    // Percent-encoding (space as %20), not URLSearchParams' form encoding: OpenAPI's query style
    // counts `+` among the reserved characters a strict server may refuse.
    const parts = Object.entries(spec.query ?? {}).map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
    if (spec.rawQuery) parts.push(spec.rawQuery);
    const query = parts.join('&');
    return `${this.base}${spec.path}${query ? `?${query}` : ''}`;
  }

  async send(spec: RequestSpec): Promise<Exchange> {
    this.options.guard?.(spec);
    const { mask } = this.options;
    const url = this.url(spec);
    const hasBody = spec.rawBody !== undefined || spec.body !== undefined;
    const contentType = hasBody ? (spec.contentType ?? 'application/json') : undefined;
    const request: RequestRecord = { method: spec.method.toUpperCase(), url: mask(url) };
    if (contentType) request.contentType = contentType;
    if (spec.headers && Object.keys(spec.headers).length > 0) request.headers = spec.headers;
    if (spec.rawBody !== undefined) request.body = request.rawBody = mask(spec.rawBody);
    else if (spec.body !== undefined) request.body = JSON.parse(mask(JSON.stringify(spec.body))) as unknown;

    await this.options.limiter?.take(this.options.signal);
    const timeout = AbortSignal.timeout(spec.timeoutMs ?? this.options.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: request.method,
        headers: { accept: 'application/json', ...spec.headers, ...(contentType ? { 'content-type': contentType } : {}) },
        body: spec.rawBody ?? (spec.body !== undefined ? JSON.stringify(spec.body) : undefined),
        signal,
        redirect: 'manual',
      });
      const text = mask(await response.text());
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = mask(value);
      });
      const record: ResponseRecord = { status: response.status, contentType: response.headers.get('content-type'), headers, text };
      if (text.length > 0) {
        try {
          record.json = JSON.parse(text) as unknown;
        } catch (error) {
          record.jsonError = (error as Error).message;
        }
      }
      return { request, response: record, durationMs: performance.now() - started };
    } catch (error) {
      const durationMs = performance.now() - started;
      if (this.options.signal?.aborted) return { request, error: { kind: 'aborted', message: 'the run was cut short' }, durationMs };
      if (timeout.aborted) {
        return { request, error: { kind: 'timeout', message: `no response within ${spec.timeoutMs ?? this.options.timeoutMs} ms` }, durationMs };
      }
      return { request, error: { kind: 'network', message: networkMessage(error) }, durationMs };
    }
  }
}

/** fetch's "fetch failed" hides the reason in `cause`. */
function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${cause.code}: ${cause.message ?? ''}`.trim() : ((error as Error).message ?? String(error));
}

/** A shell line that sends the recorded request again (the token stays masked as `***`). */
export function curlLine(request: RequestRecord): string {
  const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
  const parts = ['curl', '-sS', '-i', '-X', request.method, quote(request.url)];
  for (const [name, value] of Object.entries(request.headers ?? {})) parts.push('-H', quote(`${name}: ${value}`));
  if (request.contentType) parts.push('-H', quote(`content-type: ${request.contentType}`));
  const body = request.rawBody ?? (request.body !== undefined ? JSON.stringify(request.body) : undefined);
  if (body !== undefined) parts.push('--data-raw', quote(body));
  return parts.join(' ');
}
