// The coverage phase's cases and the fuzz phase's mutations: a valid request with one thing
// changed, in every parameter location and in the body. Whether a changed request is still valid
// is decided against the description (draft.ts), never by the label that says what was changed.
import type { OperationSpec, ParameterSpec } from '../../../description/operations.js';
import type { Obj } from '../../../description/pointer.js';
import type { RequestDraft, ValidityContext } from './draft.js';
import { parameterText, textLength } from './parameters.js';
import { asSchema, branchesOf, mergeAllOf, objectProperties, typeOf } from './schema-walk.js';
import { boundaryValues } from './values.js';

/** A malformed percent escape (a truncated UTF-8 sequence): what broken clients and scanners send. */
export const MALFORMED_ESCAPE = '%E0%A4%A';

/**
 * The longest parameter the phases send. Servers cap the request line and headers (8 KB by default
 * on the JVM's Tomcat and on nginx, 16 KB on Node) and answer longer ones with 414/431 before any
 * operation is reached: past that, a status says nothing about the operation.
 */
export const MAX_PARAMETER_LENGTH = 8000;

/** Odd path segments: [label, value, whether the value goes on the wire as written]. */
const PATH_ODDITIES: ReadonlyArray<readonly [string, string, boolean]> = [
  ['a NUL character (%00)', 'a\u0000b', false],
  ['a control character (%07)', 'a\u0007b', false],
  ['a backslash (%5C)', 'a\\b', false],
  ['a dot segment (..)', '..', true],
  ['a dot segment (.)', '.', true],
  ['an encoded dot segment (%2E%2E)', '%2E%2E', true],
];

/** Header lines no HTTP client sends, and long ones: [label, line]. */
const HEADER_ODDITIES: ReadonlyArray<readonly [string, string]> = [
  ['a control character (U+0001) in a header value', 'X-Contract-Probe: a\u0001b'],
  ['a NUL in a header value', 'X-Contract-Probe: a\u0000b'],
  ['a non-ASCII byte (obs-text, 0xE9) in a header value', 'X-Contract-Probe: caf\u00e9'],
  ['a header of 9 KiB', `X-Contract-Probe: ${'a'.repeat(9 * 1024)}`],
  ['headers of 20 KiB', `X-Contract-Probe: ${'a'.repeat(20 * 1024)}`],
];

/** A change to a valid request: what the coverage phase sends, and the fuzz phase's mutations. */
export interface Mutation {
  label: string;
  apply(request: RequestDraft): RequestDraft | undefined;
}

export interface CaseContext extends ValidityContext {
  /** The run's id prefix: every owned id sent starts with it. */
  prefix: string;
  /** --read-only: no case may reach another operation (a dot segment resolved to a writing one). */
  readOnly?: boolean;
  /** Names (parameters, body members) of the ids the run owns. */
  ownedIds: ReadonlySet<string>;
}

