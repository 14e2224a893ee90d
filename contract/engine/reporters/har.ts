// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), written and read. Every exchange the
// engine records becomes an entry, with what the engine knows of it in `_chatapi` (its operation,
// its findings, the case it tried); a HAR from elsewhere (a browser's devtools, a proxy) is read back
// into exchanges to judge. Records are masked before they get here: a HAR never holds a secret.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { mediaTypeOf, requestBodyText, responseRecord, type Exchange, type RequestRecord } from '../exchange.js';
import type { Finding } from '../findings.js';

export interface HarHeader {
  name: string;
  value: string;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: unknown[];
    headers: HarHeader[];
    queryString: HarHeader[];
    postData?: { mimeType: string; text: string; encoding?: string };
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: unknown[];
    headers: HarHeader[];
    content: { size: number; mimeType: string; text?: string; encoding?: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
    _error?: string;
  };
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  /** What chatapi-contract knows of the exchange. */
  _chatapi?: HarAnnotation;
}

export interface HarAnnotation {
  /** The operation the exchange was matched to (or the webhook's). */
  operationId?: string;
  findings: Finding[];
  /** What the request tried (a coverage case, a link); for the proxy, the direction. */
  case?: string;
  direction?: 'forward' | 'webhook';
  /** How long a long poll was held before its answer. */
  heldMs?: number;
  [key: string]: unknown;
}

export interface Har {
  log: { version: string; creator: { name: string; version: string }; pages?: unknown[]; entries: HarEntry[] };
}

const headerList = (headers: Record<string, string> | undefined): HarHeader[] => Object.entries(headers ?? {}).map(([name, value]) => ({ name, value }));

function queryString(url: string): HarHeader[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

/** One entry, from a recorded exchange (already masked). */
export function harEntry(exchange: Exchange, annotation?: HarAnnotation): HarEntry {
  const { request, response } = exchange;
  const body = requestBodyText(request);
  const requestHeaders = { ...(request.headers ?? {}), ...(request.contentType ? { 'content-type': request.contentType } : {}) };
  const entry: HarEntry = {
    startedDateTime: new Date(exchange.startedAt).toISOString(),
    time: Math.round(exchange.durationMs * 1000) / 1000,
    request: {
      method: request.method,
      url: request.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: headerList(requestHeaders),
      queryString: queryString(request.url),
      ...(body !== undefined ? { postData: { mimeType: request.contentType ?? 'application/octet-stream', text: body } } : {}),
      headersSize: -1,
      bodySize: body === undefined ? 0 : Buffer.byteLength(body),
    },
    response: response
      ? {
          status: response.status,
          statusText: '',
          httpVersion: 'HTTP/1.1',
          cookies: [],
          headers: headerList(response.headers),
          content: { size: Buffer.byteLength(response.text), mimeType: response.contentType ?? '', text: response.text },
          redirectURL: response.headers.location ?? '',
          headersSize: -1,
          bodySize: Buffer.byteLength(response.text),
        }
      : { status: 0, statusText: '', httpVersion: '', cookies: [], headers: [], content: { size: 0, mimeType: '' }, redirectURL: '', headersSize: -1, bodySize: -1, _error: exchange.error?.message ?? 'no response' },
    cache: {},
    timings: { send: 0, wait: Math.round(exchange.durationMs * 1000) / 1000, receive: 0 },
  };
  if (annotation) entry._chatapi = annotation;
  return entry;
}

export function harLog(entries: HarEntry[], creator: { name: string; version: string }): Har {
  return { log: { version: '1.2', creator, pages: [], entries } };
}

export function writeHar(file: string, har: Har): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(har, null, 2)}\n`);
}

export class HarError extends Error {}

/** The HAR in a file's text, checked for the parts every reader needs. */
export function parseHar(text: string, file: string): Har {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HarError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const entries = (value as Har | undefined)?.log?.entries;
  if (!Array.isArray(entries)) throw new HarError(`${file} is not a HAR file: it has no log.entries`);
  entries.forEach((entry, index) => {
    if (typeof entry?.request?.method !== 'string' || typeof entry.request.url !== 'string' || typeof entry.response?.status !== 'number') {
      throw new HarError(`${file}: entry ${index} has no request method and URL or no response status`);
    }
  });
  return value as Har;
}

const lowerHeaders = (headers: HarHeader[] | undefined): Record<string, string> => {
  const record: Record<string, string> = {};
  for (const { name, value } of headers ?? []) {
    const key = name.toLowerCase();
    // Pseudo-headers of HTTP/2 exports carry nothing the judges read.
    if (key.startsWith(':')) continue;
    record[key] = record[key] === undefined ? value : `${record[key]}, ${value}`;
  }
  return record;
};

/** The text of a HAR body (base64 when its `encoding` says so). */
function bodyText(content: { text?: string; encoding?: string } | undefined): string | undefined {
  if (content?.text === undefined) return undefined;
  return content.encoding === 'base64' ? Buffer.from(content.text, 'base64').toString('utf8') : content.text;
}

/** An entry as the engine's exchange; `mask` hides secrets a HAR from elsewhere may hold. */
export function exchangeOf(entry: HarEntry, mask: (text: string) => string = (t) => t): Exchange {
  const headers = lowerHeaders(entry.request.headers);
  const { 'content-type': contentType, ...rest } = headers;
  const request: RequestRecord = { method: entry.request.method.toUpperCase(), url: mask(entry.request.url) };
  const sent = bodyText(entry.request.postData);
  const type = contentType ?? entry.request.postData?.mimeType;
  if (type) request.contentType = type;
  const extra = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, mask(v)]));
  if (Object.keys(extra).length > 0) request.headers = extra;
  if (sent !== undefined && sent !== '') {
    const text = mask(sent);
    if (mediaTypeOf(type)?.endsWith('json')) {
      try {
        request.body = JSON.parse(text) as unknown;
        if (JSON.stringify(request.body) !== text) request.rawBody = text;
      } catch {
        request.body = request.rawBody = text;
      }
    } else request.body = request.rawBody = text;
  }
  const startedAt = Date.parse(entry.startedDateTime);
  const exchange: Exchange = { request, startedAt: Number.isNaN(startedAt) ? 0 : startedAt, durationMs: entry.time ?? 0 };
  if (entry.response.status > 0) {
    const responseHeaders = Object.fromEntries(Object.entries(lowerHeaders(entry.response.headers)).map(([k, v]) => [k, mask(v)]));
    if (responseHeaders['content-type'] === undefined && entry.response.content?.mimeType) responseHeaders['content-type'] = entry.response.content.mimeType;
    exchange.response = responseRecord(entry.response.status, responseHeaders, mask(bodyText(entry.response.content) ?? ''));
  } else {
    exchange.error = { kind: 'network', message: entry.response._error ?? 'no response recorded' };
  }
  return exchange;
}
