// Positive checks, two per operation of the description: valid requests built from its named
// examples, and valid requests generated from its schemas. Each response must have a documented
// status (a 2xx: the request is valid), the documented content type, and a body valid against
// that status's schema.
import type { OperationSpec } from '../../description/operations.js';
import type { LabelledInput, RequestIds } from '../request-builder.js';
import { sendQueries } from './helpers.js';
import type { Check, CheckContext } from './types.js';

/** Whether requests to the operation name existing messages (a questionId path parameter or body member). */
export function needsMessages(op: OperationSpec): boolean {
  const inBody = (value: unknown): boolean =>
    Array.isArray(value) ? value.some(inBody) : !!value && typeof value === 'object' && Object.entries(value).some(([k, v]) => k === 'questionId' || inBody(v));
  return op.parameters.some((p) => p.name === 'questionId') || (op.requestBody?.examples ?? []).some((e) => inBody(e.value));
}

/**
 * Ids for a positive request: a new client of the run and, when the operation names messages,
 * two messages of that client (the bot's replies to two queries) — unless --read-only forbids
 * sending them, in which case the example ids stand and a documented 404 is acceptable.
 */
export async function prepare(ctx: CheckContext, op: OperationSpec): Promise<{ ids: RequestIds; expectSuccess: boolean }> {
  const clientId = ctx.newClient();
  if (!needsMessages(op)) return { ids: ctx.ids(clientId), expectSuccess: true };
  if (ctx.settings.readOnly) return { ids: ctx.ids(clientId), expectSuccess: false };
  const questionIds = await sendQueries(ctx, clientId, 2, `contract check: a message for ${op.operationId}`);
  return { ids: ctx.ids(clientId, questionIds), expectSuccess: true };
}

function positiveCheck(op: OperationSpec, source: 'examples' | 'schemas'): Check {
  return {
    id: `${op.operationId}/${source}`,
    name: `${op.operationId}: ${source === 'examples' ? 'requests from the examples' : 'requests generated from the schemas'}`,
    kind: 'operation',
    phase: 'examples',
    operations: needsMessages(op) ? [op.operationId, 'sendMessage'] : [op.operationId],
    async run(ctx) {
      const { ids, expectSuccess } = await prepare(ctx, op);
      const inputs: LabelledInput[] = source === 'examples' ? ctx.builder.fromExamples(op, ids) : ctx.builder.fromSchemas(op, ids);
      // Variants are independent (long polls among them): send them together.
      await Promise.all(
        inputs.map(async (input) => {
          await ctx.call(op.operationId, input, expectSuccess ? 'success' : 'documented');
        }),
      );
    },
  };
}

export function operationChecks(operations: OperationSpec[]): Check[] {
  return operations.filter((op) => op.kind === 'path').flatMap((op) => [positiveCheck(op, 'examples'), positiveCheck(op, 'schemas')]);
}
