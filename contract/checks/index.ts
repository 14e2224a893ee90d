// The whole suite, in the order it is reported: the examples phase (per-operation positive checks,
// negative checks, behaviour, webhooks), the coverage, fuzz and stateful phases, then whether
// every operation was exercised.
import type { OperationSpec } from '../../description/operations.js';
import { behaviourChecks } from './behaviour.js';
import { exercisedChecks } from './exercised.js';
import { coverageChecks } from './coverage.js';
import { fuzzChecks } from './fuzz.js';
import { unsupportedMethodChecks } from './methods.js';
import { negativeChecks } from './negative.js';
import { statefulChecks } from './stateful.js';
import { operationChecks } from './operations.js';
import type { Check } from './types.js';
import { webhookChecks } from './webhooks.js';

export function buildChecks(operations: OperationSpec[]): Check[] {
  const checks = [
    ...operationChecks(operations),
    ...negativeChecks(operations),
    ...behaviourChecks(),
    ...webhookChecks(operations),
    ...coverageChecks(operations),
    ...unsupportedMethodChecks(operations),
    ...fuzzChecks(operations),
    ...statefulChecks(operations),
    ...exercisedChecks(operations),
  ];
  const ids = new Set<string>();
  for (const check of checks) {
    if (ids.has(check.id)) throw new Error(`two checks share the id ${check.id}`);
    ids.add(check.id);
  }
  return checks;
}
