// The Chat API's webhook: the reply to an async request is delivered to the channel's webhook URL
// as an array carrying that request's questionId. A check sends one and waits for its delivery; a
// verdict after every phase judges what the whole run caused: every async reply delivered, once,
// and every delivery valid. A probe before any check finds out whether the target delivers at all,
// so that a deployment that drops its webhooks fails at once instead of passing or timing out.
import type { CheckContext, Recorder, Verdict, Check } from '../engine/check.js';
import type { WebhookProblem } from '../engine/profile.js';
import type { Finding } from '../engine/findings.js';
import { Phase } from '../engine/phases.js';
import { draft } from '../engine/requests/draft.js';
import type { ReceivedPayload, WebhookReceiver } from '../engine/webhook-receiver.js';
import type { OperationSpec } from '../../description/operations.js';
import type { SuccessBody } from './wire.js';

export const ASYNC_OPERATION = 'sendMessageAsync';

/** The questionIds a payload carries, array or not (a broken payload must still be attributable). */
export function questionIdsIn(json: unknown): string[] {
  const items = Array.isArray(json) ? json : [json];
  return items.map((item) => (item as { questionId?: unknown } | null)?.questionId).filter((q): q is string => typeof q === 'string');
}

/** The questionIds a delivery carries. */
export function questionIdsOf(payload: ReceivedPayload): string[] {
  return questionIdsIn(payload.json);
}

/** A delivery's violations (from the receiver's judgement) as findings of the webhook operation. */
export function deliveryFindings(receiver: WebhookReceiver, webhook: OperationSpec, payload: ReceivedPayload): Finding[] {
  const request = { method: payload.method, url: `${receiver.url.replace(/\/$/, '')}${payload.path}`, contentType: payload.contentType ?? undefined, body: payload.json ?? payload.text };
  return payload.violations.map((v) => ({
    code: 'webhook' as const,
    operationId: webhook.operationId,
    ...(v.location === 'body' ? { pointer: v.path ?? '' } : {}),
    message: `webhook ${v.location === 'header' ? `header ${v.path ?? ''}` : `payload ${v.path || '/'}`}: ${v.message}`,
    request,
  }));
}

function asyncDelivered(webhook: OperationSpec): Check {
  return {
    id: `${webhook.operationId}/async-reply`,
    name: `webhook ${webhook.path}: the reply to an async request is delivered as an array with its questionId`,
    suite: 'webhook',
    phase: Phase.Examples,
    calls: [ASYNC_OPERATION],
    exercises: [webhook.operationId],
    needs: { state: true, webhooks: true },
    failureCode: 'webhook',
    async run(ctx) {
      const receiver = ctx.webhooks!;
      const clientId = ctx.newId();
      const exchange = await ctx.call(ASYNC_OPERATION, draft({ body: { clientId, query: 'contract check: webhook' } }), 'success');
      const { questionId } = ctx.json<SuccessBody<'sendMessageAsync'>>(exchange);
      const payload = await receiver.waitFor((p) => questionIdsOf(p).includes(questionId), ctx.settings.timeoutMs, ctx.signal);
      if (!payload) {
        ctx.expect(false, `no webhook payload with questionId ${questionId} arrived within ${ctx.settings.timeoutMs} ms`, exchange, undefined, 'webhook_not_received');
        return;
      }
      ctx.exercised(webhook.operationId);
      for (const f of deliveryFindings(receiver, webhook, payload)) ctx.finding(f);
      const items = Array.isArray(payload.json) ? (payload.json as unknown[]) : [payload.json];
      const item = items.find((i) => (i as { questionId?: unknown }).questionId === questionId) as { clientId?: unknown } | undefined;
      ctx.expect(item?.clientId === clientId, `the delivered reply names clientId ${JSON.stringify(item?.clientId)}, expected ${clientId}`);
    },
  };
}

