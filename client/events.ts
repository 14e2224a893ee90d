// Follows a client's events by long polling: an async iterator that pages on with `ts`, backs off
// on transient failures, and ends cleanly when its signal aborts.
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import type { ApiResult, CallOptions, ChatEvent, EventsParams } from './types.js';

export interface FollowEventsOptions extends EventsParams {
  /** Ends the iteration (cleanly, without an exception), also during a poll or a back-off pause. */
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  /** Told about each transient failure before the pause, e.g. to show "reconnecting…". */
  onRetry?: (failure: Exclude<ApiResult<'getEvents'>, { ok: true }>, attempt: number, delayMs: number) => void;
  /**
   * An empty answer that came back sooner than this (a server that does not hold the poll) is
   * followed by a pause for the rest of it, so that the loop never spins (default 1000 ms).
   */
  minEmptyPollMs?: number;
}

type GetEvents = (params: EventsParams, options?: CallOptions) => Promise<ApiResult<'getEvents'>>;

/** Thrown by the iterator when the server refuses the poll in a way a retry cannot fix (400, 401, other 4xx). */
export class ChatApiEventsError extends Error {
  constructor(readonly result: Exclude<ApiResult<'getEvents'>, { ok: true }>) {
    super(`Polling events failed with ${result.status}: ${result.error.error}: ${result.error.message}`);
    this.name = 'ChatApiEventsError';
  }
}

/**
 * The `ts` to page on after `event`: its own `ts`, or (for servers that leave it out) its
 * zone-less UTC `timestamp` in milliseconds. Never moves backwards.
 */
export function nextTs(event: ChatEvent, previous: number | undefined): number | undefined {
  const candidate = event.ts ?? Date.parse(`${event.event.timestamp}Z`);
  if (!Number.isFinite(candidate)) return previous;
  return previous === undefined ? candidate : Math.max(previous, candidate);
}

/** A failure worth trying again by itself: no answer (network, timeout), or the server's own trouble. */
export function isTransient(result: { status: number }): boolean {
  return result.status === 0 || result.status === 408 || result.status === 429 || result.status >= 500;
}

export async function* followEvents(getEvents: GetEvents, options: FollowEventsOptions): AsyncGenerator<ChatEvent, void, undefined> {
  const { signal, backoff, onRetry, minEmptyPollMs = 1000, ts: firstTs, ...query } = options;
  let ts = firstTs;
  let failures = 0;
  while (!signal?.aborted) {
    const started = Date.now();
    const result = await getEvents(ts === undefined ? query : { ...query, ts }, { signal });
    if (result.ok) {
      failures = 0;
      if (result.data.events.length === 0) await sleep(minEmptyPollMs - (Date.now() - started), signal);
      for (const event of result.data.events) {
        ts = nextTs(event, ts);
        yield event;
        if (signal?.aborted) return;
      }
      continue;
    }
    if (signal?.aborted) return;
    if (!isTransient(result)) throw new ChatApiEventsError(result);
    const delay = backoffDelay(failures, backoff);
    onRetry?.(result, failures + 1, delay);
    failures += 1;
    await sleep(delay, signal);
  }
}
