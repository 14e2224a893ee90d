// Webhook checks: an async request's reply must reach the receiver as an array valid against the
// webhook's schema, carrying that request's questionId; and every payload the receiver got during
// the run must be valid. Without a receiver they are reported as not run, never as passed.
import type { CheckViolation } from '../conformance.js';
import type { OperationSpec } from '../../description/operations.js';
import { questionIdsOf, type ReceivedPayload } from '../webhook-receiver.js';
import type { SuccessBody } from '../wire.js';
import { ASYNC_OPERATION } from './helpers.js';
import type { Check, CheckContext } from './types.js';

function payloadViolations(ctx: CheckContext, webhook: OperationSpec, payload: ReceivedPayload): CheckViolation[] {
  const request = { method: payload.method, url: `${ctx.webhook?.url.replace(/\/$/, '') ?? ''}${payload.path}`, contentType: payload.contentType ?? undefined, body: payload.json ?? payload.text };
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
    kind: 'webhook',
    phase: 'examples',
    operations: [ASYNC_OPERATION],
    stateful: true,
    webhook: true,
    async run(ctx) {
      const receiver = ctx.webhook!;
      const clientId = ctx.newClient();
      const exchange = await ctx.call(
        ASYNC_OPERATION,
        { pathParams: { token: ctx.settings.token }, query: {}, body: { clientId, query: 'contract check: webhook' } },
        'success',
      );
      const { questionId } = ctx.json<SuccessBody<'sendMessageAsync'>>(exchange);
      const payload = await receiver.waitFor((p) => questionIdsOf(p).includes(questionId), ctx.settings.timeoutMs, ctx.signal);
      if (!payload) {
        ctx.expect(false, `no webhook payload with questionId ${questionId} arrived within ${ctx.settings.timeoutMs} ms`, exchange);
        return;
      }
      ctx.exercised(webhook.operationId);
      for (const v of payloadViolations(ctx, webhook, payload)) ctx.violation(v);
      const items = Array.isArray(payload.json) ? (payload.json as unknown[]) : [payload.json];
      const item = items.find((i) => (i as { questionId?: unknown }).questionId === questionId) as { clientId?: unknown } | undefined;
      ctx.expect(item?.clientId === clientId, `the delivered reply names clientId ${JSON.stringify(item?.clientId)}, expected ${clientId}`);
    },
  };
}

function everyPayloadValid(webhook: OperationSpec): Check {
  return {
    id: `${webhook.operationId}/every-payload`,
    name: `webhook ${webhook.path}: every payload received is valid and every async reply arrived`,
    kind: 'webhook',
    operations: [],
    stateful: true,
    webhook: true,
    // After the other checks: it judges what they caused.
    phase: 'examples',
    stage: 'final',
    async run(ctx) {
      const receiver = ctx.webhook!;
      const expected = [...ctx.asyncQuestionIds];
      if (expected.length === 0 && receiver.payloads.length === 0) {
        return { status: 'not run', reason: 'no asynchronous request was sent, so no delivery was expected' };
      }
      const deadline = Date.now() + ctx.settings.timeoutMs;
      for (const questionId of expected) {
        const payload = await receiver.waitFor((p) => questionIdsOf(p).includes(questionId), Math.max(0, deadline - Date.now()), ctx.signal);
        ctx.expect(payload !== undefined, `the reply to async request ${questionId} was never delivered to the webhook`);
      }
      if (receiver.payloads.length > 0) ctx.exercised(webhook.operationId);
      for (const payload of receiver.payloads) for (const v of payloadViolations(ctx, webhook, payload)) ctx.violation(v);
    },
  };
}

export function webhookChecks(operations: OperationSpec[]): Check[] {
  return operations.filter((op) => op.kind === 'webhook').flatMap((op) => [asyncDelivered(op), everyPayloadValid(op)]);
}
