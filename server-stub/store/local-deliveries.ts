// Webhook deliveries of a store that one process owns (memory, SQLite): every delivery kept in seq
// order, a lane per client with its pending ones in seq order, the lanes claimed by this process,
// and the bounded lists of delivered and failed ones. The SQLite store persists each change through
// `persist`; the Redis store has its own, shared, implementation.
import { clientKey, type DeliveryFilter, type LaneClaim, type StoredDelivery } from './types.js';

export interface DeliveryLimits {
  /** Delivered deliveries kept for the control API (the oldest are forgotten first). */
  maxDelivered: number;
  /** Failed deliveries kept for replay (the oldest are forgotten first, with a log line). */
  maxFailed: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = { maxDelivered: 1_000, maxFailed: 10_000 };

export interface DeliveryPersistence {
  save(delivery: StoredDelivery): void;
  delete(ids: readonly string[]): void;
}

/** The log line for failed deliveries dropped past the kept limit (every store says it alike). */
export const forgottenLine = (count: number, max: number): string => `chatapi stub: ${count} failed webhook deliveries forgotten (more than ${max} kept)`;

export function matchesDelivery(filter: DeliveryFilter, d: StoredDelivery): boolean {
  return (
    (filter.token === undefined || d.token === filter.token) &&
    (filter.clientId === undefined || d.clientId === filter.clientId) &&
    (filter.state === undefined || d.state === filter.state) &&
    (filter.questionId === undefined || d.questionIds.includes(filter.questionId))
  );
}

/** Which deliveries a replay takes: the failed ones, of one channel or all, by id or all. */
export function replaySelection(failed: readonly StoredDelivery[], selection: { ids?: readonly string[] }): StoredDelivery[] {
  const wanted = selection.ids === undefined ? undefined : new Set(selection.ids);
  return failed.filter((d) => wanted === undefined || wanted.has(d.id));
}

/** A failed delivery made pending again: a new round of attempts, the old ones kept. */
export function reopen(delivery: StoredDelivery): void {
  delivery.state = 'pending';
  delivery.roundStart = delivery.attempts.length;
  delete delivery.error;
}

export class LocalDeliveries {
  /** Every delivery kept, in seq order (a Map keeps insertion order; replays keep their place). */
  private readonly all = new Map<string, StoredDelivery>();
  /** Pending deliveries per lane, in seq order. */
  private readonly lanes = new Map<string, StoredDelivery[]>();
  private readonly claimed = new Set<string>();
  private delivered: string[] = [];
  private failed: string[] = [];
  private seq = 0;

  constructor(
    private readonly limits: DeliveryLimits = DEFAULT_DELIVERY_LIMITS,
    private readonly persist?: DeliveryPersistence,
    private readonly onForgotten?: (count: number, max: number) => void,
  ) {}

  /** Takes up deliveries read back from persistence (in seq order). */
  load(deliveries: readonly StoredDelivery[]): void {
    for (const delivery of deliveries) {
      this.all.set(delivery.id, delivery);
      this.seq = Math.max(this.seq, delivery.seq);
      if (delivery.state === 'delivered') this.delivered.push(delivery.id);
      else if (delivery.state === 'failed') this.failed.push(delivery.id);
      else this.laneOf(delivery).push(delivery);
    }
  }

