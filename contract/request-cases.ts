// Requests for the coverage and fuzz phases, as data: a request to an operation with its
// parameters as text and its body as JSON, built by changing one thing of a valid request. Whether
// a request is valid is decided against the description (Ajv for the body and each parameter),
// never by the label that says what was changed.
import type { Obj, OperationSpec, ParameterSpec } from '../description/operations.js';
import type { SchemaValidator } from '../description/schemas.js';
import type { OpenApiDocument } from '../description/bundle.js';
import type { CallOptions } from './checks/types.js';
import type { Expectation } from './conformance.js';
import type { RequestInput } from './request-builder.js';
import { boundaryValues, branchesOf, objectProperties, parameterText, parameterValid, typeOf, flatten } from './schema-values.js';

/** A malformed percent escape (a truncated UTF-8 sequence): what broken clients and scanners send. */
export const MALFORMED_ESCAPE = '%E0%A4%A';

export interface CaseRequest {
  label: string;
  /** Parameter values as text (unencoded); a missing optional parameter is absent. */
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  /** Already-encoded path segments sent as is (malformed escapes). */
  rawPath?: Record<string, string>;
  rawQuery?: string;
  rawBody?: string;
  contentType?: string;
}

/**
 * The longest parameter the phases send. Servers cap the request line and headers (8 KB by default
 * on the JVM's Tomcat, 16 KB on Node) and answer longer ones with 414/431 before any operation is
 * reached: past that, a status says nothing about the operation.
 */
export const MAX_PARAMETER_LENGTH = 8000;

/** A change to a valid request: what the coverage phase sends, and the fuzz phase's mutations. */
export interface Mutation {
  label: string;
  apply(request: CaseRequest): CaseRequest | undefined;
}

export interface CaseContext {
  document: OpenApiDocument;
  validator: SchemaValidator;
  /** The run's clientId prefix: every clientId sent starts with it. */
  prefix: string;
  /**
   * The channel token: any other value of the token parameter must be refused (401 or 400).
   * Undefined for a target that takes any token (a mock): then only the schema decides.
   */
  token?: string;
}

/**
 * What the description says of a request: `valid` must be accepted, `invalid` rejected with a
 * documented 4xx; `unspecified` when only an `x-` hint a schema cannot carry rules it out (such as
 * `x-exactly-one-of`), and then any documented answer will do.
 */
export type Polarity = 'valid' | 'invalid' | 'unspecified';

export function expectationOf(polarity: Polarity): Expectation {
  return polarity === 'valid' ? 'valid' : polarity === 'invalid' ? 'client-error' : 'documented';
}

const OWN_IDS = new Set(['clientId']);

function withoutKey<T extends Record<string, unknown>>(record: T, key: string): T {
  const { [key]: _dropped, ...rest } = record;
  return rest as T;
}

/** A JSON-safe copy of a boundary value (2^63 as a double in a body). */
function jsonValue(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** The request as the context sends it. */
export function toCall(op: OperationSpec, request: CaseRequest): { input: RequestInput; options: CallOptions } {
  const options: CallOptions = {};
  if (request.rawPath && Object.keys(request.rawPath).length > 0) {
    const raw = request.rawPath;
    options.rawPath = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => raw[name] ?? encodeURIComponent(request.path[name] ?? ''));
  }
  if (request.rawQuery) options.rawQuery = request.rawQuery;
  if (Object.keys(request.headers).length > 0) options.headers = request.headers;
  if (request.rawBody !== undefined) options.rawBody = request.rawBody;
  if (request.contentType !== undefined) {
    options.contentType = request.contentType;
    if (request.rawBody === undefined && request.body !== undefined) options.rawBody = JSON.stringify(request.body);
  }
  return { input: { pathParams: request.path, query: request.query, body: request.body }, options };
}

/** Whether the description allows the request, forbids it, or leaves it to prose. */
export function polarityOf(ctx: CaseContext, op: OperationSpec, request: CaseRequest): Polarity {
  if (!isValidRequest(ctx, op, request)) return 'invalid';
  if (op.exactlyOneOf && op.exactlyOneOf.filter((name) => request.query[name] !== undefined).length !== 1) return 'unspecified';
  return 'valid';
}

