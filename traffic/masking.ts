// Secrets never written: traffic the toolkit did not make carries tokens it was not given. The
// credential is learned from the paths it travels in (the description says which path parameter
// holds it) and masked wherever it appears after that; credentials in headers (Authorization,
// cookies) and any body member named like a secret are masked whatever their value.
import type { Exchange, RequestRecord, ResponseRecord } from '../contract/engine/exchange.js';
import { secretMasker } from '../contract/engine/requests/ids.js';

/** Headers whose whole value is a credential. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token']);
/** Body members (at any depth) whose value is a credential. */
const SECRET_KEY = /token|secret|password|passwd|api[-_]?key|authorization/i;

export const MASK = '***';

export class SecretMasker {
  private readonly secrets = new Set<string>();
  private mask: (text: string) => string = (text) => text;

  /** Remembers a secret seen on the wire (a channel token in a path): masked from now on, everywhere. */
  learn(secret: string): void {
    if (secret === '' || secret === MASK || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.mask = secretMasker([...this.secrets]);
  }

  text(text: string): string {
    return this.mask(text);
  }

  headers(headers: Record<string, string> | undefined): Record<string, string> | undefined {
    if (!headers) return undefined;
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADERS.has(name.toLowerCase()) ? MASK : this.mask(value)]));
  }

  /** A JSON value with every secret-named member masked and every learned secret replaced. */
  json(value: unknown): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (Array.isArray(value)) return value.map((item) => this.json(item));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) && (typeof item === 'string' || typeof item === 'number') ? MASK : this.json(item)]));
    }
    return value;
  }

  /** A body's text: JSON with its secret members masked, or plain text with learned secrets replaced. */
  bodyText(text: string): string {
    try {
      return JSON.stringify(this.json(JSON.parse(text)));
    } catch {
      return this.mask(text);
    }
  }

  request(request: RequestRecord): RequestRecord {
    const masked: RequestRecord = { ...request, url: this.mask(request.url) };
    const headers = this.headers(request.headers);
    if (headers) masked.headers = headers;
    if (request.rawBody !== undefined) masked.rawBody = this.bodyText(request.rawBody);
    if (request.body !== undefined) masked.body = typeof request.body === 'string' ? this.bodyText(request.body) : this.json(request.body);
    return masked;
  }

  response(response: ResponseRecord): ResponseRecord {
    // A JSON body is masked once, its text written from the masked value (as bodyText would write it).
    const json = response.json !== undefined ? this.json(response.json) : undefined;
    const masked: ResponseRecord = { ...response, headers: this.headers(response.headers) ?? {}, text: json !== undefined ? JSON.stringify(json) : this.bodyText(response.text) };
    if (json !== undefined) masked.json = json;
    return masked;
  }

  exchange(exchange: Exchange): Exchange {
    return { ...exchange, request: this.request(exchange.request), ...(exchange.response ? { response: this.response(exchange.response) } : {}) };
  }
}
