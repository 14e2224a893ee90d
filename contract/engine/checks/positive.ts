// Positive checks, two per operation: valid requests built from its named examples, and valid
// requests generated from its schemas. Each response must have a documented status (a 2xx: the
// request is valid), the documented content type, and a body valid against that status's schema.
import type { OperationSpec } from '../../../description/operations.js';
import type { Check } from '../check.js';
import { Phase } from '../phases.js';
import type { ApiProfile } from '../profile.js';
import { callsOf } from './support.js';

function positive(op: OperationSpec, source: 'examples' | 'schemas', profile: ApiProfile): Check {
  return {
    id: `${op.operationId}/${source}`,
    name: `${op.operationId}: ${source === 'examples' ? 'requests from the examples' : 'requests generated from the schemas'}`,
    suite: 'positive',
    phase: Phase.Examples,
    calls: callsOf(op, profile),
    async run(ctx) {
      const { bindings, resourcesMade } = await ctx.bindingsFor(op);
      const requests = source === 'examples' ? ctx.requests.fromExamples(op, bindings) : ctx.requests.fromSchemas(op, bindings);
      // Variants are independent (long polls among them): send them together.
      await Promise.all(requests.map((request) => ctx.call(op.operationId, request, resourcesMade ? 'success' : 'documented')));
    },
  };
}

export function positiveChecks(operations: readonly OperationSpec[], profile: ApiProfile): Check[] {
  return operations.filter((op) => op.kind === 'path').flatMap((op) => [positive(op, 'examples', profile), positive(op, 'schemas', profile)]);
}
