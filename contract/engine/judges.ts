// Judges one exchange against its operation. Each judge is a plain function in a registry (the
// names follow Schemathesis's checks, so that a QA team recognises them) that returns findings with
// a stable code. A judge sees the operation, the exchange and what the request's sender could
// expect of it (derived from the request by whoever calls): never who sent it, so that the active
// run, the proxy and recorded traffic are judged alike. `--checks` / `--exclude-checks` choose them.
import type { SchemaValidator } from '../../description/schemas.js';
import { documentedResponse, type OperationSpec, type ResponseSpec } from '../../description/operations.js';
import { mediaTypeOf, type Exchange, type ResponseRecord } from './exchange.js';
import type { Finding } from './findings.js';

/**
 * What the request entitles its sender to, beyond a documented status:
 * `success` a 2xx (a valid request naming things that exist); `valid` a 2xx or a documented 4xx
 * whose meaning depends on state (a valid request naming a message that may not exist: 404);
 * `documented` any documented status; `client-error` a documented 4xx (the request breaks the
 * description); or a list of exact statuses.
 */
export type Expectation = 'success' | 'valid' | 'documented' | 'client-error' | readonly number[];

/** 4xx statuses that a valid request may get, depending on what exists on the server. */
export const STATE_DEPENDENT_STATUSES: ReadonlySet<number> = new Set([404, 409, 410]);

export interface JudgeInput {
  op: OperationSpec;
  exchange: Exchange & { response: ResponseRecord };
  expect: Expectation;
  /** The documented response for the status, if any. */
  documented?: ResponseSpec;
  validator: SchemaValidator;
  maxResponseTimeMs?: number;
}

export type JudgeFinding = Omit<Finding, 'check' | 'operationId' | 'request' | 'response'>;
export type Judge = (input: JudgeInput) => JudgeFinding[];

const is2xx = (status: number) => status >= 200 && status < 300;

/** Bytes of the request target (path and query string) as sent. */
function requestTargetBytes(url: string): number {
  try {
    const parsed = new URL(url);
    return Buffer.byteLength(`${parsed.pathname}${parsed.search}`);
  } catch {
    return Buffer.byteLength(url);
  }
}

/**
 * Whether a documented 414 or 431 is the server's transport limit, as the description states it
 * (`x-request-target-limit`, `x-header-limit` on the response), and the request is past it: a
 * valid value can still make a URL no server takes (4,096 emoji in a query parameter).
 */
function pastTransportLimit(documented: ResponseSpec | undefined, exchange: JudgeInput['exchange']): boolean {
  const { status } = exchange.response;
  const request = exchange.request;
  if (status === 414) {
    const limit = documented?.extensions['x-request-target-limit'];
    return typeof limit === 'number' && requestTargetBytes(request.url) > limit;
  }
  if (status === 431) {
    const limit = documented?.extensions['x-header-limit'];
    const headers = Object.entries(request.headers ?? {}).reduce((sum, [k, v]) => sum + k.length + v.length + 4, 0);
    return typeof limit === 'number' && requestTargetBytes(request.url) + headers > limit;
  }
  return false;
}
const is4xx = (status: number) => status >= 400 && status < 500;

function mediaTypeMatches(actual: string, documented: string): boolean {
  if (documented === '*/*' || documented === actual) return true;
  const [type, subtype] = documented.split('/');
  return subtype === '*' && actual.startsWith(`${type}/`);
}

/** The documented media type the response's content type matches, if any. */
export function documentedMediaType(documented: ResponseSpec, contentType: string | null): string | undefined {
  const actual = mediaTypeOf(contentType);
  return actual ? Object.keys(documented.content).find((m) => mediaTypeMatches(actual, m)) : undefined;
}

/** `#/components/schemas/Error` → `Error`, for short messages. */
export function schemaName(pointer: string): string {
  const match = /^#\/components\/schemas\/([^/]+)$/.exec(pointer);
  return match?.[1] ?? pointer;
}

/** The findings of a body against the documented schema of its status and media type ([] when none applies). */
export function bodyFindings(documented: ResponseSpec | undefined, response: ResponseRecord, validator: SchemaValidator): JudgeFinding[] {
  if (!documented) return [];
  const mediaType = documentedMediaType(documented, response.contentType);
  const pointer = mediaType ? documented.content[mediaType] : undefined;
  if (!mediaType || !pointer || !mediaType.endsWith('json')) return [];
  if (response.json === undefined) {
    return [{ code: 'schema_violation', message: `the ${response.status} body is not JSON: ${response.jsonError ?? 'empty body'}` }];
  }
  return validator.validate(pointer, response.json).violations.map((v) => ({
    code: 'schema_violation' as const,
    pointer: v.pointer,
    keyword: v.keyword,
    message: `response body ${v.pointer || '/'}: ${v.message} (${schemaName(pointer)})`,
  }));
}

