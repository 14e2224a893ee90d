// Reads a JSON request body into req.body for the validator, with the package's one body reader
// (client/webhook/read-body.ts: size limit, drain past it, UTF-8 and identity encoding only).
// Whatever is wrong is raised here, as the stub's own error, for errors.ts to send.
import type { RequestHandler } from 'express';
import { isJsonMediaType, readBodyThen, type BodyProblem } from '../client/webhook/read-body.js';
import { Errors, type StubError } from './errors.js';

/** JSON's own whitespace (RFC 8259): space, tab, LF, CR. */
const isJsonWhitespace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

/** Like body-parser's strict mode: only an object or an array at the top level. */
function parseStrict(text: string): { value: unknown } | { error: string } {
  // The first token, found by a scan rather than a RegExp match (no match array on every request).
  let at = 0;
  while (at < text.length && isJsonWhitespace(text.charCodeAt(at))) at++;
  const first = text[at];
  if (first !== '{' && first !== '[') return { error: `Unexpected token ${first ?? 'end of input'}: the body must be a JSON object or array` };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The stub's answer to a body the reader refused (the mock's guard answers the same). */
export function bodyProblemError(problem: BodyProblem): StubError {
  switch (problem.kind) {
    case 'too_large':
      return Errors.tooLarge();
    case 'unsupported_encoding':
      return Errors.unsupportedMediaType(problem.message, 'content-encoding');
    case 'unsupported_charset':
      return Errors.unsupportedMediaType(`${problem.message}: the charset must be utf-8`);
    case 'aborted':
    case 'size_mismatch':
      return Errors.incompleteBody(problem.message);
  }
}

const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

export function jsonBody(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    if (!isJsonMediaType(req.headers['content-type'])) return next(); // the validator answers 415
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (!hasBody) {
      // A POST that says it sends JSON and sends nothing: the validator cannot see a missing body
      // under a oneOf or free-form schema, so it is refused here, as empty input is not JSON.
      if (BODYLESS_METHODS.has(req.method)) return next();
      return next(Errors.malformedJson('Unexpected end of JSON input: the body is empty'));
    }
    readBodyThen(req, { limitBytes }, (read) => {
      if (!read.ok) return next(bodyProblemError(read.problem));
      const parsed = parseStrict(read.bytes.toString('utf8'));
      if ('error' in parsed) return next(Errors.malformedJson(parsed.error));
      req.body = parsed.value;
      next();
    });
  };
}