/** A JSON-safe copy of a boundary value (2^63 as a double in a body). */
function jsonValue(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

function bagOf(request: RequestDraft, where: ParameterSpec['in']): Record<string, unknown> | undefined {
  return where === 'path' ? request.path : where === 'query' ? request.query : where === 'header' ? request.headers : undefined;
}

function setParameter(request: RequestDraft, p: ParameterSpec, value: RequestDraft['query'][string] | undefined): RequestDraft {
  const copy: RequestDraft = { ...request, path: { ...request.path }, query: { ...request.query }, headers: { ...request.headers } };
  const bag = bagOf(copy, p.in)!;
  if (value === undefined) delete bag[p.name];
  else bag[p.name] = value;
  return copy;
}

function parameterMutations(ctx: CaseContext, p: ParameterSpec): Mutation[] {
  if (p.in === 'cookie') return [];
  const prefix = ctx.ownedIds.has(p.name) ? ctx.prefix : '';
  const where = `${p.in} parameter ${p.name}`;
  const mutations: Mutation[] = [];
  for (const { label, value } of boundaryValues(p.schema, { prefix })) {
    // Scalars only: a wrongly typed array or object has no text form a client would send.
    if (value === null || typeof value === 'object') continue;
    const text = parameterText(value);
    if (textLength(text) > MAX_PARAMETER_LENGTH) continue;
    mutations.push({ label: `${where}: ${label}`, apply: (r) => setParameter(r, p, text) });
  }
  if (p.in === 'query' || p.in === 'header') mutations.push({ label: `${where} left out`, apply: (r) => setParameter(r, p, undefined) });
  if (p.in === 'query') {
    mutations.push({
      label: `${where}: a malformed percent escape`,
      apply: (r) => ({ ...setParameter(r, p, undefined), rawQuery: `${encodeURIComponent(p.name)}=${encodeURIComponent(prefix)}${MALFORMED_ESCAPE}` }),
    });
  }
  if (p.in === 'path') {
    // What scanners and broken clients put in a path segment; a server may resolve a dot segment (or
    // its encoded form) before any operation sees it, so only a documented answer without a crash is asked.
    for (const [label, value, encoded] of PATH_ODDITIES) {
      // An owned id must stay one of the run's: a dot segment cannot carry the run's prefix. And a
      // resolved dot segment may land on any operation, a writing one too: not under --read-only.
      if (encoded && (prefix || ctx.readOnly)) continue;
      mutations.push({
        label: `${where}: ${label}`,
        apply: (r) => ({
          ...r,
          ...(encoded ? { rawPath: { ...r.rawPath, [p.name]: value }, judges: ['not_a_server_error'] } : { path: { ...r.path, [p.name]: prefix + value } }),
          unspecified: label,
        }),
      });
    }
    mutations.push({ label: `${where}: an empty segment`, apply: (r) => setParameter(r, p, '') });
    mutations.push({
      label: `${where}: a malformed percent escape`,
      apply: (r) => ({ ...r, rawPath: { ...r.rawPath, [p.name]: `${encodeURIComponent(prefix || String(r.path[p.name] ?? ''))}${MALFORMED_ESCAPE}` } }),
    });
  }
  return mutations;
}

const REMOVE = Symbol('remove');

function setMember(body: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(body) && typeof head === 'number') {
    const copy = [...body];
    if (rest.length === 0 && value === REMOVE) copy.splice(head, 1);
    else copy[head] = setMember(copy[head], rest, value);
    return copy;
  }
  const copy: Obj = { ...(body as Obj) };
  if (rest.length === 0 && value === REMOVE) delete copy[String(head)];
  else copy[String(head)] = setMember(copy[String(head)], rest, value);
  return copy;
}

function memberMutations(ctx: CaseContext, schema: Obj, at: Array<string | number>, depth: number): Mutation[] {
  if (depth > 2) return [];
  const mutations: Mutation[] = [];
  const { properties, required } = objectProperties(schema);
  const where = (key: string) => `body /${[...at, key].join('/')}`;
  const change = (key: string, value: unknown) => (r: RequestDraft) => (r.body === undefined ? undefined : { ...r, body: setMember(r.body, [...at, key], value) });
  for (const [key, rawChild] of Object.entries(properties)) {
    const child = mergeAllOf(asSchema(rawChild));
    const prefix = ctx.ownedIds.has(key) ? ctx.prefix : '';
    for (const { label, value } of boundaryValues(child, { prefix })) mutations.push({ label: `${where(key)}: ${label}`, apply: change(key, jsonValue(value)) });
    mutations.push({ label: `${where(key)} left out`, apply: change(key, REMOVE) });
    if (typeOf(child) === 'array') {
      const items = mergeAllOf(asSchema(child.items));
      if (typeOf(items) === 'object') mutations.push(...memberMutations(ctx, items, [...at, key, 0], depth + 1));
      mutations.push({ label: `${where(key)}: an empty array`, apply: change(key, []) });
      if (typeof child.maxItems === 'number') {
        const max = child.maxItems;
        mutations.push({
          label: `${where(key)}: more items than the maximum (${max + 1})`,
          apply: (r) => {
            const list = (r.body as Obj | undefined)?.[key];
            return Array.isArray(list) && list.length > 0 ? { ...r, body: setMember(r.body, [...at, key], Array.from({ length: max + 1 }, (_, i) => list[i % list.length])) } : undefined;
          },
        });
      }
    } else if (typeOf(child) === 'object' && child.properties) {
      mutations.push(...memberMutations(ctx, child, [...at, key], depth + 1));
    }
  }
  if (required.length > 0 && at.length === 0) {
    mutations.push({ label: 'body: an unknown member', apply: (r) => (r.body && typeof r.body === 'object' && !Array.isArray(r.body) ? { ...r, body: { ...(r.body as Obj), contractUnknownMember: 'x' } } : undefined) });
  }
  return mutations;
}

/** Every string member of the body (ids the run owns and enum values aside) with non-ASCII text appended. */
function withText(body: unknown, keep: (key: string) => boolean): unknown {
  if (typeof body === 'string') return `${body} é日本👍`;
  if (Array.isArray(body)) return body.map((item) => withText(item, keep));
  if (body && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, keep(k) ? v : withText(v, keep)]));
  return body;
}

