// What keeps a run safe against a real deployment: only the run's own clientIds, only calls with no
// lasting effect under --read-only, and no token in any output.
import { randomBytes } from 'node:crypto';

/**
 * Operations with no lasting effect, by operationId: the only ones --read-only calls. An allowlist
 * on purpose: an operation added to the description later counts as writing until it is listed
 * here (the HTTP method is no guide: `GET /chatapi/{token}` sends a message).
 */
export const READ_ONLY_OPERATIONS: ReadonlySet<string> = new Set([
  'getEvents',
  'getHistory',
  'loadState',
  'getMessageStatus',
  'getNotReadCount',
]);

export function isReadOnly(operationId: string): boolean {
  return READ_ONLY_OPERATIONS.has(operationId);
}

/** A short id that makes this run's clientIds unique: `contract-<runId>-<n>`. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export class ClientIds {
  private next = 1;
  readonly prefix: string;

  constructor(readonly runId: string) {
    this.prefix = `contract-${runId}-`;
  }

  /** A clientId no one else uses. */
  create(): string {
    return `${this.prefix}${this.next++}`;
  }

  owns(clientId: unknown): boolean {
    return typeof clientId === 'string' && clientId.startsWith(this.prefix);
  }
}

export class UnsafeRequestError extends Error {}

/**
 * Refuses a request that names a clientId this run did not create, wherever it appears (path
 * segment after `/client/`, query parameter, top-level body field): the last line of defence
 * should a request builder ever let an example's `user-42` through.
 */
export function assertOwnClients(ids: ClientIds, path: string, query: Record<string, string>, body: unknown): void {
  const found: unknown[] = [];
  const inPath = /\/client\/([^/]+)/.exec(path)?.[1];
  if (inPath !== undefined) found.push(decodeURIComponent(inPath));
  if ('clientId' in query) found.push(query.clientId);
  if (body && typeof body === 'object' && !Array.isArray(body) && 'clientId' in body) {
    const value = (body as Record<string, unknown>).clientId;
    // A wrongly typed clientId in a negative check is an array holding an own id: unwrap it.
    found.push(Array.isArray(value) ? value[0] : value);
  }
  for (const clientId of found) {
    if (!ids.owns(clientId)) throw new UnsafeRequestError(`refusing to send a request for clientId ${JSON.stringify(clientId)}: not one of this run's`);
  }
}

/** Replaces every occurrence of the token (also URL-encoded) so that no output carries it. */
export function tokenMasker(token: string): (text: string) => string {
  const forms = [...new Set([token, encodeURIComponent(token)])].filter((form) => form.length > 0);
  return (text) => forms.reduce((masked, form) => masked.split(form).join('***'), text);
}