  private laneOf(delivery: StoredDelivery): StoredDelivery[] {
    const key = clientKey(delivery.token, delivery.clientId);
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = []));
    return lane;
  }

  enqueue(fields: Omit<StoredDelivery, 'seq'>): StoredDelivery {
    const delivery: StoredDelivery = { ...fields, seq: ++this.seq };
    this.all.set(delivery.id, delivery);
    this.laneOf(delivery).push(delivery);
    this.persist?.save(delivery);
    return delivery;
  }

  list(filter: DeliveryFilter = {}): StoredDelivery[] {
    const found: StoredDelivery[] = [];
    for (const delivery of this.all.values()) if (matchesDelivery(filter, delivery)) found.push(delivery);
    return found;
  }

  claim({ token, clientId }: LaneClaim): boolean {
    const key = clientKey(token, clientId);
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }

  head({ token, clientId }: LaneClaim): StoredDelivery | undefined {
    return this.lanes.get(clientKey(token, clientId))?.[0];
  }

  release({ token, clientId }: LaneClaim): boolean {
    const key = clientKey(token, clientId);
    if ((this.lanes.get(key)?.length ?? 0) > 0) return false;
    this.lanes.delete(key);
    this.claimed.delete(key);
    return true;
  }

  save(delivery: StoredDelivery, settle?: { behindError: string }): void {
    // The deliverer may hold a copy (a store that answers with copies): keep the kept object current.
    const kept = this.all.get(delivery.id);
    if (!kept) return; // forgotten meanwhile (a reset, the client evicted)
    if (kept !== delivery) Object.assign(kept, delivery);
    this.persist?.save(kept);
    if (kept.state === 'pending') return;
    const lane = this.lanes.get(clientKey(kept.token, kept.clientId)) ?? [];
    const at = lane.indexOf(kept);
    if (at >= 0) lane.splice(at, 1);
    this.finish(kept);
    // A head that exhausted its attempts takes those queued behind it along: sending them would put
    // them before it at the receiver. All of them wait, in order, for a replay.
    if (settle && kept.state === 'failed' && kept.error === undefined) {
      for (const behind of lane.splice(0)) {
        behind.state = 'failed';
        behind.error = settle.behindError;
        this.persist?.save(behind);
        this.finish(behind);
      }
    }
  }

  private finish(delivery: StoredDelivery): void {
    const delivered = delivery.state === 'delivered';
    const list = delivered ? this.delivered : this.failed;
    list.push(delivery.id);
    const max = delivered ? this.limits.maxDelivered : this.limits.maxFailed;
    if (list.length > max) {
      const dropped = list.splice(0, list.length - max);
      if (!delivered) this.onForgotten?.(dropped.length, max);
      for (const id of dropped) this.all.delete(id);
      this.persist?.delete(dropped);
    }
  }

  replay(selection: { ids?: readonly string[]; token?: string }): StoredDelivery[] {
    const replayed = replaySelection(this.list({ token: selection.token, state: 'failed' }), selection);
    for (const delivery of replayed) {
      reopen(delivery);
      this.persist?.save(delivery);
      // In seq order; a head being attempted stays first (its attempt cannot be taken back).
      const lane = this.laneOf(delivery);
      const key = clientKey(delivery.token, delivery.clientId);
      const from = this.claimed.has(key) && lane.length > 0 ? 1 : 0;
      let at = lane.length;
      while (at > from && lane[at - 1]!.seq > delivery.seq) at--;
      lane.splice(at, 0, delivery);
    }
    this.failed = this.failed.filter((id) => this.all.get(id)?.state === 'failed');
    return replayed;
  }

  /** Lanes with pending deliveries that no one is sending. */
  orphaned(): LaneClaim[] {
    const lanes: LaneClaim[] = [];
    for (const [key, lane] of this.lanes) {
      const head = lane[0];
      if (head && !this.claimed.has(key)) lanes.push({ token: head.token, clientId: head.clientId });
    }
    return lanes;
  }

  /** The client was evicted: its deliveries go with it. */
  forgetClient(token: string, clientId: string): void {
    const ids: string[] = [];
    for (const delivery of this.all.values()) if (delivery.token === token && delivery.clientId === clientId) ids.push(delivery.id);
    if (ids.length === 0) return;
    const gone = new Set(ids);
    for (const id of ids) this.all.delete(id);
    this.lanes.delete(clientKey(token, clientId));
    this.delivered = this.delivered.filter((id) => !gone.has(id));
    this.failed = this.failed.filter((id) => !gone.has(id));
    this.persist?.delete(ids);
  }

  count(): number {
    return this.all.size;
  }

  clear(): void {
    this.all.clear();
    this.lanes.clear();
    this.claimed.clear();
    this.delivered = [];
    this.failed = [];
  }
}
