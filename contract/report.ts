// The outcome of a run as one value: what the console summary, the JSON and the JUnit reports show.
import type { CheckResult, CheckStatus } from './checks/types.js';

export interface Summary {
  total: number;
  passed: number;
  failed: number;
  notRun: number;
  notApplicable: number;
}

export interface RunReport {
  tool: { name: string; version: string };
  description: { title: string; version: string };
  /** The base URL checked. */
  target: string;
  runId: string;
  /** Every clientId the run used starts with this. */
  clientIdPrefix: string;
  startedAt: string;
  durationMs: number;
  options: {
    readOnly: boolean;
    stateless: boolean;
    ratePerSecond: number;
    timeoutMs: number;
    phases: string[];
    checks: string[];
    /** The fuzz phase's seed: `--seed` replays the run. */
    seed: number;
    maxExamples: number;
    maxResponseTimeMs?: number;
    webhookReceiver?: string;
    webhookUrl?: string;
  };
  /** False when the run was cut short or a check could not complete: the exit code is then 2. */
  complete: boolean;
  incomplete?: string;
  exitCode: 0 | 1 | 2;
  summary: Summary;
  checks: CheckResult[];
}

export function summarize(results: readonly CheckResult[]): Summary {
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  return { total: results.length, passed: count('passed'), failed: count('failed'), notRun: count('not run'), notApplicable: count('not applicable') };
}

/** 2 when the run did not complete (never 0 for an unfinished run), else 1 if a check failed, else 0. */
export function exitCodeOf(complete: boolean, summary: Summary): 0 | 1 | 2 {
  if (!complete) return 2;
  return summary.failed > 0 ? 1 : 0;
}
