// The whole suite, in the order it is reported: per-operation positive checks, negative checks,
// behaviour, webhooks, then coverage of every operation.
import type { OperationSpec } from '../description.js';
import { behaviourChecks } from './behaviour.js';
import { coverageChecks } from './coverage.js';
import { negativeChecks } from './negative.js';
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
  ];
  const ids = new Set<string>();
  for (const check of checks) {
    if (ids.has(check.id)) throw new Error(`two checks share the id ${check.id}`);
    ids.add(check.id);
  }
  return checks;
}