/** Whether the request is valid against the description's schemas (and the channel's token). */
export function isValidRequest(ctx: CaseContext, op: OperationSpec, request: CaseRequest): boolean {
  if (request.rawQuery || (request.rawPath && Object.keys(request.rawPath).length > 0)) return false;
  if (request.rawBody !== undefined && request.contentType !== undefined && !request.contentType.startsWith('application/json')) return false;
  for (const p of op.parameters) {
    const bag = p.in === 'path' ? request.path : p.in === 'query' ? request.query : p.in === 'header' ? request.headers : undefined;
    if (!bag) continue;
    const text = bag[p.name];
    if (text === undefined) {
      if (p.required) return false;
      continue;
    }
    if (p.in === 'path' && text === '') return false;
    if (p.in === 'path' && p.name === 'token' && ctx.token !== undefined && text !== ctx.token) return false;
    if (!parameterValid(p.schema, text, (value) => ctx.validator.validate(p.schemaPointer, value).valid)) return false;
  }
  if (op.requestBody) {
    if (request.rawBody !== undefined) {
      try {
        JSON.parse(request.rawBody);
      } catch {
        return false;
      }
    }
    if (request.body === undefined) return !op.requestBody.required;
    return ctx.validator.validate(op.requestBody.schemaPointer, request.body).valid;
  }
  return true;
}

function parameterBag(request: CaseRequest, p: ParameterSpec): Record<string, string> | undefined {
  return p.in === 'path' ? request.path : p.in === 'query' ? request.query : p.in === 'header' ? request.headers : undefined;
}

function setParameter(request: CaseRequest, p: ParameterSpec, text: string | undefined): CaseRequest {
  const copy: CaseRequest = { ...request, path: { ...request.path }, query: { ...request.query }, headers: { ...request.headers } };
  const bag = parameterBag(copy, p)!;
  if (text === undefined) delete bag[p.name];
  else bag[p.name] = text;
  return copy;
}

function parameterMutations(ctx: CaseContext, p: ParameterSpec): Mutation[] {
  if (p.in === 'cookie') return [];
  const prefix = OWN_IDS.has(p.name) ? ctx.prefix : '';
  const where = `${p.in} parameter ${p.name}`;
  const mutations: Mutation[] = [];
  for (const { label, value } of boundaryValues(ctx.document, p.schema, { prefix })) {
    // Parameters are text: objects, arrays and null have no form a client would send.
    if (value === null || typeof value === 'object') continue;
    if (parameterText(value).length > MAX_PARAMETER_LENGTH) continue;
    mutations.push({ label: `${where}: ${label}`, apply: (r) => setParameter(r, p, parameterText(value)) });
  }
  if (p.in === 'query') {
    mutations.push({ label: `${where} left out`, apply: (r) => setParameter(r, p, undefined) });
    mutations.push({
      label: `${where}: a malformed percent escape`,
      apply: (r) => ({ ...setParameter(r, p, undefined), rawQuery: `${encodeURIComponent(p.name)}=${encodeURIComponent(prefix)}${MALFORMED_ESCAPE}` }),
    });
  }
  if (p.in === 'path') {
    mutations.push({ label: `${where}: an empty segment`, apply: (r) => setParameter(r, p, '') });
    mutations.push({
      label: `${where}: a malformed percent escape`,
      apply: (r) => ({ ...r, rawPath: { ...r.rawPath, [p.name]: `${encodeURIComponent(prefix || (r.path[p.name] ?? ''))}${MALFORMED_ESCAPE}` } }),
    });
  }
  return mutations;
}

