// Delivers reply envelopes to channel webhooks, never on the request's own time: at least once, and
// in order per channel and client. Each client has a queue; only its head is being attempted, and
// is retried with exponential back-off (capped at maxDelayMs) on a network error, a timeout or a
// non-2xx answer. Every delivery is kept in the store, so a pending one outlives a restart (with a
// persistent store); one that exhausts its attempts is kept as failed until it is replayed.
import { setMaxListeners } from 'node:events';
import { newDeliveryId } from './clock.js';
import type { WebhookRetryConfig } from './config.js';
import type { Log } from './errors.js';
import type { ChatStore, DeliveryAttempt, StoredDelivery } from './store/types.js';
import type { ChatResponse } from './types.js';

export type { DeliveryAttempt } from './store/types.js';
export type Delivery = StoredDelivery;

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
  /** Where deliveries are kept; pending ones found there at start-up are resumed. */
  store: ChatStore;
  /** Delivered deliveries kept for the control API (the oldest are forgotten first). */
  maxDelivered?: number;
  /** Failed deliveries kept for replay (the oldest are forgotten first, with a log line). */
  maxFailed?: number;
}

export interface DeliveryFilter {
  token?: string;
  clientId?: string;
  questionId?: string;
  state?: Delivery['state'];
}

/** Why a delivery behind a failed one fails with it: sending it would break the order. */
const BEHIND_FAILED = 'not attempted: an earlier delivery to this client exhausted its attempts';

export class WebhookDeliverer {
  /** Every delivery kept, in seq order (a Map keeps insertion order; replays keep their place). */
  private readonly deliveries = new Map<string, Delivery>();
  /** Pending deliveries per channel and client, in seq order; the head is the one being attempted. */
  private readonly queues = new Map<string, Delivery[]>();
  /** Clients whose head is being attempted or waits for its retry. */
  private readonly busy = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private delivered: string[] = [];
  private failed: string[] = [];
  private seq = 0;
  /** Aborted on reset and close: ends every attempt in flight. */
  /** Cuts every attempt in flight (reset, close); one listener per client with an attempt out. */
  private abort = stopSignal();
  private closed = false;

  constructor(private readonly options: DelivererOptions) {}

  /** Takes up the deliveries kept in the store: pending ones are queued again, in order. */
  resume(): number {
    let resumed = 0;
    for (const delivery of this.options.store.loadDeliveries()) {
      this.deliveries.set(delivery.id, delivery);
      this.seq = Math.max(this.seq, delivery.seq);
      if (delivery.state === 'delivered') this.delivered.push(delivery.id);
      else if (delivery.state === 'failed') this.failed.push(delivery.id);
      else {
        this.queueOf(delivery).push(delivery);
        resumed++;
      }
    }
    for (const key of this.queues.keys()) this.pump(key);
    return resumed;
  }

  /** Queues a delivery (kept in the store before this returns) and returns at once. */
  enqueue(token: string, url: string, payload: ChatResponse[]): Delivery {
    const delivery: Delivery = {
      id: newDeliveryId(),
      seq: ++this.seq,
      token,
      clientId: payload[0]?.clientId ?? '',
      url,
      questionIds: payload.map((item) => item.questionId),
      payload,
      state: 'pending',
      attempts: [],
      roundStart: 0,
    };
    this.deliveries.set(delivery.id, delivery);
    this.options.store.saveDelivery(delivery);
    const queue = this.queueOf(delivery);
    queue.push(delivery);
    this.pump(this.keyOf(delivery));
    return delivery;
  }

  list(filter: DeliveryFilter = {}): Delivery[] {
    return [...this.deliveries.values()].filter(
      (d) =>
        (filter.token === undefined || d.token === filter.token) &&
        (filter.clientId === undefined || d.clientId === filter.clientId) &&
        (filter.state === undefined || d.state === filter.state) &&
        (filter.questionId === undefined || d.questionIds.includes(filter.questionId)),
    );
  }

  /**
   * Failed deliveries (those given by id, or every one matching the filter) go back to pending for
   * a new round of attempts, in their original order per client. Returns them.
   */
  replay(selection: { ids?: readonly string[]; token?: string }): Delivery[] {
    const wanted = selection.ids === undefined ? undefined : new Set(selection.ids);
    const replayed = this.list({ token: selection.token, state: 'failed' }).filter((d) => wanted === undefined || wanted.has(d.id));
    const keys = new Set<string>();
    for (const delivery of replayed) {
      delivery.state = 'pending';
      delivery.roundStart = delivery.attempts.length;
      delete delivery.error;
      this.options.store.saveDelivery(delivery);
      const queue = this.queueOf(delivery);
      // In seq order behind the head being attempted (which cannot be taken back).
      const key = this.keyOf(delivery);
      const from = this.busy.has(key) ? 1 : 0;
      let at = queue.length;
      while (at > from && queue[at - 1]!.seq > delivery.seq) at--;
      queue.splice(at, 0, delivery);
      keys.add(key);
    }
    this.failed = this.failed.filter((id) => this.deliveries.get(id)?.state === 'failed');
    for (const key of keys) this.pump(key);
    return replayed;
  }

