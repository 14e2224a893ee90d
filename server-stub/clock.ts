// Time and identifiers: the API's timestamp format, per-channel event times that never repeat, ids.
import { randomUUID } from 'node:crypto';

let lastMs = -1;
let lastText = '';

/** `YYYY-MM-DDTHH:mm:ss.SSS` in UTC without a zone, the format the Chat API writes. */
export function formatTimestamp(ms: number): string {
  // A request formats two or three times within the same millisecond: reuse the last one.
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString().slice(0, 23);
    lastMs = ms;
  }
  return lastText;
}

/**
 * Hands out event times (epoch ms) that strictly increase within a channel: max(now, last + 1).
 * Clients page through events with the `ts` of the last one received, so two events of a channel
 * must never share a time, or the second would be skipped.
 */
export class ChannelClock {
  private readonly last: Map<string, number>;

  /** `start`: the latest time each channel handed out before (a persistent store's), never to be repeated. */
  constructor(
    private readonly now: () => number = Date.now,
    start: ReadonlyMap<string, number> = new Map(),
  ) {
    this.last = new Map(start);
  }

  next(channel: string): number {
    const previous = this.last.get(channel) ?? 0;
    const now = this.now();
    const ts = now > previous ? now : previous + 1;
    this.last.set(channel, ts);
    return ts;
  }

  reset(): void {
    this.last.clear();
  }
}

export const newQuestionId = (): string => randomUUID();
/** Operator messages get their own ids, recognisable in the history. */
export const newOperatorMessageId = (): string => `op-${randomUUID()}`;
export const newDeliveryId = (): string => randomUUID();
