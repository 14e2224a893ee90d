// Reads a JSON request body into req.body for the validator.
//
// Why not express.json(): profiling the stub under load (node --cpu-prof) put body-parser and
// raw-body at about a sixth of its CPU, most of it generality the Chat API never needs (charset
// conversion, inflating compressed bodies, stream plumbing). This reader keeps body-parser's
// observable rules — the same error `type`s, so errors.ts maps them unchanged — for the one case
// the API has: a small UTF-8 JSON document.
import type { RequestHandler } from 'express';

class BodyError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `application/json` or any `+json` type; other bodies are left to the validator (415). */
function isJson(contentType: string): boolean {
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

/** Like body-parser's strict mode: only an object or an array at the top level. */
function parseStrict(text: string): unknown {
  // JSON's own whitespace (RFC 8259: space, tab, LF, CR) before the first token.
  // eslint-disable-next-line no-control-regex
  const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') {
    throw new BodyError('entity.parse.failed', 400, `Unexpected token ${first ?? 'end of input'}: the body must be a JSON object or array`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BodyError('entity.parse.failed', 400, (error as Error).message);
  }
}

export function jsonBody(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !isJson(contentType)) return next();
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (!hasBody) {
      // A POST that says it sends JSON and sends nothing: the validator cannot see a missing body
      // under a oneOf or free-form schema, so it is refused here, as empty input is not JSON.
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE' || req.method === 'OPTIONS') return next();
      return next(new BodyError('entity.parse.failed', 400, 'Unexpected end of JSON input: the body is empty'));
    }

    const fail = (error: BodyError) => {
      // Read and discard the rest, so that the error answer reaches the client.
      req.removeAllListeners('data');
      req.resume();
      next(error);
    };
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') return fail(new BodyError('encoding.unsupported', 415, `unsupported content encoding "${encoding}"`));
    const charset = charsetOf(contentType);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return fail(new BodyError('charset.unsupported', 415, `unsupported charset "${charset.toUpperCase()}"`));
    }
    const declared = Number(req.headers['content-length']);
    if (declared > limitBytes) return fail(new BodyError('entity.too.large', 413, 'request entity too large'));

    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes && !done) {
        done = true;
        fail(new BodyError('entity.too.large', 413, 'request entity too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('aborted', () => {
      if (done) return;
      done = true;
      next(new BodyError('request.aborted', 400, 'request aborted'));
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      if (!Number.isNaN(declared) && declared !== received) {
        return next(new BodyError('request.size.invalid', 400, 'request size did not match content length'));
      }
      try {
        req.body = parseStrict(Buffer.concat(chunks, received).toString('utf8'));
      } catch (error) {
        return next(error);
      }
      next();
    });
  };
}
