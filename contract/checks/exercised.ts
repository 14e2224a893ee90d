// Exercised: every operation of the description (paths and webhooks) must have been exercised by a
// check that ran, so that the suite cannot fall behind the description. An operation the run's
// options kept the suite from calling (--read-only, no webhook receiver, --stateless for the
// webhook) is reported the same way as those checks: not run / not applicable, not failed.
import { describeOperation, type OperationSpec } from '../../description/operations.js';
import { PHASES, type Check } from './types.js';

function exercised(op: OperationSpec): Check {
  return {
    id: `exercised/${op.operationId}`,
    name: `exercised: ${describeOperation(op)} answered a check`,
    kind: 'exercised',
    operations: [],
    stage: 'last',
    async run(ctx) {
      const by = ctx.results.filter((r) => (r.status === 'passed' || r.status === 'failed') && r.exercised.includes(op.operationId));
      if (by.length > 0) {
        ctx.note(`by ${by.length} check${by.length === 1 ? '' : 's'}, e.g. ${by[0]!.name}`);
        return;
      }
      if (op.kind === 'webhook') {
        if (ctx.settings.stateless) return { status: 'not applicable', reason: 'a target that keeps no state delivers no webhooks (--stateless)' };
        if (!ctx.webhook) return { status: 'not run', reason: 'no webhook receiver (give --webhook-port)' };
        if (ctx.settings.readOnly) return { status: 'not run', reason: '--read-only sends no asynchronous request' };
      } else if (ctx.settings.readOnly && !op.readOnly) {
        return { status: 'not run', reason: `--read-only: ${op.operationId} has lasting effects` };
      }
      // Only every phase together promises to call every operation (the webhook: the examples phase).
      if (ctx.settings.phases.length < PHASES.length) return { status: 'not run', reason: `no check of the phases that ran (${ctx.settings.phases.join(', ')}) called it` };
      ctx.expect(false, `no check that ran got an answer from ${describeOperation(op)}`);
    },
  };
}

export function exercisedChecks(operations: OperationSpec[]): Check[] {
  return operations.map(exercised);
}
