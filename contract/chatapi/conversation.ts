// Small steps of a conversation the Chat API's checks share: sending a message of the run's own
// client, reading its events.
import type { CheckContext } from '../engine/check.js';
import type { Exchange } from '../engine/exchange.js';
import { draft } from '../engine/requests/draft.js';
import type { ChatEvent, SuccessBody } from './wire.js';

export type ChatResponseBody = SuccessBody<'sendMessage'>;

/** Sends a text query for `clientId` (synchronously) and returns the reply. */
export async function sendQuery(ctx: CheckContext, clientId: string, query: string, cid?: string): Promise<ChatResponseBody> {
  const body: Record<string, unknown> = { clientId, query };
  if (cid) body.cid = cid;
  const exchange = await ctx.call('sendMessage', draft({ body }), 'success');
  return ctx.json<ChatResponseBody>(exchange);
}

/** Sends `count` queries for `clientId` one after another; returns their questionIds in order. */
export async function sendQueries(ctx: CheckContext, clientId: string, count: number, label: string, cid?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) ids.push((await sendQuery(ctx, clientId, `${label} ${i}`, cid)).questionId);
  return ids;
}

export interface EventsQuery {
  ts?: number;
  cid?: string;
  all?: boolean;
}

/** One call of the events method for `clientId`. */
export async function readEvents(ctx: CheckContext, clientId: string, q: EventsQuery): Promise<{ events: ChatEvent[]; exchange: Exchange }> {
  const query: Record<string, string> = { clientId };
  if (q.ts !== undefined) query.ts = String(q.ts);
  if (q.cid !== undefined) query.cid = q.cid;
  if (q.all !== undefined) query.all = String(q.all);
  const exchange = await ctx.call('getEvents', draft({ query }), 'success');
  return { events: ctx.json<SuccessBody<'getEvents'>>(exchange).events, exchange };
}

/** Whether the events' `ts` strictly increase (oldest first); events without `ts` are skipped. */
export function strictlyIncreasing(events: ChatEvent[]): boolean {
  const stamps = events.map((e) => e.ts).filter((ts): ts is number => typeof ts === 'number');
  return stamps.every((ts, i) => i === 0 || ts > stamps[i - 1]!);
}
