// The whole suite for a description and an API profile, in the order it is reported: the engine's
// checks of every phase with the profile's scenario checks among the examples, then the verdicts.
import type { OperationSpec } from '../../description/operations.js';
import type { Check, Verdict } from './check.js';
import { coverageChecks } from './checks/coverage.js';
import { exercisedVerdicts } from './checks/exercised.js';
import { fuzzChecks } from './checks/fuzz.js';
import { unsupportedMethodChecks } from './checks/methods.js';
import { negativeChecks } from './checks/negative.js';
import { positiveChecks } from './checks/positive.js';
import { statefulChecks } from './checks/stateful.js';
import { JUDGE_NAMES } from './judges.js';
import type { ApiProfile } from './profile.js';

/** The engine's own selectable suites (beside the judges and the profile's scenarios). */
export const ENGINE_SCENARIOS = ['unsupported_method', 'exercised'] as const;

export interface Plan {
  operations: readonly OperationSpec[];
  profile: ApiProfile;
  checks: Check[];
  verdicts: Verdict[];
  /** Every name `--checks` / `--exclude-checks` takes: the judges, then the scenario suites. */
  checkNames: string[];
}

export function makePlan(operations: readonly OperationSpec[], profile: ApiProfile): Plan {
  const checks = [
    ...positiveChecks(operations, profile),
    ...negativeChecks(operations, profile),
    ...profile.checks(operations),
    ...coverageChecks(operations, profile),
    ...unsupportedMethodChecks(operations),
    ...fuzzChecks(operations, profile),
    ...statefulChecks(operations, profile),
  ];
  const verdicts = [...profile.verdicts(operations), ...exercisedVerdicts(operations)];
  const ids = new Set<string>();
  for (const { id } of [...checks, ...verdicts]) {
    if (ids.has(id)) throw new Error(`two checks share the id ${id}`);
    ids.add(id);
  }
  return { operations, profile, checks, verdicts, checkNames: [...JUDGE_NAMES, ...profile.scenarios, ...ENGINE_SCENARIOS] };
}
