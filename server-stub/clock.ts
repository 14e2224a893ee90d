// Time and identifiers: the API's timestamp format, per-channel event times that never repeat, ids.
import { randomUUID } from 'node:crypto';

let lastSecond = -1;
let lastPrefix = '';

/** `YYYY-MM-DDTHH:mm:ss.SSS` in UTC without a zone, the format the Chat API writes. */
export function formatTimestamp(ms: number): string {
  // A request formats two or three times within the same second (a message and its reply, one
  // millisecond apart): the date and time up to the second are made once a second.
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    lastSecond = second;
  }
  const millis = ms - second * 1000;
  return `${lastPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}`;
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