/** Names of members whose values must stay as they are to mean anything (enums, the run's ids). */
function fixedMembers(ctx: CaseContext, schema: Obj): Set<string> {
  const fixed = new Set(ctx.ownedIds);
  const visit = (node: Obj, depth: number) => {
    if (depth > 4) return;
    for (const [key, child] of Object.entries(objectProperties(node).properties)) {
      const flat = mergeAllOf(asSchema(child));
      if (Array.isArray(flat.enum) || flat.const !== undefined) fixed.add(key);
      visit(flat, depth + 1);
      if (typeOf(flat) === 'array') visit(mergeAllOf(asSchema(flat.items)), depth + 1);
    }
  };
  visit(schema, 0);
  return fixed;
}

function bodyMutations(ctx: CaseContext, op: OperationSpec, examples: unknown[], resourceNames: ReadonlySet<string>): Mutation[] {
  const body = op.requestBody;
  if (!body) return [];
  const mutations = memberMutations(ctx, body.schema, [], 0);
  // Each oneOf branch, a body matching none of them and one matching two.
  const branches = branchesOf(body.schema);
  if (branches.length > 1) {
    examples.forEach((example, index) => mutations.push({ label: `body: the example of branch ${index + 1}`, apply: (r) => ({ ...r, body: example }) }));
    const common = new Set(branches.map((b) => Object.keys(asSchema(b.properties))).reduce((a, b) => a.filter((k) => b.includes(k))));
    mutations.push({
      label: 'body: matching no oneOf branch (only the common members)',
      apply: (r) => (r.body && typeof r.body === 'object' ? { ...r, body: Object.fromEntries(Object.entries(r.body as Obj).filter(([k]) => common.has(k))) } : undefined),
    });
    mutations.push({
      label: 'body: matching two oneOf branches',
      apply: (r) => {
        const own = Object.fromEntries([...ctx.ownedIds].map((name) => [name, (r.body as Obj | undefined)?.[name]]).filter(([, v]) => v !== undefined));
        return { ...r, body: Object.assign({}, ...examples.filter((e) => e && typeof e === 'object'), own) as unknown };
      },
    });
  }
  const keep = fixedMembers(ctx, body.schema);
  for (const name of resourceNames) keep.add(name);
  mutations.push(
    { label: 'body: an array instead of the object', apply: (r) => ({ ...r, body: [] }) },
    { label: 'body: a string instead of the object', apply: (r) => ({ ...r, body: 'text' }) },
    { label: 'body: null', apply: (r) => ({ ...r, body: null }) },
    { label: 'body: malformed JSON', apply: (r) => ({ ...withoutBody(r), rawBody: '{"value":', contentType: body.mediaType }) },
    { label: `body: sent as text/plain`, apply: (r) => ({ ...r, rawBody: JSON.stringify(r.body), contentType: 'text/plain' }) },
    { label: `body: ${body.mediaType} with a charset`, apply: (r) => ({ ...r, contentType: `${body.mediaType}; charset=utf-8` }) },
    { label: 'body: non-ASCII text in every string member', apply: (r) => ({ ...r, body: withText(r.body, (key) => keep.has(key)) }) },
  );
  if (body.required) mutations.push({ label: 'body: left out', apply: (r) => ({ ...withoutBody(r), rawBody: '', contentType: body.mediaType }) });
  return mutations;
}

function withoutBody(request: RequestDraft): RequestDraft {
  const { body: _dropped, ...rest } = request;
  return rest;
}

/**
 * Every mutation of the operation's requests: each parameter in every location, an unknown query
 * parameter, then the body. `resourceNames`: members naming things that exist, left as they are.
 */
export function mutationsOf(ctx: CaseContext, op: OperationSpec, bodyExamples: unknown[], resourceNames: ReadonlySet<string> = new Set()): Mutation[] {
  const mutations = op.parameters.flatMap((p) => parameterMutations(ctx, p));
  mutations.push({ label: 'query: an unknown parameter (a cache-buster)', apply: (r) => ({ ...r, query: { ...r.query, _: '1764072733262' } }) });
  mutations.push({ label: 'query: an unknown parameter of 9 KiB', apply: (r) => ({ ...r, query: { ...r.query, contractProbe: 'a'.repeat(9 * 1024) } }) });
  for (const [label, line] of HEADER_ODDITIES) mutations.push({ label: `header: ${label}`, apply: (r) => ({ ...r, rawHeaders: [...(r.rawHeaders ?? []), line] }) });
  mutations.push(...bodyMutations(ctx, op, bodyExamples, resourceNames));
  return mutations;
}
