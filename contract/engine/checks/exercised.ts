// Every operation of the description (paths and webhooks) must have been exercised by a check that
// ran, so that the suite cannot fall behind the description. When every check meant to reach an
// operation was kept out by the user's options, it is reported for that reason (not run / not
// applicable); any other gap fails.
import { describeOperation, type OperationSpec } from '../../../description/operations.js';
import type { Verdict } from '../check.js';

function exercised(op: OperationSpec): Verdict {
  return {
    id: `exercised/${op.operationId}`,
    name: `exercised: ${describeOperation(op)} answered a check`,
    suite: 'exercised',
    failureCode: 'not_exercised',
    async run(ctx) {
      const by = ctx.results.filter((r) => (r.status === 'passed' || r.status === 'failed') && r.exercised.includes(op.operationId));
      if (by.length > 0) {
        ctx.note(`by ${by.length} check${by.length === 1 ? '' : 's'}, e.g. ${by[0]!.name}`);
        return;
      }
      const meant = ctx.results.filter((r) => r.intended.includes(op.operationId));
      const kept = meant.flatMap((r) => (r.skip ? [r.skip] : []));
      if (meant.length > 0 && kept.length === meant.length) return kept[0];
      ctx.expect(false, `no check that ran got an answer from ${describeOperation(op)}`);
    },
  };
}

export function exercisedVerdicts(operations: readonly OperationSpec[]): Verdict[] {
  return operations.map(exercised);
}