/** The judges, by name, in the order they run. */
export const JUDGES: Readonly<Record<string, Judge>> = {
  not_a_server_error: ({ exchange }) => {
    const { status } = exchange.response;
    return status >= 500 ? [{ code: 'server_error', message: `status ${status}: a server error` }] : [];
  },

  status_code_conformance: ({ op, exchange, documented }) => {
    if (documented) return [];
    const keys = op.responses.map((r) => r.key).join(', ');
    return [{ code: 'undocumented_status', message: `status ${exchange.response.status} is not documented for ${op.operationId} (documented: ${keys})` }];
  },

  expected_status: ({ exchange, expect }) => {
    if (!Array.isArray(expect)) return [];
    const { status } = exchange.response;
    return (expect as readonly number[]).includes(status) ? [] : [{ code: 'unexpected_status', message: `status ${status}, expected ${expect.join(' or ')}` }];
  },

  negative_data_rejection: ({ exchange, expect }) => {
    if (expect !== 'client-error') return [];
    const { status } = exchange.response;
    if (is4xx(status) || status >= 500) return []; // a 5xx is the server-error judge's finding
    return [{ code: 'negative_data_accepted', message: `status ${status} to a request that breaks the description, expected a documented 4xx` }];
  },

  positive_data_acceptance: ({ exchange, expect, documented }) => {
    if (expect !== 'success' && expect !== 'valid') return [];
    const { status } = exchange.response;
    if (is2xx(status) || status >= 500) return [];
    if (pastTransportLimit(documented, exchange)) return [];
    if (expect === 'valid' && STATE_DEPENDENT_STATUSES.has(status)) return [];
    return [{ code: 'positive_data_rejected', message: `status ${status} to a request the description allows, expected a 2xx${expect === 'valid' ? ' (or a documented 404)' : ''}` }];
  },

  content_type_conformance: ({ exchange, documented }) => {
    if (!documented) return [];
    const mediaTypes = Object.keys(documented.content);
    if (mediaTypes.length === 0 || documentedMediaType(documented, exchange.response.contentType)) return [];
    const { status, contentType } = exchange.response;
    return [{ code: 'content_type', message: `content type ${mediaTypeOf(contentType) ?? '(none)'} is not documented for status ${status} (documented: ${mediaTypes.join(', ')})` }];
  },

  response_schema_conformance: ({ exchange, documented, validator }) => bodyFindings(documented, exchange.response, validator),

  response_headers_conformance: ({ exchange, documented, validator }) => {
    const findings: JudgeFinding[] = [];
    for (const header of documented?.headers ?? []) {
      const value = exchange.response.headers[header.name.toLowerCase()];
      if (value === undefined) {
        if (header.required) findings.push({ code: 'missing_header', message: `the documented header ${header.name} is missing from the ${exchange.response.status} response` });
        continue;
      }
      if (!header.schemaPointer) continue;
      const typed = header.type === 'integer' || header.type === 'number' ? Number(value) : value;
      for (const v of validator.validate(header.schemaPointer, typed).violations) {
        findings.push({ code: 'missing_header', message: `header ${header.name}: ${JSON.stringify(value)} ${v.message}` });
      }
    }
    return findings;
  },

  /** RFC 9110 § 15.5.6: a 405 must say which methods the resource has. */
  allow_header_on_405: ({ exchange }) => {
    if (exchange.response.status !== 405 || exchange.response.headers.allow !== undefined) return [];
    return [{ code: 'method_not_allowed_without_allow', message: 'a 405 without an Allow header (RFC 9110 § 15.5.6: it must list the methods the resource has)' }];
  },

  max_response_time: ({ exchange, maxResponseTimeMs }) => {
    if (maxResponseTimeMs === undefined || exchange.durationMs <= maxResponseTimeMs) return [];
    return [{ code: 'slow_response', message: `answered in ${Math.round(exchange.durationMs)} ms, over the limit of ${maxResponseTimeMs} ms` }];
  },
};

export const JUDGE_NAMES: readonly string[] = Object.keys(JUDGES);
const JUDGE_ENTRIES = Object.entries(JUDGES);

/** Which judges and scenario checks are on: every one but `max_response_time` unless a limit is given. */
export class CheckSelection {
  private readonly on: ReadonlySet<string>;

  /** `known`: every selectable name (the judges and the run's scenario checks). */
  constructor(
    readonly known: readonly string[],
    options: { only?: readonly string[]; exclude?: readonly string[] } = {},
  ) {
    for (const name of [...(options.only ?? []), ...(options.exclude ?? [])]) {
      if (!known.includes(name)) throw new Error(`unknown check ${JSON.stringify(name)} (known: ${known.join(', ')})`);
    }
    const chosen = options.only && options.only.length > 0 ? options.only : known;
    this.on = new Set(chosen.filter((name) => !(options.exclude ?? []).includes(name)));
  }

  has(name: string): boolean {
    return this.on.has(name);
  }

  names(): string[] {
    return this.known.filter((name) => this.on.has(name));
  }
}

export interface JudgeOptions {
  selection?: CheckSelection;
  maxResponseTimeMs?: number;
}

/** Every finding of the chosen judges on one exchange (a `no_response` finding when there is no response). */
export function judgeExchange(validator: SchemaValidator, op: OperationSpec, exchange: Exchange, expect: Expectation, options: JudgeOptions = {}): Finding[] {
  const base = { operationId: op.operationId, request: exchange.request, response: exchange.response };
  const { response } = exchange;
  if (!response) return [{ ...base, code: 'no_response', message: `no response: ${exchange.error?.message ?? 'unknown error'}` }];
  const input: JudgeInput = { op, exchange: { ...exchange, response }, expect, documented: documentedResponse(op, response.status), validator, maxResponseTimeMs: options.maxResponseTimeMs };
  const findings: Finding[] = [];
  for (const [name, judge] of JUDGE_ENTRIES) {
    if (options.selection && !options.selection.has(name)) continue;
    for (const finding of judge(input)) findings.push({ ...base, ...finding, check: name });
  }
  return findings;
}
