// Delivers reply envelopes to channel webhooks: a queue of deliveries, each retried with exponential
// back-off on a network error, a timeout or a non-2xx answer, never on the request's own time.
import { newDeliveryId } from './clock.js';
import type { WebhookRetryConfig } from './config.js';
import type { Log } from './errors.js';
import type { ChatResponse } from './types.js';

export interface DeliveryAttempt {
  /** When the attempt started (ISO 8601, UTC). */
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

export interface Delivery {
  id: string;
  token: string;
  url: string;
  /** The questionIds of the envelopes, for filtering. */
  questionIds: string[];
  payload: ChatResponse[];
  state: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  /** Why the delivery failed without an attempt (a payload that breaks the description). */
  error?: string;
}

export interface PayloadCheckResult {
  valid: boolean;
  violations: { pointer: string; message: string }[];
}

export type PayloadCheck = (payload: ChatResponse[]) => PayloadCheckResult | Promise<PayloadCheckResult>;

export interface DelivererOptions {
  retry: WebhookRetryConfig;
  /** Checks each payload against the description's WebhookPayload before it is sent. */
  checkPayload: PayloadCheck;
  logError: Log;
  /** Finished deliveries kept for the control API (the oldest are forgotten first). */
  maxFinished?: number;
}

export class WebhookDeliverer {
  private readonly deliveries = new Map<string, Delivery>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private finished: string[] = [];
  /** Aborted on reset and close: ends every attempt in flight. */
  private abort = new AbortController();

  constructor(private readonly options: DelivererOptions) {}

  /** Queues a delivery and returns at once; the first attempt starts on the next turn of the event loop. */
  enqueue(token: string, url: string, payload: ChatResponse[]): Delivery {
    const delivery: Delivery = {
      id: newDeliveryId(),
      token,
      url,
      questionIds: payload.map((item) => item.questionId),
      payload,
      state: 'pending',
      attempts: [],
    };
    this.deliveries.set(delivery.id, delivery);
    this.later(0, () => void this.start(delivery));
    return delivery;
  }

  list(filter: { token?: string; questionId?: string } = {}): Delivery[] {
    return [...this.deliveries.values()].filter(
      (d) => (filter.token === undefined || d.token === filter.token) && (filter.questionId === undefined || d.questionIds.includes(filter.questionId)),
    );
  }

  /** Cancels retries and attempts in flight, and forgets every delivery. */
  reset(): void {
    this.abort.abort();
    this.abort = new AbortController();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.deliveries.clear();
    this.finished = [];
  }

  close(): void {
    this.reset();
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private async start(delivery: Delivery): Promise<void> {
    const abort = this.abort;
    let check: PayloadCheckResult;
    try {
      check = await this.options.checkPayload(delivery.payload);
    } catch (error) {
      check = { valid: false, violations: [{ pointer: '', message: (error as Error).message }] };
    }
    // Reset while the validator was being built: this delivery is forgotten.
    if (abort.signal.aborted) return;
    if (!check.valid) {
      // The stub built a payload the description does not allow: its own bug, so say so loudly.
      delivery.error = `the payload breaks WebhookPayload: ${check.violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`;
      this.options.logError(`chatapi stub: webhook delivery ${delivery.id} not sent, ${delivery.error}`);
      this.finish(delivery, 'failed');
      return;
    }
    void this.attempt(delivery, JSON.stringify(delivery.payload));
  }

  private async attempt(delivery: Delivery, body: string): Promise<void> {
    const { attempts, baseDelayMs, timeoutMs } = this.options.retry;
    const abort = this.abort;
    const started = performance.now();
    const record: DeliveryAttempt = { at: new Date().toISOString(), durationMs: 0 };
    // An explicit timer rather than AbortSignal.timeout(): combined with AbortSignal.any(), a
    // timeout signal can be garbage-collected before it fires, leaving a hung receiver hung forever.
    const attemptAbort = new AbortController();
    const timer = setTimeout(() => attemptAbort.abort(new DOMException('attempt timed out', 'TimeoutError')), timeoutMs);
    const onReset = () => attemptAbort.abort(abort.signal.reason);
    abort.signal.addEventListener('abort', onReset, { once: true });
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'chatapi-contract-stub',
          'x-chatapi-delivery': delivery.id,
          'x-chatapi-attempt': String(delivery.attempts.length + 1),
        },
        body,
        redirect: 'manual',
        signal: attemptAbort.signal,
      });
      record.statusCode = response.status;
      // The receiver's body is ignored; read it so that the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) record.error = `HTTP ${response.status}`;
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      record.error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    } finally {
      clearTimeout(timer);
      abort.signal.removeEventListener('abort', onReset);
    }
    // A reset while in flight: this delivery is forgotten, record nothing.
    if (abort.signal.aborted) return;
    record.durationMs = Math.round(performance.now() - started);
    delivery.attempts.push(record);
    if (record.error === undefined) return this.finish(delivery, 'delivered');
    if (delivery.attempts.length >= attempts) return this.finish(delivery, 'failed');
    this.later(baseDelayMs * 2 ** (delivery.attempts.length - 1), () => void this.attempt(delivery, body));
  }

  private finish(delivery: Delivery, state: 'delivered' | 'failed'): void {
    delivery.state = state;
    this.finished.push(delivery.id);
    const max = this.options.maxFinished ?? 1000;
    if (this.finished.length > max) {
      for (const id of this.finished.splice(0, this.finished.length - max)) this.deliveries.delete(id);
    }
  }
}
