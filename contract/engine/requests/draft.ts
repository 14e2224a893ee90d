// A request to an operation as data: parameters by name (text, or lists and maps of text, as the
// parameter's style puts them on the wire), the body as JSON, and what a case sends as written
// (malformed escapes, a body of another media type). Built by the phases and checks, put on the
// wire here, and judged against the description (which requests it allows) here too.
import type { OperationSpec, ParameterSpec } from '../../../description/operations.js';
import type { SchemaValidator } from '../../../description/schemas.js';
import { decodedOrUndefined } from '../../../description/percent-escapes.js';
import { headerValue, parameterValid, pathSegment, queryPart, type ParamValue } from './parameters.js';

export interface RequestDraft {
  /** What the request tries (a coverage case, a link followed), shown with its findings. */
  label?: string;
  path: Record<string, ParamValue>;
  query: Record<string, ParamValue>;
  headers: Record<string, ParamValue>;
  body?: unknown;
  /** Path segments sent as written, already encoded (malformed escapes). */
  rawPath?: Record<string, string>;
  /** A query string appended as written, after `query`. */
  rawQuery?: string;
  /** A body sent as written, with `contentType`. */
  rawBody?: string;
  contentType?: string;
  /** Header lines sent byte for byte (`Name: value`): odd bytes no HTTP client sends. */
  rawHeaders?: string[];
  /**
   * Why the description cannot say whether the request is allowed (a dot segment in a path, which
   * a server may resolve before any operation sees it): then any documented answer will do.
   */
  unspecified?: string;
  /**
   * Only these judges apply: a request a server may route to another operation altogether (a
   * resolved dot segment) can only be held to what every answer owes, no 5xx.
   */
  judges?: readonly string[];
}

/** A draft from what a check names; headers and query default to none. */
export function draft(parts: Partial<RequestDraft>): RequestDraft {
  return { path: {}, query: {}, headers: {}, ...parts };
}

/** The request line's path and query, with every parameter serialised by its style. */
export function requestTarget(op: OperationSpec, request: RequestDraft): string {
  const byName = (where: ParameterSpec['in'], name: string) => op.parameters.find((p) => p.in === where && p.name === name) ?? syntheticParameter(where, name);
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const raw = request.rawPath?.[name];
    if (raw !== undefined) return raw;
    const value = request.path[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${op.path}`);
    return pathSegment(byName('path', name), value);
  });
  const parts = Object.entries(request.query).map(([name, value]) => queryPart(byName('query', name), value));
  if (request.rawQuery) parts.push(request.rawQuery);
  const query = parts.filter((part) => part !== '').join('&');
  return `${path}${query ? `?${query}` : ''}`;
}

/** The request's header parameters as sent. */
export function requestHeaders(op: OperationSpec, request: RequestDraft): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name.toLowerCase()] = headerValue(op.parameters.find((p) => p.in === 'header' && p.name.toLowerCase() === name.toLowerCase()) ?? { explode: false }, value);
  }
  return headers;
}

/** A parameter the description does not name (an unknown query parameter a case adds): OpenAPI's defaults. */
function syntheticParameter(where: ParameterSpec['in'], name: string): Pick<ParameterSpec, 'name' | 'style' | 'explode'> {
  return where === 'query' ? { name, style: 'form', explode: true } : { name, style: 'simple', explode: false };
}

/** How a request is judged against the description. */
export interface ValidityContext {
  validator: SchemaValidator;
  /**
   * The credential parameter and the run's value of it: any other value must be refused. Undefined
   * for a target that takes any credential (a mock): then only the schema decides.
   */
  credential?: { in: ParameterSpec['in']; name: string; value: string };
}

/** What in the request breaks the description ([] for a request it allows). */
export function requestProblems(ctx: ValidityContext, op: OperationSpec, request: RequestDraft): string[] {
  const problems: string[] = [];
  // A segment sent as written is read as a server decodes it; one that does not decode is refused.
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(request.rawPath ?? {})) {
    const value = decodedOrUndefined(raw);
    if (value === undefined) problems.push(`path parameter ${name} has a malformed percent escape (${raw})`);
    else decoded[name] = value;
  }
  // RFC 9110 § 5.5: a field value has no control character but HTAB.
  // eslint-disable-next-line no-control-regex
  for (const line of request.rawHeaders ?? []) if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line)) problems.push(`header ${line.split(':')[0]} has a control character`);
  if (request.rawQuery) problems.push(`the query string has a part sent as written (${request.rawQuery.slice(0, 60)})`);
  if (request.contentType !== undefined && op.requestBody && !mediaTypeAccepted(op.requestBody.mediaType, request.contentType)) {
    problems.push(`the body is sent as ${request.contentType}, not ${op.requestBody.mediaType}`);
  }
  for (const p of op.parameters) {
    const bag = p.in === 'path' ? request.path : p.in === 'query' ? request.query : p.in === 'header' ? request.headers : undefined;
    if (!bag) continue;
    const raw = p.in === 'path' && request.rawPath?.[p.name] !== undefined;
    if (raw && decoded[p.name] === undefined) continue; // malformed: said above
    const value = raw ? decoded[p.name] : bag[p.name];
    if (value === undefined) {
      if (p.required) problems.push(`${p.in} parameter ${p.name} is missing`);
      continue;
    }
    if (p.in === 'path' && value === '') {
      problems.push(`path parameter ${p.name} is empty`);
      continue;
    }
    const credential = ctx.credential;
    if (credential && credential.in === p.in && credential.name === p.name && value !== credential.value) {
      problems.push(`${p.in} parameter ${p.name} is not the channel's credential`);
      continue;
    }
    if (!parameterValid(p.schema, value, (typed) => ctx.validator.validate(p.schemaPointer, typed).valid)) {
      problems.push(`${p.in} parameter ${p.name} ${JSON.stringify(value).slice(0, 80)} breaks its schema`);
    }
  }
  if (op.requestBody) {
    if (request.rawBody !== undefined) {
      try {
        JSON.parse(request.rawBody);
      } catch {
        problems.push('the body is not JSON');
        return problems;
      }
    }
    if (request.body === undefined) {
      if (op.requestBody.required) problems.push('the required body is missing');
    } else {
      for (const v of ctx.validator.validate(op.requestBody.schemaPointer, request.body).violations) problems.push(`request body ${v.pointer || '/'}: ${v.message}`);
    }
  }
  return problems;
}

function mediaTypeAccepted(documented: string, sent: string): boolean {
  return sent.split(';')[0]!.trim().toLowerCase() === documented.toLowerCase();
}

/**
 * What the description says of a request: `valid` must be accepted, `invalid` rejected with a
 * documented 4xx; `unspecified` when only an `x-` hint a schema cannot carry rules it out (such as
 * `x-exactly-one-of`), and then any documented answer will do.
 */
export type Polarity = 'valid' | 'invalid' | 'unspecified';

/** `problems`: the request's, when the caller has them already (judging recorded traffic needs both). */
export function polarityOf(ctx: ValidityContext, op: OperationSpec, request: RequestDraft, problems = requestProblems(ctx, op, request)): Polarity {
  if (problems.length > 0) return 'invalid';
  if (request.unspecified) return 'unspecified';
  if (op.exactlyOneOf && op.exactlyOneOf.filter((name) => request.query[name] !== undefined).length !== 1) return 'unspecified';
  return 'valid';
}
