// Judges one exchange against its operation: the status must be documented (and what the check
// expects), the content type the documented one, the body valid against that status's schema.
// Every problem is one violation carrying the JSON pointer, the request and the response.
import type { SchemaValidator } from '../validation/schema-validator.js';
import { documentedResponse, type OperationSpec } from './description.js';
import type { Exchange, RequestRecord, ResponseRecord } from './http.js';

export interface CheckViolation {
  message: string;
  /** JSON pointer into the response body (or webhook payload) that breaks its schema. */
  pointer?: string;
  keyword?: string;
  operationId?: string;
  request?: RequestRecord;
  response?: ResponseRecord;
}

/**
 * What a check expects of the status, beyond being documented:
 * `success` a 2xx; `documented` any documented status; `client-error` a documented 4xx (negative
 * checks: never a 5xx); or a list of exact statuses.
 */
export type Expectation = 'success' | 'documented' | 'client-error' | readonly number[];

function describeExpectation(expect: Expectation): string {
  if (expect === 'success') return 'a 2xx';
  if (expect === 'documented') return 'a documented status';
  if (expect === 'client-error') return 'a documented 4xx';
  return expect.join(' or ');
}

function meets(status: number, expect: Expectation): boolean {
  if (expect === 'success') return status >= 200 && status < 300;
  if (expect === 'documented') return true;
  if (expect === 'client-error') return status >= 400 && status < 500;
  return expect.includes(status);
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaTypeOf(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function mediaTypeMatches(actual: string, documented: string): boolean {
  if (documented === '*/*' || documented === actual) return true;
  const [type, subtype] = documented.split('/');
  return subtype === '*' && actual.startsWith(`${type}/`);
}

export function checkExchange(validator: SchemaValidator, op: OperationSpec, exchange: Exchange, expect: Expectation): CheckViolation[] {
  const base = { operationId: op.operationId, request: exchange.request, response: exchange.response };
  const response = exchange.response;
  if (!response) return [{ ...base, message: `no response: ${exchange.error?.message ?? 'unknown error'}` }];

  const violations: CheckViolation[] = [];
  const status = response.status;
  const documented = documentedResponse(op, status);
  if (!documented) {
    const keys = op.responses.map((r) => r.key).join(', ');
    violations.push({ ...base, message: `status ${status} is not documented for ${op.operationId} (documented: ${keys})` });
  }
  if (status >= 500 && expect !== 'documented') {
    violations.push({ ...base, message: `status ${status}: a server error, expected ${describeExpectation(expect)}` });
  } else if (!meets(status, expect)) {
    violations.push({ ...base, message: `status ${status}, expected ${describeExpectation(expect)}` });
  }
  if (!documented) return violations;

  const mediaTypes = Object.keys(documented.content);
  if (mediaTypes.length === 0) return violations; // nothing documented about the body
  const actual = mediaTypeOf(response.contentType);
  const mediaType = actual ? mediaTypes.find((m) => mediaTypeMatches(actual, m)) : undefined;
  if (!mediaType) {
    violations.push({
      ...base,
      message: `content type ${actual ?? '(none)'} is not documented for status ${status} (documented: ${mediaTypes.join(', ')})`,
    });
    return violations;
  }
  const schemaPointer = documented.content[mediaType];
  if (!schemaPointer) return violations;
  if (mediaType.endsWith('json')) {
    if (response.json === undefined) {
      violations.push({ ...base, message: `the ${status} body is not JSON: ${response.jsonError ?? 'empty body'}` });
      return violations;
    }
    for (const v of validator.validate(schemaPointer, response.json).violations) {
      violations.push({ ...base, pointer: v.pointer, keyword: v.keyword, message: `response body ${v.pointer}: ${v.message} (${schemaName(schemaPointer)})` });
    }
  }
  return violations;
}

/** `#/components/schemas/Error` → `Error`, for short messages. */
export function schemaName(pointer: string): string {
  const match = /^#\/components\/schemas\/([^/]+)$/.exec(pointer);
  return match?.[1] ?? pointer;
}
