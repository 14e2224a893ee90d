// What keeps a run to its own data on a real deployment: ids it owns (made with the run's prefix),
// resources it made itself, and a guard that refuses any request naming another id.
import { randomBytes } from 'node:crypto';
import type { Obj } from '../../../description/pointer.js';
import type { ParamValue } from './parameters.js';
import { decodeLeniently } from './parameters.js';

/** A short id that makes this run's ids unique: `contract-<runId>-<n>`. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export class OwnedIds {
  private next = 1;
  readonly prefix: string;

  constructor(readonly runId: string) {
    this.prefix = `contract-${runId}-`;
  }

  /** An id no one else uses. */
  create(): string {
    return `${this.prefix}${this.next++}`;
  }

  owns(id: unknown): boolean {
    return typeof id === 'string' && id.startsWith(this.prefix);
  }
}

/**
 * The values a request is built with, by parameter or body-member name: the run's own ids and the
 * resources it made (`{ clientId: ['contract-…-3'], questionId: ['q-1', 'q-2'] }`). A parameter takes
 * the first value; distinct example values in a body are mapped onto them in turn.
 */
export type Bindings = Readonly<Record<string, readonly string[]>>;

/**
 * Replaces every member named in `bindings` (at any depth) by a bound value, each distinct example
 * value by the next bound one; drops array items that end up naming the same resource twice (a
 * batch must not set one message twice). `unique`: the names whose values name resources.
 */
export function bindIds(value: unknown, bindings: Bindings, unique: ReadonlySet<string>): unknown {
  const mappings = new Map<string, Map<string, string>>();
  const bound = (name: string, example: string): string => {
    const values = bindings[name]!;
    let mapping = mappings.get(name);
    if (!mapping) mappings.set(name, (mapping = new Map()));
    if (!mapping.has(example)) mapping.set(example, values[mapping.size % values.length]!);
    return mapping.get(example)!;
  };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      const seen = new Set<string>();
      return node.map(walk).filter((item) => {
        for (const name of unique) {
          const v = (item as Obj | null)?.[name];
          if (typeof v !== 'string') continue;
          const key = `${name}\u0000${v}`;
          if (seen.has(key)) return false;
          seen.add(key);
        }
        return true;
      });
    }
    if (node === null || typeof node !== 'object') return node;
    const copy: Obj = {};
    for (const [key, child] of Object.entries(node)) {
      const values = bindings[key];
      copy[key] = values && values.length > 0 && (typeof child === 'string' || typeof child === 'number') ? bound(key, String(child)) : walk(child);
    }
    return copy;
  };
  return walk(value);
}

export class UnsafeRequestError extends Error {}

/** Where a request names things, before it is put on the wire. */
export interface RequestNames {
  path: Record<string, ParamValue>;
  /** Path segments sent as written (malformed escapes): judged as decoded. */
  rawPath?: Record<string, string>;
  query: Record<string, ParamValue>;
  rawQuery?: string;
  headers?: Record<string, ParamValue>;
  body?: unknown;
}

/**
 * Refuses a request that names an owned id this run did not make, wherever it appears (a path
 * parameter, a query parameter or header, a top-level body member): the last line of defence should
 * a generator ever let an example's `user-42` through.
 */
export function assertOwned(ids: OwnedIds, names: readonly string[], request: RequestNames): void {
  const found: unknown[] = [];
  for (const name of names) {
    for (const bag of [request.path, request.query, request.headers ?? {}]) if (name in bag) found.push(bag[name]);
    if (request.rawPath && name in request.rawPath) found.push(decodeLeniently(request.rawPath[name]!));
    for (const [key, value] of new URLSearchParams(request.rawQuery ?? '')) if (key === name) found.push(value);
    const body = request.body;
    if (body && typeof body === 'object' && !Array.isArray(body) && name in body) found.push((body as Obj)[name]);
  }
  for (const id of found) {
    if (!namesNothingElse(ids, id)) throw new UnsafeRequestError(`refusing to send a request for ${JSON.stringify(id)}: not an id of this run's`);
  }
}

/**
 * A value that can only reach the run's own: one of its ids, or a value that names nothing at all
 * (empty, null, or a wrongly typed wrapper of own ids, which a server that coerces it still reads as
 * ours). A number or another string could be someone else's.
 */
function namesNothingElse(ids: OwnedIds, value: unknown): boolean {
  if (value === '' || value === null || value === undefined) return true;
  if (typeof value === 'string') return ids.owns(value);
  if (Array.isArray(value)) return value.every((item) => namesNothingElse(ids, item));
  if (typeof value === 'object') return Object.values(value).every((item) => namesNothingElse(ids, item));
  return false;
}

/** Replaces every occurrence of each secret (also URL-encoded) so that no output carries it. */
export function secretMasker(secrets: readonly string[]): (text: string) => string {
  const forms = [...new Set(secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]))].filter((form) => form.length > 0).sort((a, b) => b.length - a.length);
  return (text) => forms.reduce((masked, form) => masked.split(form).join('***'), text);
}
