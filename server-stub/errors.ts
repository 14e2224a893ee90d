// The one place that shapes error bodies: every 4xx and 5xx of the stub (Chat API and control API)
// is an `Error` of the description — {error, message, status, violations[]} — never HTML, never a stack.
import type { ErrorRequestHandler, Response } from 'express';
import { StoreUnavailableError } from './store/types.js';
import { maskPath } from './tokens.js';
import type { ErrorBody, Violation } from './types.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** An error the stub answers with (the body is the description's `Error`); not the client's `ApiError` result. */
export class StubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly violations?: Violation[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'StubError';
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: this.code, message: this.message, status: this.status };
    if (this.violations && this.violations.length > 0) body.violations = this.violations;
    return body;
  }
}

/** The errors the stub answers with, by situation. */
export const Errors = {
  unknownToken: () =>
    new StubError(401, 'chatapi.token.unknown', 'No Chat API channel has this token.', [
      { location: 'path', path: 'token', message: 'no channel has this token' },
    ]),
  invalidRequest: (violations: Violation[], message?: string) =>
    new StubError(400, 'chatapi.request.invalid', message ?? violations.map(describe).join('; '), violations),
  malformedJson: (detail: string) =>
    new StubError(400, 'chatapi.request.malformed_json', 'The request body is not valid JSON.', [
      { location: 'body', path: '', message: detail },
    ]),
  /** The sender hung up halfway, or sent fewer bytes than its content-length announced. */
  incompleteBody: (detail: string) =>
    new StubError(400, 'chatapi.request.incomplete', 'The request body was cut short.', [{ location: 'body', path: '', message: detail }]),
  tooLarge: () =>
    new StubError(413, 'chatapi.request.too_large', `The request body is larger than ${BODY_LIMIT_BYTES} bytes.`, [
      { location: 'body', path: '', message: `must be at most ${BODY_LIMIT_BYTES} bytes` },
    ]),
  unsupportedMediaType: (detail = 'must be application/json', header = 'content-type') =>
    new StubError(
      415,
      'chatapi.request.unsupported_media_type',
      header === 'content-type' ? 'The request body must be application/json.' : `The request's ${header} is not supported.`,
      [{ location: 'header', path: header, message: detail }],
    ),
  routeNotFound: (method: string, path: string) =>
    new StubError(404, 'chatapi.route.not_found', `There is no ${method} ${path}.`, [
      { location: 'path', path, message: 'no operation has this path' },
    ]),
  methodNotAllowed: (method: string, allowed: string) => {
    const allow = allowed
      .split(',')
      .map((m) => m.trim().toUpperCase())
      .filter((m) => m !== '')
      .sort()
      .join(', ');
    return new StubError(405, 'chatapi.method.not_allowed', `${method} is not allowed here; use ${allow}.`, [{ message: `allowed methods: ${allow}` }], {
      Allow: allow,
    });
  },
  /** The store shared with other stubs (Redis) is unreachable: the description's 503, nothing done. */
  storeUnavailable: () =>
    new StubError(503, 'chatapi.service.unavailable', 'The service is unavailable for a moment; try again shortly.', [{ message: 'the store shared by the stubs is unreachable' }], {
      'Retry-After': '1',
    }),
  clientNotFound: (clientId: string) =>
    new StubError(404, 'chatapi.client.not_found', `Client '${clientId}' is not known to this channel.`, [
      { location: 'path', path: 'clientId', message: 'no message was exchanged with this client' },
    ]),
  /** `at`: where the id was given, the path parameter or a member of the body (a batch). */
  messageNotFound: (clientId: string, questionId: string, at: Pick<Violation, 'location' | 'path'> = { location: 'path', path: 'questionId' }) =>
    new StubError(404, 'chatapi.message.not_found', `Client '${clientId}' has no message '${questionId}'.`, [
      { ...at, message: 'no bot or operator message to this client has this id' },
    ]),
  malformedEscape: (location: 'path' | 'query', path: string, text: string) =>
    new StubError(400, 'chatapi.request.malformed_escape', `The ${location} has a malformed percent escape: ${JSON.stringify(text)}.`, [
      { location, path, message: 'must be percent-encoded UTF-8 (a % followed by two hex digits, forming valid UTF-8)' },
    ]),
  uriTooLong: (limit: number) =>
    new StubError(414, 'chatapi.request.uri_too_long', `The request line is longer than ${limit} bytes; send long text in a POST body.`, [
      { location: 'query', path: '', message: `the path and query string must be at most ${limit} bytes once percent-encoded` },
    ]),
  headersTooLarge: (limit: number) =>
    new StubError(431, 'chatapi.request.headers_too_large', `The request headers are larger than ${limit} bytes.`, [
      { location: 'header', path: '', message: `the request line and headers must be at most ${limit} bytes` },
    ]),
  /** A method no server implements (RFC 9110 § 9.1: 501). */
  unknownMethod: () => new StubError(501, 'chatapi.method.unknown', 'The request method is not one this server knows.', [{ message: 'use GET or POST' }]),
  /** Bytes the HTTP parser refused: a control character in a header, a broken request line. */
  malformedRequest: (detail: string) =>
    new StubError(400, 'chatapi.request.malformed', 'The request is not well-formed HTTP/1.1.', [{ message: `refused by the HTTP parser (${detail})` }]),
  internal: () => new StubError(500, 'chatapi.internal', 'The stub failed unexpectedly; the error is in its log.'),
};

