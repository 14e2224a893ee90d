// The Chat API as the contract engine needs to know it beyond its description: the token is the
// credential in the path, a run owns its clientIds, a questionId names a message that must exist
// (the run makes two by sending queries), and the API's own scenarios (behaviour, the webhook) and
// preflight. A new profile per run: it remembers the run's async sends for the webhook verdict.
import { isDeepStrictEqual } from 'node:util';
import type { OperationSpec } from '../../description/operations.js';
import type { CheckContext } from '../engine/check.js';
import type { ApiProfile } from '../engine/profile.js';
import { draft } from '../engine/requests/draft.js';
import { behaviourChecks } from './behaviour.js';
import { sendQueries } from './conversation.js';
import { ASYNC_OPERATION, questionIdsIn, webhookChecks, webhookProbe, webhookVerdicts } from './webhooks.js';
import type { Exchange } from '../engine/exchange.js';

/** A read-only call for a new client that any channel answers 200: is the token taken? */
const PREFLIGHT_OPERATIONS = ['getNotReadCount', 'loadState'];

async function preflight(ctx: CheckContext): Promise<string | undefined> {
  const probe = PREFLIGHT_OPERATIONS.find((id) => ctx.operations().some((op) => op.operationId === id));
  if (!probe) return undefined;
  const { exchange } = await ctx.probe(probe, draft({ path: { clientId: ctx.newId() } }), 'success');
  if (exchange.response?.status === 401 && !ctx.settings.stateless) {
    return `the target refused the token (401 from ${exchange.request.method} ${exchange.request.url}): check --token, the channel's token`;
  }
  if (ctx.settings.stateless || ctx.settings.readOnly) return undefined;
  // A mock answers with its examples whatever was saved: say so once, instead of failing every
  // behaviour check for the same reason.
  const clientId = ctx.newId();
  const marker = { contractPreflight: ctx.settings.runId };
  const saved = await ctx.probe('saveState', draft({ path: { clientId }, body: marker }), 'success');
  // Only answers that keep to the description say anything about state; the checks judge the rest.
  if (saved.findings.length > 0) return undefined;
  const loaded = await ctx.probe('loadState', draft({ path: { clientId } }), 'success');
  if (loaded.findings.length === 0 && loaded.exchange.response && !isDeepStrictEqual(loaded.exchange.response.json, marker)) {
    return `the target looks stateless: a state saved for a new client was not loaded back (got ${JSON.stringify(loaded.exchange.response.json).slice(0, 80)}). Against a mock, run with --stateless`;
  }
  return undefined;
}

export function chatApiProfile(): ApiProfile {
  const asyncQuestionIds = new Set<string>();
  return {
    name: 'Chat API',
    credential: { in: 'path', name: 'token' },
    ownedIds: ['clientId'],
    resources: {
      questionId: {
        calls: ['sendMessage'],
        // Two messages of the client: the bot's replies to two queries.
        make: (ctx, bindings) => sendQueries(ctx, bindings.clientId![0]!, 2, 'contract check: a message to name'),
      },
    },
    scenarios: ['behaviour', 'webhook'],
    checks: (operations: readonly OperationSpec[]) => [...behaviourChecks(), ...webhookChecks(operations)],
    verdicts: (operations: readonly OperationSpec[]) => webhookVerdicts(operations, asyncQuestionIds),
    preflight,
    webhookProbe,
    onExchange(operationId, exchange) {
      for (const questionId of asyncReplyIds(operationId, exchange)) asyncQuestionIds.add(questionId);
    },
    traffic: {
      promisedDeliveries: asyncReplyIds,
      deliveredIds: (payload) => questionIdsIn(payload),
      coverage: coverageLabels,
    },
  };
}

/** The questionId of an async send's 2xx: its reply must reach the webhook, once. */
function asyncReplyIds(operationId: string, exchange: Exchange): string[] {
  const status = exchange.response?.status ?? 0;
  const questionId = (exchange.response?.json as { questionId?: unknown } | undefined)?.questionId;
  return operationId === ASYNC_OPERATION && status >= 200 && status < 300 && typeof questionId === 'string' ? [questionId] : [];
}

/** Reply types in a body (a reply envelope, events, a history, a webhook payload), at any depth. */
function replyTypes(value: unknown, found = new Set<string>(), depth = 0): Set<string> {
  if (depth > 8 || !value || typeof value !== 'object') return found;
  if (Array.isArray(value)) {
    for (const item of value) replyTypes(item, found, depth + 1);
    return found;
  }
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.replies)) for (const reply of record.replies) if (typeof (reply as { type?: unknown })?.type === 'string') found.add((reply as { type: string }).type);
  for (const child of Object.values(record)) replyTypes(child, found, depth + 1);
  return found;
}

/**
 * What an answer or a delivery shows: its reply types, the kinds of events, and why a webhook fired
 * (an async send's reply, a bot reply nobody asked for — a timeout's —, or an operator's or a
 * campaign's message, which carry no nlpClass).
 */
function coverageLabels(_operationId: string, body: unknown, context: { kind: 'path' | 'webhook'; promised: boolean }): string[] {
  const labels = [...replyTypes(body)].map((type) => `reply type ${type}`);
  const events = (body as { events?: unknown } | undefined)?.events;
  if (Array.isArray(events)) for (const e of events) if (typeof (e as { type?: unknown })?.type === 'string') labels.push(`event ${(e as { type: string }).type}`);
  if (context.kind === 'webhook') {
    const items = Array.isArray(body) ? body : [body];
    const botReply = items.some((item) => typeof (item as { data?: { nlpClass?: unknown } } | null)?.data?.nlpClass === 'string');
    labels.push(`webhook reason: ${context.promised ? 'async reply' : botReply ? 'bot reply nobody asked for (a timeout)' : 'operator or campaign message'}`);
  }
  return [...new Set(labels)];
}
