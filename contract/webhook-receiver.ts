// The suite's webhook receiver: a node:http server on loopback that acknowledges every POST at
// once (as the description asks of receivers) and validates every payload against the webhook's
// schema, so that a malformed delivery is reported even when no check was waiting for it.
import { createServer, type Server } from 'node:http';
import type { SchemaValidator, Violation } from '../description/schemas.js';

export interface ReceivedPayload {
  receivedAt: number;
  method: string;
  path: string;
  contentType: string | null;
  text: string;
  json?: unknown;
  jsonError?: string;
  violations: Violation[];
}

export interface WebhookReceiverOptions {
  port: number;
  host?: string;
  validator: SchemaValidator;
  /** Pointer to the payload schema (the webhook operation's request body schema). */
  schemaPointer: string;
  mask: (text: string) => string;
  /** Bodies larger than this are cut (and reported invalid): a receiver must not be flooded. */
  maxBytes?: number;
}

/** The questionIds a payload carries, array or not (a broken payload must still be attributable). */
export function questionIdsOf(payload: ReceivedPayload): string[] {
  const items = Array.isArray(payload.json) ? payload.json : [payload.json];
  return items.map((item) => (item as { questionId?: unknown } | null)?.questionId).filter((q): q is string => typeof q === 'string');
}

export class WebhookReceiver {
  readonly payloads: ReceivedPayload[] = [];
  private waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static start(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
    const host = options.host ?? '127.0.0.1';
    const maxBytes = options.maxBytes ?? 1024 * 1024;
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
      });
      req.on('end', () => {
        // Acknowledge first: the description asks receivers to answer quickly.
        res.writeHead(204).end();
        const text = options.mask(Buffer.concat(chunks).toString('utf8'));
        const payload: ReceivedPayload = {
          receivedAt: Date.now(),
          method: req.method ?? '',
          path: req.url ?? '/',
          contentType: req.headers['content-type'] ?? null,
          text,
          violations: [],
        };
        if (req.method !== 'POST') payload.violations.push({ pointer: '', message: `delivered with ${req.method}, expected POST`, keyword: 'method' });
        if (size > maxBytes) payload.violations.push({ pointer: '', message: `larger than ${maxBytes} bytes`, keyword: 'size' });
        try {
          payload.json = JSON.parse(text) as unknown;
          payload.violations.push(...options.validator.validate(options.schemaPointer, payload.json).violations);
        } catch (error) {
          payload.jsonError = (error as Error).message;
          payload.violations.push({ pointer: '', message: `not JSON: ${payload.jsonError}`, keyword: 'json' });
        }
        receiver?.payloads.push(payload);
        for (const wake of receiver?.waiters ?? []) wake();
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : options.port;
        receiver = new WebhookReceiver(server, `http://${host}:${port}/`);
        resolve(receiver);
      });
    });
  }

  /** The first payload (already received or still to come) that satisfies `match`, or undefined after `timeoutMs`. */
  waitFor(match: (payload: ReceivedPayload) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<ReceivedPayload | undefined> {
    const found = this.payloads.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const finish = (value: ReceivedPayload | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const check = () => {
        const hit = this.payloads.find(match);
        if (hit) finish(hit);
      };
      const onAbort = () => finish(undefined);
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      this.waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
