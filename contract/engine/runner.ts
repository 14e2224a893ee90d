// Runs a plan: decides which checks may run under the run's options (and says why the others do
// not, for reasons the user chose only), runs the rest phase by phase a few at a time (each on its
// own ids, so that they cannot disturb one another), then the verdicts over the whole run.
import type { Check, CheckResult, Needs, RunSettings, Verdict } from './check.js';
import { CheckStopped, RunAborted, RunContext, RunVerdictContext, type RunParts } from './context.js';
import { identified, type FindingCode } from './findings.js';
import { PHASES } from './phases.js';
import type { WebhookProblem } from './profile.js';
import { SkipReason, skipStatus, skipText, type Skip } from './skip.js';

export interface RunnerOptions extends RunParts {
  /** How many checks run at once; the rate limiter bounds the requests whatever this is. */
  concurrency: number;
  /** Why no webhook can be verified (the profile's probe said so): what needs webhooks fails with it. */
  webhookProblem?: WebhookProblem;
  onResult?(result: CheckResult): void;
}

export interface RunOutcome {
  results: CheckResult[];
  /** Why the run did not complete; undefined when it did. */
  incomplete?: string;
}

/** Why a check or verdict may not run under these options (a reason the user chose), or undefined. */
export function gate(item: { suite: string; needs?: Needs; phase?: Check['phase']; calls?: readonly string[] }, settings: RunSettings, hasReceiver: boolean, readOnly: ReadonlySet<string>): Skip | undefined {
  const { selection } = settings;
  if (selection.known.includes(item.suite) && !selection.has(item.suite)) return { reason: SkipReason.NotChosen, detail: item.suite };
  if (item.phase && !settings.phases.includes(item.phase)) return { reason: SkipReason.PhaseOff, detail: item.phase };
  if (item.needs?.state && settings.stateless) return { reason: SkipReason.Stateless };
  if (item.needs?.webhooks && !hasReceiver) return { reason: SkipReason.NoWebhookReceiver };
  const writes = (item.calls ?? []).filter((op) => !readOnly.has(op));
  if (settings.readOnly && writes.length > 0) return { reason: SkipReason.ReadOnly, detail: `would call ${[...new Set(writes)].join(', ')}` };
  return undefined;
}

type Item = { kind: 'check'; check: Check } | { kind: 'verdict'; verdict: Verdict };

function describe(item: Item) {
  const of = item.kind === 'check' ? item.check : item.verdict;
  const intended = [...new Set([...(of.calls ?? []), ...(of.exercises ?? [])])];
  return { id: of.id, name: of.name, suite: of.suite, intended, ...(item.kind === 'check' ? { phase: item.check.phase } : {}) };
}

function skipped(item: Item, skip: Skip): CheckResult {
  return { ...describe(item), status: skipStatus(skip.reason), reason: skipText(skip), skip, durationMs: 0, exercised: [], succeeded: [], requests: 0, findings: [] };
}

async function runOne(item: Item, options: RunnerOptions, results: readonly CheckResult[]): Promise<CheckResult> {
  const of = item.kind === 'check' ? item.check : item.verdict;
  const readOnly = new Set(options.operations.filter((op) => op.readOnly).map((op) => op.operationId));
  const skip = gate({ ...of, ...(item.kind === 'check' ? { phase: item.check.phase } : {}) }, options.settings, options.webhooks !== undefined, readOnly);
  if (skip) return skipped(item, skip);
  if (of.needs?.webhooks && options.webhookProblem) {
    // The user asked for webhooks and none can be verified: a failure, never a skip.
    const { message, exchange } = options.webhookProblem;
    const finding = identified({ code: 'webhook_not_received', message, ...(exchange ? { request: exchange.request, ...(exchange.response ? { response: exchange.response } : {}) } : {}) });
    return { ...describe(item), status: 'failed', durationMs: 0, exercised: [], succeeded: [], requests: 0, findings: [finding] };
  }

  const code: FindingCode = of.failureCode ?? 'behaviour';
  const ctx = item.kind === 'check' ? new RunContext(options, code) : new RunVerdictContext(options, code, results);
  const started = performance.now();
  let outcome: void | Skip = undefined;
  let error: string | undefined;
  try {
    outcome = item.kind === 'check' ? await item.check.run(ctx as RunContext) : await item.verdict.run(ctx as RunVerdictContext);
  } catch (caught) {
    if (caught instanceof RunAborted) throw caught;
    if (!(caught instanceof CheckStopped)) {
      // A bug in the suite, or a request it refused to send: the check did not complete.
      error = caught instanceof Error ? caught.message : String(caught);
      if (options.controller.signal.aborted) throw new RunAborted(String(options.controller.signal.reason));
    }
  }
  if (outcome) return { ...skipped(item, outcome), durationMs: Math.round(performance.now() - started) };
  const result: CheckResult = {
    ...describe(item),
    status: error || ctx.findings.length > 0 ? 'failed' : 'passed',
    durationMs: Math.round(performance.now() - started),
    exercised: [...ctx.exercisedOps],
    succeeded: ctx instanceof RunContext ? [...ctx.succeededOps] : [],
    requests: ctx instanceof RunContext ? ctx.requestCount : 0,
    findings: ctx.findings,
  };
  if (ctx.remark) result.note = ctx.remark;
  if (ctx.warnings.length > 0) result.warnings = ctx.warnings;
  if (error) {
    result.error = error;
    result.findings = [...ctx.findings, identified({ code: 'incomplete', message: `the check could not complete: ${error}` })];
  }
  return result;
}

/** Runs the checks phase by phase, then the verdicts in their order. */
export async function runPlan(checks: readonly Check[], verdicts: readonly Verdict[], options: RunnerOptions): Promise<RunOutcome> {
  const results: CheckResult[] = [];
  const record = (result: CheckResult) => {
    results.push(result);
    options.onResult?.(result);
  };
  try {
    const groups: Item[][] = [
      ...PHASES.map((phase) => checks.filter((c) => c.phase === phase).map((check): Item => ({ kind: 'check', check }))),
      // One at a time and in order: a verdict may judge what an earlier one recorded (a delivery).
      ...verdicts.map((verdict): Item[] => [{ kind: 'verdict', verdict }]),
    ];
    for (const group of groups) {
      const queue = [...group];
      const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, async () => {
        for (let item = queue.shift(); item; item = queue.shift()) {
          if (options.controller.signal.aborted) throw new RunAborted(String(options.controller.signal.reason));
          record(await runOne(item, options, results));
        }
      });
      await Promise.all(workers);
    }
  } catch (caught) {
    if (!(caught instanceof RunAborted)) throw caught;
    options.controller.abort(caught.message);
    return { results, incomplete: caught.message };
  }
  const broken = results.filter((r) => r.error);
  if (broken.length > 0) return { results, incomplete: `${broken.length} check(s) could not complete: ${broken.map((r) => r.name).join(', ')}` };
  return { results };
}