function setMember(body: unknown, path: Array<string | number>, value: unknown | typeof REMOVE): unknown {
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
const REMOVE = Symbol('remove');

function memberMutations(ctx: CaseContext, schema: unknown, at: Array<string | number>, depth: number): Mutation[] {
  if (depth > 2) return [];
  const mutations: Mutation[] = [];
  const flat = flatten(ctx.document, schema);
  const { properties, required } = objectProperties(ctx.document, flat);
  const where = (key: string) => `body /${[...at, key].join('/')}`;
  for (const [key, child] of Object.entries(properties)) {
    const prefix = OWN_IDS.has(key) ? ctx.prefix : '';
    const childFlat = flatten(ctx.document, child);
    for (const { label, value } of boundaryValues(ctx.document, child, { prefix })) {
      mutations.push({ label: `${where(key)}: ${label}`, apply: (r) => (r.body === undefined ? undefined : { ...r, body: setMember(r.body, [...at, key], jsonValue(value)) }) });
    }
    mutations.push({ label: `${where(key)} left out`, apply: (r) => (r.body === undefined ? undefined : { ...r, body: setMember(r.body, [...at, key], REMOVE) }) });
    if (typeOf(childFlat) === 'array') {
      const items = childFlat.items;
      if (items && typeOf(flatten(ctx.document, items)) === 'object') mutations.push(...memberMutations(ctx, items, [...at, key, 0], depth + 1));
      mutations.push({ label: `${where(key)}: an empty array`, apply: (r) => (r.body === undefined ? undefined : { ...r, body: setMember(r.body, [...at, key], []) }) });
      if (typeof childFlat.maxItems === 'number') {
        const max = childFlat.maxItems;
        mutations.push({
          label: `${where(key)}: more items than the maximum (${max + 1})`,
          apply: (r) => {
            const list = (r.body as Obj | undefined)?.[key];
            return Array.isArray(list) && list.length > 0 ? { ...r, body: setMember(r.body, [...at, key], Array.from({ length: max + 1 }, (_, i) => list[i % list.length])) } : undefined;
          },
        });
      }
    } else if (typeOf(childFlat) === 'object' && childFlat.properties) {
      mutations.push(...memberMutations(ctx, child, [...at, key], depth + 1));
    }
  }
  if (required.length > 0 && at.length === 0) {
    mutations.push({ label: 'body: an unknown member', apply: (r) => (r.body && typeof r.body === 'object' && !Array.isArray(r.body) ? { ...r, body: { ...(r.body as Obj), contractUnknownMember: 'x' } } : undefined) });
  }
  return mutations;
}

function bodyMutations(ctx: CaseContext, op: OperationSpec, examples: unknown[]): Mutation[] {
  const body = op.requestBody;
  if (!body) return [];
  const schema = { $ref: body.schemaPointer };
  const mutations = memberMutations(ctx, schema, [], 0);
  // Each oneOf branch, a body matching none of them and one matching two.
  const branches = branchesOf(ctx.document, schema);
  if (branches.length > 1) {
    examples.forEach((example, index) => mutations.push({ label: `body: the example of branch ${index + 1}`, apply: (r) => ({ ...r, body: example }) }));
    const common = new Set(branches.map((b) => Object.keys((b.properties ?? {}) as Obj)).reduce((a, b) => a.filter((k) => b.includes(k))));
    mutations.push({
      label: 'body: matching no oneOf branch (only the common members)',
      apply: (r) => (r.body && typeof r.body === 'object' ? { ...r, body: Object.fromEntries(Object.entries(r.body as Obj).filter(([k]) => common.has(k))) } : undefined),
    });
    mutations.push({
      label: 'body: matching two oneOf branches',
      apply: (r) => ({ ...r, body: Object.assign({}, ...examples.filter((e) => e && typeof e === 'object'), { clientId: (r.body as Obj | undefined)?.clientId }) as unknown }),
    });
  }
  mutations.push(
    { label: 'body: an array instead of the object', apply: (r) => ({ ...r, body: [] }) },
    { label: 'body: a string instead of the object', apply: (r) => ({ ...r, body: 'text' }) },
    { label: 'body: null', apply: (r) => ({ ...r, body: null }) },
    { label: 'body: malformed JSON', apply: (r) => ({ ...r, rawBody: '{"clientId":', contentType: 'application/json' }) },
    { label: 'body: sent as text/plain', apply: (r) => ({ ...r, rawBody: JSON.stringify(r.body), contentType: 'text/plain' }) },
    { label: 'body: application/json with a charset', apply: (r) => ({ ...r, contentType: 'application/json; charset=utf-8' }) },
    { label: 'body: non-ASCII text in every string member', apply: (r) => ({ ...r, body: withText(r.body, ctx.prefix) }) },
  );
  if (body.required) mutations.push({ label: 'body: left out', apply: (r) => ({ ...withoutKey(r as unknown as Record<string, unknown>, 'body'), rawBody: '', contentType: 'application/json' }) as unknown as CaseRequest });
  return mutations;
}

/** Every string member of the body with non-ASCII text appended (clientIds stay the run's own). */
function withText(body: unknown, _prefix: string): unknown {
  if (typeof body === 'string') return `${body} é日本👍`;
  if (Array.isArray(body)) return body.map((item) => withText(item, _prefix));
  if (body && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, k === 'questionId' || k === 'status' ? v : withText(v, _prefix)]));
  return body;
}

/** Every mutation of the operation's requests: each parameter in every location, then the body. */
export function mutationsOf(ctx: CaseContext, op: OperationSpec, bodyExamples: unknown[]): Mutation[] {
  const mutations = op.parameters.flatMap((p) => parameterMutations(ctx, p));
  mutations.push({ label: 'query: an unknown parameter (a cache-buster)', apply: (r) => ({ ...r, query: { ...r.query, _: '1764072733262' } }) });
  mutations.push(...bodyMutations(ctx, op, bodyExamples));
  return mutations;
}

/** A valid request as data, from the context's input. */
export function caseOf(label: string, input: RequestInput): CaseRequest {
  const request: CaseRequest = { label, path: { ...input.pathParams }, query: { ...input.query }, headers: {} };
  if (input.body !== undefined) request.body = input.body;
  return request;
}
