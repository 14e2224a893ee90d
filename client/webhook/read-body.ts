// The one reader of request bodies, for the server stub, the webhook receiver and the contract
// suite's receiver: it reads a body up to a size limit without buffering more, and says plainly
// why it could not (too large, cut short, compressed, not UTF-8). Callers turn that into their own
// answer; nothing here knows HTTP statuses or error bodies.
//
// Why not body-parser / raw-body: profiling the stub under load put them at about a sixth of its
// CPU, most of it generality that Chat API bodies never need (charset conversion, inflating
// compressed bodies, stream plumbing). Every body here is a small UTF-8 JSON document.
import type { IncomingMessage } from 'node:http';

/** Why a body could not be read; `message` says it in words fit for a `Violation`. */
export type BodyProblem =
  | { kind: 'too_large'; limitBytes: number; message: string }
  | { kind: 'unsupported_encoding'; encoding: string; message: string }
  | { kind: 'unsupported_charset'; charset: string; message: string }
  | { kind: 'aborted'; message: string }
  | { kind: 'size_mismatch'; declared: number; received: number; message: string };

export type BodyRead = { ok: true; bytes: Buffer } | { ok: false; problem: BodyProblem };

export interface ReadBodyOptions {
  /** Largest body read, in bytes; past it the rest is drained and dropped. */
  limitBytes: number;
}

/** `application/json` or any `+json` type, with or without parameters. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

/** The `charset` parameter of a Content-Type, lower-cased; undefined when there is none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

const problem = (read: BodyProblem): BodyRead => ({ ok: false, problem: read });

/** What is wrong with the body's headers alone (encoding, charset, declared size), if anything. */
function headerProblem(request: IncomingMessage, limitBytes: number): BodyProblem | undefined {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') return { kind: 'unsupported_encoding', encoding, message: `unsupported content encoding "${encoding}"` };
  const charset = charsetOf(request.headers['content-type']);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return { kind: 'unsupported_charset', charset, message: `unsupported charset "${charset.toUpperCase()}"` };
  }
  const declared = Number(request.headers['content-length']);
  if (declared > limitBytes) return tooLarge(limitBytes);
  return undefined;
}

const tooLarge = (limitBytes: number): BodyProblem => ({ kind: 'too_large', limitBytes, message: `must be at most ${limitBytes} bytes` });

/**
 * Reads the body. A refused body is still read to its end and dropped rather than the stream
 * destroyed: a socket closed with unread data is reset, and a reset can make the sender lose the
 * answer (a 413 it should see). The promise settles as soon as the outcome is known.
 */
export function readBody(request: IncomingMessage, options: ReadBodyOptions): Promise<BodyRead> {
  return new Promise((resolve) => readBodyThen(request, options, resolve));
}

/**
 * `readBody` for a hot path: `done` is called once, with what the promise would hold, and no
 * promise or microtask is made (the stub reads a body on nearly every request).
 */
export function readBodyThen(request: IncomingMessage, { limitBytes }: ReadBodyOptions, done: (read: BodyRead) => void): void {
  const refused = headerProblem(request, limitBytes);
  if (refused) {
    request.resume();
    return done(problem(refused));
  }
  const declared = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
  let chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  const settle = (read: BodyRead) => {
    if (settled) return;
    settled = true;
    chunks = [];
    done(read);
  };
  request.on('data', (chunk: Buffer) => {
    if (settled) return; // draining past the limit
    received += chunk.length;
    if (received > limitBytes) settle(problem(tooLarge(limitBytes)));
    else chunks.push(chunk);
  });
  request.on('end', () => {
    if (declared !== undefined && declared !== received) {
      return settle(problem({ kind: 'size_mismatch', declared, received, message: `got ${received} bytes of the ${declared} the content-length announced` }));
    }
    settle({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received) });
  });
  // The sender hung up halfway: the stream closes before its end. (Node emits an "aborted" error
  // first only to a request that has error listeners; with none, 'close' is the one signal, and
  // a listener fewer is measurably cheaper on every request.)
  request.on('close', () => settle(problem({ kind: 'aborted', message: 'the request was aborted' })));
}