/** Waits for every async reply of the run and judges every delivery received. */
function everyDelivery(webhook: OperationSpec, asyncQuestionIds: ReadonlySet<string>): Verdict {
  return {
    id: `${webhook.operationId}/every-payload`,
    name: `webhook ${webhook.path}: every payload received is valid and every async reply arrived, once`,
    suite: 'webhook',
    calls: [ASYNC_OPERATION],
    exercises: [webhook.operationId],
    needs: { state: true, webhooks: true },
    failureCode: 'webhook',
    async run(ctx: Recorder) {
      const receiver = ctx.webhooks!;
      const deadline = Date.now() + ctx.settings.timeoutMs;
      for (const questionId of asyncQuestionIds) {
        const payload = await receiver.waitFor((p) => questionIdsOf(p).includes(questionId), Math.max(0, deadline - Date.now()), ctx.signal);
        ctx.expect(payload !== undefined, `the reply to async request ${questionId} was never delivered to the webhook`, undefined, undefined, 'webhook_not_received');
      }
      // The receiver acknowledges every delivery at once, but a sender that gave up waiting (a slow
      // machine, its own timeout) sends it again: delivery is at least once, so a repeat is worth a
      // look (receivers must deduplicate by questionId), not a break.
      const seen = new Map<string, number>();
      for (const payload of receiver.payloads) for (const q of questionIdsOf(payload)) seen.set(q, (seen.get(q) ?? 0) + 1);
      const repeated = [...seen].filter(([, count]) => count > 1);
      if (repeated.length > 0) ctx.warn(`${repeated.length} async replies were delivered more than once (e.g. ${repeated[0]![0]} ×${repeated[0]![1]}), though the receiver acknowledged each at once: a receiver must deduplicate by questionId`);
      if (receiver.payloads.length > 0) ctx.exercised(webhook.operationId);
      for (const payload of receiver.payloads) for (const f of deliveryFindings(receiver, webhook, payload)) ctx.finding(f);
      ctx.note(`${asyncQuestionIds.size} async replies expected, ${receiver.payloads.length} deliveries received`);
    },
  };
}

/** How long the first async reply may take to reach the receiver before the run says it will not. */
export const WEBHOOK_PROBE_MS = 10_000;

/** Why no webhook can be verified, or undefined when the probe's async reply arrived. */
export async function webhookProbe(ctx: CheckContext): Promise<WebhookProblem | undefined> {
  const receiver = ctx.webhooks!;
  const clientId = ctx.newId();
  const exchange = await ctx.call(ASYNC_OPERATION, draft({ body: { clientId, query: 'contract check: is the webhook set?' } }), 'success');
  const questionId = (exchange.response?.json as { questionId?: unknown } | undefined)?.questionId;
  // The async checks will say what is wrong with the answer itself.
  if (typeof questionId !== 'string') return undefined;
  const wait = Math.min(ctx.settings.timeoutMs, WEBHOOK_PROBE_MS);
  const payload = await receiver.waitFor((p) => questionIdsOf(p).includes(questionId), wait, ctx.signal);
  if (payload) return undefined;
  const address = ctx.settings.webhookUrl ?? receiver.url;
  const others = receiver.payloads.length;
  if (others > 0) {
    return { exchange, message: `webhooks reached ${address}, but none carried the questionId ${questionId} of the async send within ${wait / 1000} s (${others} deliveries without it): the webhook checks cannot tell replies apart` };
  }
  return {
    exchange,
    message: `no webhook reached ${address} within ${wait / 1000} s of an async send: the target's webhook URL is not set to this receiver, or it drops its webhooks (for the stub: CHATAPI_WEBHOOK_URL=${address}). To run without the webhook checks, leave out --webhook-port or exclude them (--exclude-checks webhook)`,
  };
}

export function webhookChecks(operations: readonly OperationSpec[]): Check[] {
  return operations.filter((op) => op.kind === 'webhook').map(asyncDelivered);
}

export function webhookVerdicts(operations: readonly OperationSpec[], asyncQuestionIds: ReadonlySet<string>): Verdict[] {
  return operations.filter((op) => op.kind === 'webhook').map((op) => everyDelivery(op, asyncQuestionIds));
}
