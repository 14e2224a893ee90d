// What a server answers before any operation is reached: a request line or headers past its limits,
// and bytes its HTTP parser refuses (an unknown method, a control character in a header). The
// limits are the description's (`x-request-target-limit` on the 414 response, `x-header-limit` on
// the 431), and every answer is its `Error` body: Node's own would be a bare 400 or 431 with no
// body, which no client can read.
import type { RequestHandler } from 'express';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { OpenApiDocument } from '../description/bundle.js';
import { describeOperations } from '../description/operations.js';
import { Errors, StubError } from './errors.js';

export interface TransportLimits {
  /** Bytes of path and query string (414 past it). */
  requestTarget: number;
  /** Bytes of request line and headers (431 past it): Node's `maxHeaderSize`. */
  headers: number;
}

/** Node's defaults, for a description that states no limit. */
const NODE_DEFAULTS: TransportLimits = { requestTarget: 16 * 1024, headers: 16 * 1024 };

/** The limits the description states on its 414 and 431 responses. */
export function transportLimits(document: OpenApiDocument): TransportLimits {
  const responses = describeOperations(document).flatMap((op) => op.responses);
  const limit = (key: string, name: string) => responses.find((r) => r.key === key && typeof r.extensions[name] === 'number')?.extensions[name] as number | undefined;
  return { requestTarget: limit('414', 'x-request-target-limit') ?? NODE_DEFAULTS.requestTarget, headers: limit('431', 'x-header-limit') ?? NODE_DEFAULTS.headers };
}

/** 414 for a path and query string past the limit, before anything reads them. */
export function rejectLongRequestTargets(limits: TransportLimits): RequestHandler {
  return (req, _res, next) => next(Buffer.byteLength(req.originalUrl) > limits.requestTarget ? Errors.uriTooLong(limits.requestTarget) : undefined);
}

/** A whole HTTP/1.1 response carrying a StubError's body, for a socket Express never saw. */
function rawResponse(error: StubError): string {
  const body = JSON.stringify(error.toBody());
  const reason: Record<number, string> = { 400: 'Bad Request', 414: 'URI Too Long', 431: 'Request Header Fields Too Large', 501: 'Not Implemented' };
  return [
    `HTTP/1.1 ${error.status} ${reason[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Access-Control-Allow-Origin: *',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** What Node's HTTP parser refused, as the stub's error. */
export function parserError(code: string | undefined, rawPacket: Buffer | undefined, limits: TransportLimits): StubError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW': {
      // A request line past the target's limit (or one that never ended): the URL is the problem.
      const lineEnd = rawPacket?.indexOf('\r\n') ?? -1;
      return lineEnd < 0 || lineEnd > limits.requestTarget ? Errors.uriTooLong(limits.requestTarget) : Errors.headersTooLarge(limits.headers);
    }
    case 'HPE_INVALID_METHOD':
      return Errors.unknownMethod();
    default:
      return Errors.malformedRequest(code ?? 'a malformed request');
  }
}

/** Answers what the parser refused with the description's Error body (Node's default has none). */
export function answerParserErrors(server: Server, limits: TransportLimits): void {
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(rawResponse(parserError(error.code, error.rawPacket, limits)));
  });
}
