// Rejects a request whose path or query string has a malformed percent escape (`%E0%A4%A`), with a
// 400 that says where. Without it, Express's query parser decodes such a value leniently and the
// stub would store U+FFFD in place of what the client meant, and a path's decoding error would
// surface with no message. A JVM server refuses these requests with a 400 as well.
import type { RequestHandler } from 'express';
import { malformedPart } from '../description/percent-escapes.js';
import { Errors } from './errors.js';

export function rejectMalformedEscapes(): RequestHandler {
  return (req, _res, next) => {
    const bad = malformedPart(req.originalUrl);
    next(bad ? Errors.malformedEscape(bad.location, bad.name, bad.text) : undefined);
  };
}
