// Delivers reply envelopes to channel webhooks, never on the request's own time: at least once, and
// in order per channel and client. The store keeps every delivery and a lane per client with its
// pending ones; a process claims a lane (with a shared store, only one process holds a lane at a
// time, and a lane whose holder died is taken over), then sends its head, retried with exponential
// back-off (capped at maxDelayMs) on a network error, a timeout or a non-2xx answer, and goes on
// with the next until the lane is empty. One that exhausts its attempts is kept as failed, with
// those behind it, until it is replayed.
import { setMaxListeners } from 'node:events';
import type { WebhookRetryConfig } from './config.js';
import type { Log } from './errors.js';
import { clientKey } from './store/types.js';
import type { ChatStore, DeliveryAttempt, LaneClaim, StoredDelivery } from './store/types.js';
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
  /** Where deliveries and their lanes are kept. */
  store: ChatStore;
  /** How often a lane being worked on is renewed (a shared store lets an unrenewed claim lapse). */
  renewEveryMs?: number;
}

/** Why a delivery behind a failed one fails with it: sending it would break the order. */
export const BEHIND_FAILED = 'not attempted: an earlier delivery to this client exhausted its attempts';

export class WebhookDeliverer {
  /** Lanes this process is sending. */
  private readonly pumping = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Cuts every attempt and wait in flight (reset, close); one listener per lane being sent. */
  private abort = stopSignal();
  private closed = false;

  constructor(private readonly options: DelivererOptions) {}

  /** The store says a lane has pending deliveries: claim it and send them (on a later turn: never on a request's time). */
  work(claim: LaneClaim): void {
    if (this.closed) return;
    this.later(0, () => void this.claimAndPump(claim));
  }

  /** Takes up lanes left with pending deliveries (a restart over a persistent store). */
  async resume(): Promise<void> {
    for (const claim of await this.options.store.orphanedLanes()) this.work(claim);
  }

  /** Cancels retries and attempts in flight (the caller forgets the deliveries in the store). */
  reset(): void {
    this.stop();
    this.abort = stopSignal();
  }

  /**
   * Stops for good: retries and attempts in flight are cancelled, and pending deliveries stay
   * pending in the store, for the next start (or another process) to send.
   */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private stop(): void {
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pumping.clear();
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.timers.add(timer);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async claimAndPump(claim: LaneClaim): Promise<void> {
    const { store } = this.options;
    const key = clientKey(claim.token, claim.clientId);
    const abort = this.abort;
    try {
      if (!(await store.claimLane(claim))) return;
    } catch (error) {
      this.retryLater(claim, error);
      return;
    }
    this.pumping.add(key);
    let renewing: NodeJS.Timeout | undefined;
    let lost = false;
    const every = this.options.renewEveryMs ?? 0;
    if (every > 0) {
      renewing = setInterval(() => {
        store.renewLane(claim).then(
          (kept) => void (lost ||= !kept),
          () => undefined, // the store is away; the next renewal tries again
        );
      }, every);
    }
    try {
      while (!abort.signal.aborted && !lost) {
        const head = await store.laneHead(claim);
        if (!head) {
          if (await store.releaseLane(claim)) return;
          continue;
        }
        await this.send(head, abort.signal);
      }
    } catch (error) {
      if (!abort.signal.aborted) this.retryLater(claim, error);
    } finally {
      clearInterval(renewing);
      this.pumping.delete(key);
    }
  }

  /** The store failed under a lane (Redis away): try again later; the deliveries are safe in the store. */
  private retryLater(claim: LaneClaim, error: unknown): void {
    if (this.closed) return;
    this.options.logError(`chatapi stub: webhook deliveries to a client wait: ${(error as Error).message ?? String(error)}`);
    this.later(1_000, () => void this.claimAndPump(claim));
  }

  /** Sends one delivery until it is delivered, fails, or the deliverer stops. */
  private async send(delivery: Delivery, signal: AbortSignal): Promise<void> {
    const { store, retry } = this.options;
    let check: PayloadCheckResult;
    try {
      check = await this.options.checkPayload(delivery.payload);
    } catch (error) {
      check = { valid: false, violations: [{ pointer: '', message: (error as Error).message }] };
    }
    if (signal.aborted) return;
    if (!check.valid) {
      // The stub built a payload the description does not allow: its own bug, so say so loudly.
      // Only this one fails: the next ones are fine and the receiver loses nothing it could take.
      delivery.error = `the payload breaks WebhookPayload: ${check.violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`;
      this.options.logError(`chatapi stub: webhook delivery ${delivery.id} not sent, ${delivery.error}`);
      delivery.state = 'failed';
      await store.saveDelivery(delivery, { behindError: BEHIND_FAILED });
      return;
    }
    const body = JSON.stringify(delivery.payload);
    for (;;) {
      const record = await this.attempt(delivery, body, signal);
      // Reset or closed while in flight: record nothing (after a close, the delivery stays pending
      // in the store and is attempted again by the next start: at least once).
      if (!record) return;
      delivery.attempts.push(record);
      if (record.error === undefined) {
        delivery.state = 'delivered';
        return store.saveDelivery(delivery, { behindError: BEHIND_FAILED });
      }
      const round = delivery.attempts.length - delivery.roundStart;
      if (round >= retry.attempts) {
        delivery.state = 'failed';
        return store.saveDelivery(delivery, { behindError: BEHIND_FAILED });
      }
      await store.saveDelivery(delivery);
      await this.wait(Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (round - 1)), signal);
      if (signal.aborted) return;
    }
  }

  private async attempt(delivery: Delivery, body: string, stop: AbortSignal): Promise<DeliveryAttempt | undefined> {
    const { timeoutMs } = this.options.retry;
    const started = performance.now();
    const record: DeliveryAttempt = { at: new Date().toISOString(), durationMs: 0 };
    if (this.options.store.owner !== undefined) record.by = this.options.store.owner;
    // An explicit timer rather than AbortSignal.timeout(): combined with AbortSignal.any(), a
    // timeout signal can be garbage-collected before it fires, leaving a hung receiver hung forever.
    const attemptAbort = new AbortController();
    const timer = setTimeout(() => attemptAbort.abort(new DOMException('attempt timed out', 'TimeoutError')), timeoutMs);
    const onStop = () => attemptAbort.abort(stop.reason);
    stop.addEventListener('abort', onStop, { once: true });
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
      stop.removeEventListener('abort', onStop);
    }
    if (stop.aborted) return undefined;
    record.durationMs = Math.round(performance.now() - started);
    return record;
  }
}

/** An AbortController whose signal takes a listener per lane in flight without Node's leak warning. */
function stopSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