const describe = (v: Violation) => `${v.location ?? ''}${v.path ? ` ${v.path}` : ''}: ${v.message}`.trim();

/** An error thrown by express-openapi-validator (the fields it sets; see its framework/types). */
interface ValidatorError {
  status: number;
  message: string;
  headers?: Record<string, string>;
  errors?: { path?: string; message: string; errorCode?: string }[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Turns a validator path into a violation: `/body/a/0` → body `/a/0` (a JSON pointer, `''` for
 * the whole body); `/query/ts` → query `ts`; `/params/token` → path `token`; `/headers/x` → header.
 */
export function validatorViolation(path: string | undefined, message: string): Violation {
  const segments = (path ?? '').replace(/^[./]+/, '').split(/[./]/);
  const [area = '', ...rest] = segments;
  switch (area) {
    case 'body':
      return { location: 'body', path: rest.length ? `/${(path ?? '').replace(/^[./]*body[./]?/, '')}` : '', message };
    case 'query':
      return { location: 'query', path: rest.join('.'), message };
    case 'params':
      return { location: 'path', path: rest.join('.'), message };
    case 'headers':
      return { location: 'header', path: rest.join('.'), message };
    default:
      return { message };
  }
}

/**
 * A body that breaks a `oneOf` gets a complaint from every branch; the one that names the real
 * problem (a value out of range, a wrong type) comes first, the branches' missing members
 * ("must have required property 'event'" for a body that sent `query`) and the oneOf summary last.
 */
function mostTellingFirst(violations: Violation[]): Violation[] {
  const rank = (v: Violation) => (/must match (exactly one|a schema in anyOf)/.test(v.message) ? 3 : /must NOT be valid/.test(v.message) ? 2 : /must have required property/.test(v.message) ? 1 : 0);
  return [...violations].sort((a, b) => rank(a) - rank(b));
}

/**
 * Maps anything thrown while handling a request to an StubError; `unexpected` marks the ones that are
 * the stub's fault (logged with their stack).
 */
export function toStubError(error: unknown, method: string, path: string): { stubError: StubError; unexpected: boolean } {
  if (error instanceof StubError) return { stubError: error, unexpected: error.status >= 500 };
  // The store says once that it lost Redis (and when it is back): not a stack per request.
  if (error instanceof StoreUnavailableError) return { stubError: Errors.storeUnavailable(), unexpected: false };
  if (isObject(error) && typeof error.status === 'number' && Array.isArray(error.errors)) {
    const v = error as unknown as ValidatorError;
    switch (v.status) {
      case 400: {
        // Branches of a oneOf repeat the same finding: list each once.
        const seen = new Set<string>();
        const violations = (v.errors ?? [])
          .map((e) => validatorViolation(e.path, e.message))
          .filter((violation) => {
            const key = `${violation.location ?? ''}|${violation.path ?? ''}|${violation.message}`;
            return seen.has(key) ? false : (seen.add(key), true);
          });
        return { stubError: Errors.invalidRequest(mostTellingFirst(violations)), unexpected: false };
      }
      case 404:
        return { stubError: Errors.routeNotFound(method, path), unexpected: false };
      case 405:
        return { stubError: Errors.methodNotAllowed(method, v.headers?.Allow?.toUpperCase() ?? ''), unexpected: false };
      case 413:
        return { stubError: Errors.tooLarge(), unexpected: false };
      case 415:
        return { stubError: Errors.unsupportedMediaType(), unexpected: false };
      case 500: {
        // The stub answered with something the description does not allow: a bug of the stub.
        const violations = (v.errors ?? []).map((e) => ({ path: e.path ?? '', message: e.message }));
        return {
          stubError: new StubError(500, 'chatapi.response.invalid', `The stub's response broke the description: ${v.message}`, violations),
          unexpected: true,
        };
      }
      default:
        break;
    }
  }
  return { stubError: Errors.internal(), unexpected: true };
}

export function sendError(res: Response, stubError: StubError): void {
  if (stubError.headers) res.set(stubError.headers);
  res.status(stubError.status).json(stubError.toBody());
}

export type Log = (line: string) => void;

/** The last error handler of every router: shapes the body, logs what is the stub's own fault. */
export function errorHandler(logError: Log): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const { stubError, unexpected } = toStubError(error, req.method, req.path);
    if (unexpected) {
      logError(`chatapi stub: ${req.method} ${maskPath(req.path)} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    if (res.headersSent) {
      // Too late for a body: end the exchange rather than leave the client hanging.
      res.destroy();
      return;
    }
    sendError(res, stubError);
  };
}
