// The coverage phase: deterministic boundary cases from the schema of every parameter in every
// location and of the body, each a valid request with one thing changed. Ajv says whether the
// changed request is still valid: a valid one must be accepted (a 2xx, or a documented 404 for
// an id that names nothing), an invalid one rejected with a documented 4xx; every answer must
// have a documented status, content type and body, and no answer may be a 5xx.
import { runPool } from '../pool.js';
import type { OperationSpec } from '../../description/operations.js';
import { caseOf, expectationOf, mutationsOf, polarityOf, toCall, type CaseContext, type CaseRequest } from '../request-cases.js';
import type { RequestIds } from '../request-builder.js';
import { needsMessages, prepare } from './operations.js';
import type { Check, CheckContext } from './types.js';

/** Cases in flight at once: long polls among them hold until the target's timeout. */
const CASE_CONCURRENCY = 32;

export function caseContext(ctx: CheckContext): CaseContext {
  return { document: ctx.document, validator: ctx.validator, prefix: `${ctx.newClient()}-`, token: ctx.settings.stateless ? undefined : ctx.settings.token };
}

/**
 * Where the coverage and fuzz phases start from for an operation: a valid request built from its
 * first example (for a new client, with messages of its own when the operation names one), the
 * valid bodies of its examples, and the context the cases are judged in.
 */
export async function startingPoint(ctx: CheckContext, op: OperationSpec): Promise<{ ids: RequestIds; base: CaseRequest; bodies: unknown[]; cases: CaseContext }> {
  const { ids } = await prepare(ctx, op);
  const inputs = ctx.builder.fromExamples(op, ids);
  const [first] = inputs;
  if (!first) throw new Error(`${op.operationId} has no example to start from`);
  const bodies = inputs.flatMap((input) => (input.body === undefined ? [] : [input.body]));
  return { ids, base: caseOf(first.label, first), bodies, cases: caseContext(ctx) };
}

function coverage(op: OperationSpec): Check {
  return {
    id: `${op.operationId}/coverage`,
    name: `${op.operationId}: boundary cases of every parameter and of the body`,
    kind: 'coverage',
    phase: 'coverage',
    operations: needsMessages(op) ? [op.operationId, 'sendMessage'] : [op.operationId],
    async run(ctx) {
      const { base, bodies, cases } = await startingPoint(ctx, op);
      const requests = mutationsOf(cases, op, bodies).flatMap((m) => {
        const request = m.apply(base);
        return request ? [{ ...request, label: m.label }] : [];
      });
      await runPool(requests, CASE_CONCURRENCY, async (request) => {
        const { input, options } = toCall(op, request);
        await ctx.call(op.operationId, input, expectationOf(polarityOf(cases, op, request)), { ...options, label: request.label });
      });
      ctx.note(`${requests.length} cases`);
    },
  };
}

export function coverageChecks(operations: OperationSpec[]): Check[] {
  return operations.filter((op) => op.kind === 'path').map(coverage);
}
