// The coverage phase: deterministic boundary cases from the schema of every parameter in every
// location and of the body, each a valid request with one thing changed. Whether the changed
// request is still valid is the description's word: a valid one must be accepted (a 2xx, or a
// documented 404 for an id that names nothing), an invalid one rejected with a documented 4xx;
// every answer must have a documented status, content type and body, and none may be a 5xx.
import type { OperationSpec } from '../../../description/operations.js';
import type { Check, CheckContext } from '../check.js';
import type { Expectation } from '../judges.js';
import { Phase } from '../phases.js';
import { runPool } from '../pool.js';
import type { ApiProfile } from '../profile.js';
import { mutationsOf, type CaseContext } from '../requests/cases.js';
import { polarityOf, type Polarity, type RequestDraft } from '../requests/draft.js';
import type { Bindings } from '../requests/ids.js';
import { callsOf } from './support.js';

/** Cases in flight at once: long polls among them hold until the target's timeout. */
const CASE_CONCURRENCY = 32;

export function expectationOf(polarity: Polarity): Expectation {
  return polarity === 'valid' ? 'valid' : polarity === 'invalid' ? 'client-error' : 'documented';
}

export interface StartingPoint {
  bindings: Bindings;
  base: RequestDraft;
  /** The valid bodies of the operation's examples (a oneOf's branches among them). */
  bodies: unknown[];
  cases: CaseContext;
}

/**
 * Where the coverage and fuzz phases start from for an operation: a valid request built from its
 * first example (with resources of its own when the operation names one), the valid bodies of its
 * examples, and the context the cases are judged in.
 */
export async function startingPoint(ctx: CheckContext, op: OperationSpec): Promise<StartingPoint> {
  const { bindings } = await ctx.bindingsFor(op);
  const requests = ctx.requests.fromExamples(op, bindings);
  const [first] = requests;
  if (!first) throw new Error(`${op.operationId} has no example to start from`);
  const bodies = requests.flatMap((request) => (request.body === undefined ? [] : [request.body]));
  return { bindings, base: first, bodies, cases: ctx.cases() };
}

function coverage(op: OperationSpec, profile: ApiProfile): Check {
  const resources = new Set(Object.keys(profile.resources));
  return {
    id: `${op.operationId}/coverage`,
    name: `${op.operationId}: boundary cases of every parameter and of the body`,
    suite: 'coverage',
    phase: Phase.Coverage,
    calls: callsOf(op, profile),
    async run(ctx) {
      const { base, bodies, cases } = await startingPoint(ctx, op);
      const requests = mutationsOf(cases, op, bodies, resources).flatMap((m) => {
        const request = m.apply(base);
        return request ? [{ ...request, label: m.label }] : [];
      });
      await runPool(requests, CASE_CONCURRENCY, async (request) => {
        await ctx.call(op.operationId, request, expectationOf(polarityOf(cases, op, request)));
      });
      ctx.note(`${requests.length} cases`);
    },
  };
}

export function coverageChecks(operations: readonly OperationSpec[], profile: ApiProfile): Check[] {
  return operations.filter((op) => op.kind === 'path').map((op) => coverage(op, profile));
}
