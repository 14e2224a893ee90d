// Rejects a request whose path or query string has a malformed percent escape (`%E0%A4%A`), with a
// 400 that says where. Without it, Express's query parser decodes such a value leniently and the
// stub would store U+FFFD in place of what the client meant, and a path's decoding error would
// surface with no message. A JVM server refuses these requests with a 400 as well.
import type { RequestHandler } from 'express';
import { Errors } from './errors.js';

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

export function rejectMalformedEscapes(): RequestHandler {
  return (req, _res, next) => {
    const url = req.originalUrl;
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    const badSegment = path.split('/').find((segment) => !decodes(segment));
    if (badSegment !== undefined) return next(Errors.malformedEscape('path', badSegment, badSegment));
    if (mark >= 0) {
      for (const pair of url.slice(mark + 1).split('&')) {
        const [name = '', value = ''] = pair.split('=', 2);
        // `+` is a space in a query string (forms, URLSearchParams); it is not an escape.
        if (!decodes(name.replace(/\+/g, ' '))) return next(Errors.malformedEscape('query', name, pair));
        if (!decodes(value.replace(/\+/g, ' '))) return next(Errors.malformedEscape('query', decodeURIComponent(name), pair));
      }
    }
    next();
  };
}
