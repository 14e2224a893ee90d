// What keeps a run safe against a real deployment: only the run's own clientIds, only calls with no
// lasting effect under --read-only, and no token in any output.
import { randomBytes } from 'node:crypto';
import type { OperationSpec } from '../description/operations.js';

/**
 * Operations with no lasting effect, as the description marks them (`x-read-only: true`, which its
 * lint rule requires on every operation): the only ones --read-only calls. An operation without the
 * mark counts as writing (the HTTP method is no guide: `GET /chatapi/{token}` sends a message).
 */
export function readOnlyOperations(operations: readonly OperationSpec[]): ReadonlySet<string> {
  return new Set(operations.filter((op) => op.readOnly).map((op) => op.operationId));
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
export function assertOwnClients(ids: ClientIds, path: string, query: Record<string, string>, body: unknown, rawQuery?: string): void {
  const found: unknown[] = [];
  const inPath = /\/client\/([^/?]*)/.exec(path)?.[1];
  if (inPath !== undefined) found.push(decodeLeniently(inPath));
  if ('clientId' in query) found.push(query.clientId);
  for (const [name, value] of new URLSearchParams(rawQuery ?? '')) if (name === 'clientId') found.push(value);
  if (body && typeof body === 'object' && !Array.isArray(body) && 'clientId' in body) found.push((body as Record<string, unknown>).clientId);
  for (const clientId of found) {
    if (!namesNoOtherClient(ids, clientId)) throw new UnsafeRequestError(`refusing to send a request for clientId ${JSON.stringify(clientId)}: not one of this run's`);
  }
}

/**
 * A value that can only reach the run's own clients: one of its ids, or a value that names no
 * client at all (empty, null, or a wrongly typed wrapper of own ids, which a server that coerces
 * it still reads as ours). A number or another string could be someone else's client.
 */
function namesNoOtherClient(ids: ClientIds, value: unknown): boolean {
  if (value === '' || value === null || value === undefined) return true;
  if (typeof value === 'string') return ids.owns(value);
  if (Array.isArray(value)) return value.every((item) => namesNoOtherClient(ids, item));
  if (typeof value === 'object') return Object.values(value).every((item) => namesNoOtherClient(ids, item));
  return false;
}

/** A path segment decoded; a malformed percent escape (sent on purpose) is judged as written. */
function decodeLeniently(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Replaces every occurrence of the token (also URL-encoded) so that no output carries it. */
export function tokenMasker(token: string): (text: string) => string {
  const forms = [...new Set([token, encodeURIComponent(token)])].filter((form) => form.length > 0);
  return (text) => forms.reduce((masked, form) => masked.split(form).join('***'), text);
}
