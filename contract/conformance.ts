// Judges one exchange against its operation. Each judge is a named function in a registry (the
// names follow Schemathesis's checks, so that a QA team recognises them) that returns findings
// with a stable `code`; reporters, the JSON and JUnit files and the tests match on codes, never on
// the prose. `--checks` and `--exclude-checks` choose judges by name.
import type { SchemaValidator } from '../description/schemas.js';
import { documentedResponse, type OperationSpec, type ResponseSpec } from '../description/operations.js';
import type { Exchange, RequestRecord, ResponseRecord } from './http.js';

/** What kind of contract break a finding is. */
export type ViolationCode =
  | 'server_error'
  | 'undocumented_status'
  | 'unexpected_status'
  | 'content_type'
  | 'schema_violation'
  | 'missing_header'
  | 'negative_data_accepted'
  | 'positive_data_rejected'
  | 'unsupported_method'
  | 'slow_response'
  | 'no_response'
  | 'target_down'
  | 'behaviour'
  | 'webhook'
  | 'not_exercised'
  | 'incomplete';

/** One contract break the engine found (not to be confused with the API's own `Violation` schema). */
export interface CheckViolation {
  code: ViolationCode;
  message: string;
  /** The judge that found it, when one did. */
  check?: string;
  /** JSON pointer into the response body (or webhook payload) that breaks its schema. */
  pointer?: string;
  keyword?: string;
  operationId?: string;
  request?: RequestRecord;
  response?: ResponseRecord;
  /** What the request tried (a coverage case, a fuzz finding). */
  case?: string;
  /** A shell line that sends the request again (fuzz findings, after shrinking). */
  curl?: string;
}

/**
 * What a check expects of the status, beyond being documented:
 * `success` a 2xx (a request built from examples with ids that exist); `valid` a 2xx or a
 * documented 4xx whose meaning depends on state (a generated questionId names no message: 404);
 * `documented` any documented status; `client-error` a documented 4xx (negative data); or a list
 * of exact statuses.
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

export type Finding = Omit<CheckViolation, 'check' | 'operationId' | 'request' | 'response'>;
export type Judge = (input: JudgeInput) => Finding[];

const is2xx = (status: number) => status >= 200 && status < 300;
const is4xx = (status: number) => status >= 400 && status < 500;

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaTypeOf(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function mediaTypeMatches(actual: string, documented: string): boolean {
  if (documented === '*/*' || documented === actual) return true;
  const [type, subtype] = documented.split('/');
  return subtype === '*' && actual.startsWith(`${type}/`);
}

function documentedMediaType(documented: ResponseSpec, contentType: string | null): string | undefined {
  const actual = mediaTypeOf(contentType);
  return actual ? Object.keys(documented.content).find((m) => mediaTypeMatches(actual, m)) : undefined;
}

/** `#/components/schemas/Error` → `Error`, for short messages. */
export function schemaName(pointer: string): string {
  const match = /^#\/components\/schemas\/([^/]+)$/.exec(pointer);
  return match?.[1] ?? pointer;
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

  positive_data_acceptance: ({ exchange, expect }) => {
    if (expect !== 'success' && expect !== 'valid') return [];
    const { status } = exchange.response;
    if (is2xx(status) || status >= 500) return [];
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

  response_schema_conformance: ({ exchange, documented, validator }) => {
    if (!documented) return [];
    const mediaType = documentedMediaType(documented, exchange.response.contentType);
    const pointer = mediaType ? documented.content[mediaType] : undefined;
    if (!mediaType || !pointer || !mediaType.endsWith('json')) return [];
    const { response } = exchange;
    if (response.json === undefined) {
      return [{ code: 'schema_violation', message: `the ${response.status} body is not JSON: ${response.jsonError ?? 'empty body'}` }];
    }
    return validator.validate(pointer, response.json).violations.map((v) => ({
      code: 'schema_violation' as const,
      pointer: v.pointer,
      keyword: v.keyword,
      message: `response body ${v.pointer || '/'}: ${v.message} (${schemaName(pointer)})`,
    }));
  },

  response_headers_conformance: ({ exchange, documented, validator }) => {
    const findings: Finding[] = [];
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

  max_response_time: ({ exchange, maxResponseTimeMs }) => {
    if (maxResponseTimeMs === undefined || exchange.durationMs <= maxResponseTimeMs) return [];
    return [{ code: 'slow_response', message: `answered in ${Math.round(exchange.durationMs)} ms, over the limit of ${maxResponseTimeMs} ms` }];
  },
};

/**
 * Scenario judges: the Chat API's behaviour, the webhook, and whether every operation was
 * exercised. They are not functions of one exchange but are chosen by name the same way.
 */
export const SCENARIO_CHECKS = ['behaviour', 'webhook', 'unsupported_method', 'exercised'] as const;

export const CHECK_NAMES: readonly string[] = [...Object.keys(JUDGES), ...SCENARIO_CHECKS];

/** Which checks are on: every one but `max_response_time` unless a limit is given. */
export class CheckSelection {
  private readonly on: ReadonlySet<string>;

  constructor(options: { only?: readonly string[]; exclude?: readonly string[] } = {}) {
    for (const name of [...(options.only ?? []), ...(options.exclude ?? [])]) {
      if (!CHECK_NAMES.includes(name)) throw new Error(`unknown check ${JSON.stringify(name)} (known: ${CHECK_NAMES.join(', ')})`);
    }
    const chosen = options.only && options.only.length > 0 ? options.only : CHECK_NAMES;
    this.on = new Set(chosen.filter((name) => !(options.exclude ?? []).includes(name)));
  }

  has(name: string): boolean {
    return this.on.has(name);
  }

  names(): string[] {
    return CHECK_NAMES.filter((name) => this.on.has(name));
  }
}

export interface JudgeOptions {
  selection?: CheckSelection;
  maxResponseTimeMs?: number;
}

export function checkExchange(validator: SchemaValidator, op: OperationSpec, exchange: Exchange, expect: Expectation, options: JudgeOptions = {}): CheckViolation[] {
  const base = { operationId: op.operationId, request: exchange.request, response: exchange.response };
  const { response } = exchange;
  if (!response) return [{ ...base, code: 'no_response', message: `no response: ${exchange.error?.message ?? 'unknown error'}` }];
  const input: JudgeInput = { op, exchange: { ...exchange, response }, expect, documented: documentedResponse(op, response.status), validator, maxResponseTimeMs: options.maxResponseTimeMs };
  const violations: CheckViolation[] = [];
  for (const [name, judge] of Object.entries(JUDGES)) {
    if (options.selection && !options.selection.has(name)) continue;
    for (const finding of judge(input)) violations.push({ ...base, ...finding, check: name });
  }
  return violations;
}