  /** Cancels retries and attempts in flight, and forgets every delivery (here and in the store). */
  reset(): void {
    this.stop();
    this.abort = stopSignal();
    this.options.store.deleteDeliveries([...this.deliveries.keys()]);
    this.deliveries.clear();
    this.queues.clear();
    this.busy.clear();
    this.delivered = [];
    this.failed = [];
  }

  /**
   * Stops for good: retries and attempts in flight are cancelled, and pending deliveries stay
   * pending in the store, for the next start over the same store to resume.
   */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private stop(): void {
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private keyOf(delivery: Delivery): string {
    return `${delivery.token}\u0000${delivery.clientId}`;
  }

  private queueOf(delivery: Delivery): Delivery[] {
    const key = this.keyOf(delivery);
    let queue = this.queues.get(key);
    if (!queue) {
      queue = [];
      this.queues.set(key, queue);
    }
    return queue;
  }

  /** Starts the client's head delivery unless one is already under way. */
  private pump(key: string): void {
    if (this.closed || this.busy.has(key)) return;
    const head = this.queues.get(key)?.[0];
    if (!head) {
      this.queues.delete(key);
      return;
    }
    this.busy.add(key);
    // On the next turn of the event loop: a delivery never holds up the request that made it.
    this.later(0, () => void this.start(key, head));
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private async start(key: string, delivery: Delivery): Promise<void> {
    const abort = this.abort;
    let check: PayloadCheckResult;
    try {
      check = await this.options.checkPayload(delivery.payload);
    } catch (error) {
      check = { valid: false, violations: [{ pointer: '', message: (error as Error).message }] };
    }
    // Reset or closed while the validator was being built: nothing more to do.
    if (abort.signal.aborted) return;
    if (!check.valid) {
      // The stub built a payload the description does not allow: its own bug, so say so loudly.
      // Only this one fails: the next ones are fine and the receiver loses nothing it could take.
      delivery.error = `the payload breaks WebhookPayload: ${check.violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`;
      this.options.logError(`chatapi stub: webhook delivery ${delivery.id} not sent, ${delivery.error}`);
      this.settle(key, delivery, 'failed');
      return;
    }
    void this.attempt(key, delivery, JSON.stringify(delivery.payload));
  }

  private async attempt(key: string, delivery: Delivery, body: string): Promise<void> {
    const { attempts, baseDelayMs, maxDelayMs, timeoutMs } = this.options.retry;
    const abort = this.abort;
    const started = performance.now();
    const record: DeliveryAttempt = { at: new Date().toISOString(), durationMs: 0 };
    // An explicit timer rather than AbortSignal.timeout(): combined with AbortSignal.any(), a
    // timeout signal can be garbage-collected before it fires, leaving a hung receiver hung forever.
    const attemptAbort = new AbortController();
    const timer = setTimeout(() => attemptAbort.abort(new DOMException('attempt timed out', 'TimeoutError')), timeoutMs);
    const onStop = () => attemptAbort.abort(abort.signal.reason);
    abort.signal.addEventListener('abort', onStop, { once: true });
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
      abort.signal.removeEventListener('abort', onStop);
    }
    // Reset or closed while in flight: record nothing (after a close, the delivery stays pending
    // in the store and is attempted again by the next start: at least once).
    if (abort.signal.aborted) return;
    record.durationMs = Math.round(performance.now() - started);
    delivery.attempts.push(record);
    if (record.error === undefined) return this.settle(key, delivery, 'delivered');
    const round = delivery.attempts.length - delivery.roundStart;
    if (round >= attempts) return this.settle(key, delivery, 'failed');
    this.options.store.saveDelivery(delivery);
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (round - 1));
    this.later(delay, () => void this.attempt(key, delivery, body));
  }

  /** The head is done: record it, and go on with the client's next delivery. */
  private settle(key: string, delivery: Delivery, state: 'delivered' | 'failed'): void {
    const queue = this.queues.get(key) ?? [];
    if (queue[0] === delivery) queue.shift();
    this.busy.delete(key);
    this.finish(delivery, state);
    // A delivery that exhausted its attempts takes the ones queued behind it along: sending them
    // would put them before it at the receiver. All of them wait, in order, for a replay.
    if (state === 'failed' && delivery.error === undefined) {
      for (const behind of queue.splice(0)) {
        behind.error = BEHIND_FAILED;
        this.finish(behind, 'failed');
      }
    }
    this.pump(key);
  }

  private finish(delivery: Delivery, state: 'delivered' | 'failed'): void {
    delivery.state = state;
    this.options.store.saveDelivery(delivery);
    const list = state === 'delivered' ? this.delivered : this.failed;
    list.push(delivery.id);
    const max = state === 'delivered' ? (this.options.maxDelivered ?? 1_000) : (this.options.maxFailed ?? 10_000);
    if (list.length > max) {
      const dropped = list.splice(0, list.length - max);
      if (state === 'failed') this.options.logError(`chatapi stub: ${dropped.length} failed webhook deliveries forgotten (more than ${max} kept)`);
      for (const id of dropped) this.deliveries.delete(id);
      this.options.store.deleteDeliveries(dropped);
    }
  }
}

/** An AbortController whose signal takes a listener per client in flight without Node's leak warning. */
function stopSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
