// Small steps the checks share: sending a message of the run's own client, reading its events.
import type { Exchange } from '../http.js';
import type { ChatEvent, SuccessBody } from '../wire.js';
import type { CheckContext } from './types.js';

export const ASYNC_OPERATION = 'sendMessageAsync';

export type ChatResponseBody = SuccessBody<'sendMessage'>;

/** Remembers the ids of async sends, so that the webhook checks know what to wait for (every call does it). */
export function trackAsync(ctx: CheckContext, operationId: string, exchange: Exchange): void {
  const status = exchange.response?.status ?? 0;
  const questionId = (exchange.response?.json as { questionId?: unknown } | undefined)?.questionId;
  if (operationId === ASYNC_OPERATION && status >= 200 && status < 300 && typeof questionId === 'string') {
    ctx.asyncQuestionIds.add(questionId);
  }
}

/** Sends a text query for `clientId` (synchronously) and returns the reply. */
export async function sendQuery(ctx: CheckContext, clientId: string, query: string, cid?: string): Promise<ChatResponseBody> {
  const body: Record<string, unknown> = { clientId, query };
  if (cid) body.cid = cid;
  const exchange = await ctx.call('sendMessage', { pathParams: { token: ctx.settings.token }, query: {}, body }, 'success');
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
  const exchange = await ctx.call('getEvents', { pathParams: { token: ctx.settings.token }, query }, 'success');
  return { events: ctx.json<SuccessBody<'getEvents'>>(exchange).events, exchange };
}

/** Path parameters for a per-client operation. */
export function clientPath(ctx: CheckContext, clientId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { token: ctx.settings.token, clientId, ...extra };
}

/** Whether the events' `ts` strictly increase (oldest first); events without `ts` are skipped. */
export function strictlyIncreasing(events: ChatEvent[]): boolean {
  const stamps = events.map((e) => e.ts).filter((ts): ts is number => typeof ts === 'number');
  return stamps.every((ts, i) => i === 0 || ts > stamps[i - 1]!);
}
