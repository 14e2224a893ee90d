// One HTTP exchange as the engine records and judges it: whoever sent it (the engine's own run, the
// proxy, a HAR file), the judges see this shape and nothing else. Secrets are masked before a
// record is made, so that whatever prints or stores a record cannot leak them.

export interface RequestRecord {
  method: string;
  /** The absolute URL, secrets masked. */
  url: string;
  contentType?: string;
  /** Headers sent besides Accept and Content-Type (names in lower case), secrets masked. */
  headers?: Record<string, string>;
  /** The body: parsed JSON when it parsed, else its text. */
  body?: unknown;
  /** The body as sent, when it was not JSON.stringify of `body` (malformed JSON, another media type). */
  rawBody?: string;
}

export interface ResponseRecord {
  status: number;
  contentType: string | null;
  /** Response headers, names in lower case, secrets masked. */
  headers: Record<string, string>;
  /** The body as text (decoded), secrets masked. */
  text: string;
  /** The parsed JSON body, when it parsed. */
  json?: unknown;
  jsonError?: string;
}

export type ExchangeErrorKind = 'timeout' | 'network' | 'aborted';

export interface Exchange {
  request: RequestRecord;
  response?: ResponseRecord;
  /** Why there is no response. */
  error?: { kind: ExchangeErrorKind; message: string };
  /** When the request started (epoch ms). */
  startedAt: number;
  durationMs: number;
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaTypeOf(contentType: string | null | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/** A response record from a body's text: parsed as JSON when the text is JSON. */
export function responseRecord(status: number, headers: Record<string, string>, text: string): ResponseRecord {
  const record: ResponseRecord = { status, contentType: headers['content-type'] ?? null, headers, text };
  if (text.length > 0) {
    try {
      record.json = JSON.parse(text) as unknown;
    } catch (error) {
      record.jsonError = (error as Error).message;
    }
  }
  return record;
}

/** The body of a request as sent (text), from its record. */
export function requestBodyText(request: RequestRecord): string | undefined {
  return request.rawBody ?? (request.body !== undefined ? JSON.stringify(request.body) : undefined);
}

/** A shell line that sends the recorded request again (secrets stay masked as `***`). */
export function curlLine(request: RequestRecord): string {
  const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
  const parts = ['curl', '-sS', '-i', '-X', request.method, quote(request.url)];
  for (const [name, value] of Object.entries(request.headers ?? {})) parts.push('-H', quote(`${name}: ${value}`));
  if (request.contentType) parts.push('-H', quote(`content-type: ${request.contentType}`));
  const body = requestBodyText(request);
  if (body !== undefined) parts.push('--data-raw', quote(body));
  return parts.join(' ');
}
