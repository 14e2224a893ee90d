// The run's webhook receiver: a node:http server on loopback that acknowledges every POST at
// once (as the description asks of receivers) and records every delivery with what is wrong with
// it, so that a malformed one is reported even when no check was waiting for it. It reads, parses
// and judges through the package's receiver core (client/webhook/), as any receiver would, but never
// refuses: a 4xx would only make the target retry what the suite has already recorded.
import { createServer, type Server } from 'node:http';
import type { SchemaValidator } from '../../description/schemas.js';
import { readBody, type BodyRead } from '../../client/webhook/read-body.js';
import { bodyViolations, judgeDelivery, type Violation } from '../../client/webhook/receiver.js';

export interface ReceivedPayload {
  receivedAt: number;
  method: string;
  path: string;
  contentType: string | null;
  text: string;
  json?: unknown;
  jsonError?: string;
  /** What breaks the description, in its own `Violation` shape (`path`: a JSON pointer into the body). */
  violations: Violation[];
}

export interface WebhookReceiverOptions {
  port: number;
  host?: string;
  validator: SchemaValidator;
  /** Pointer to the payload schema (the webhook operation's request body schema). */
  schemaPointer: string;
  mask: (text: string) => string;
  /** Bodies larger than this are not read (and reported invalid): a receiver must not be flooded. */
  maxBytes?: number;
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
    // The description the suite was given (its webhook's own schema), not the packaged one.
    const check = (value: unknown) => bodyViolations(options.validator.validate(options.schemaPointer, value));
    const server = createServer((req, res) => {
      void readBody(req, { limitBytes: maxBytes }).then((read) => {
        // Acknowledge first: the description asks receivers to answer quickly.
        res.writeHead(204).end();
        // Nothing arrived: the target will send it again.
        if (!read.ok && read.problem.kind === 'aborted') return;
        // What is recorded, reported and judged has the token masked.
        const text = read.ok ? options.mask(read.bytes.toString('utf8')) : '';
        const body: BodyRead = read.ok ? { ok: true, bytes: Buffer.from(text) } : read;
        const judged = judgeDelivery({ method: req.method, contentType: req.headers['content-type'], body }, check);
        const payload: ReceivedPayload = {
          receivedAt: Date.now(),
          method: req.method ?? '',
          path: req.url ?? '/',
          contentType: req.headers['content-type'] ?? null,
          text,
          violations: judged.violations,
        };
        if (judged.json) payload.json = judged.json.value;
        if (!judged.ok && judged.jsonError !== undefined) payload.jsonError = judged.jsonError;
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
