// One contract run, whatever starts it (the command, `contractTests()`, a script): it owns the
// options, the webhook receiver, the preflight and the webhook probe, the phases and verdicts, and
// the report. Front ends only turn their input into options and the run's events into output.
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Description, packageRoot } from '../../description/index.js';
import type { CheckResult, RunSettings } from './check.js';
import type { JudgedExchange, RunParts } from './context.js';
import { RunAborted, RunContext } from './context.js';
import { HttpClient } from './http.js';
import { CheckSelection } from './judges.js';
import { validateOptions, type ContractRunInput, type Naming, type RunOptions } from './options.js';
import { makePlan, type Plan } from './plan.js';
import type { ApiProfile, WebhookProblem } from './profile.js';
import { TokenBucket } from './rate-limiter.js';
import { exitCodeOf, summarize, type RunHeader, type RunReport } from './report.js';
import { RequestBuilder } from './requests/builder.js';
import { newRunId, OwnedIds, secretMasker } from './requests/ids.js';
import { runPlan } from './runner.js';
import { WebhookReceiver } from './webhook-receiver.js';

export interface RunListener {
  header?(header: RunHeader): void;
  /** A line worth saying as it happens (the webhook probe saw nothing…). */
  notice?(line: string): void;
  result?(result: CheckResult): void;
  /** Called with the receiver's URL once it listens: point the target's webhook at it. */
  webhookReceiver?(url: string): void | Promise<void>;
  /** Every exchange with its operation and findings (kept only when someone asks: the HAR). */
  exchange?(entry: JudgedExchange): void;
  /** The run can be made (the target is there, takes the credential, the probes are done): the checks start. */
  checksStarting?(): void;
}

export function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Whether anything answers HTTP at the base URL (any status will do); the reason when not. */
export async function unreachable(http: HttpClient): Promise<string | undefined> {
  const exchange = await http.send({ method: 'GET', target: '/', timeoutMs: 5000 });
  return exchange.response ? undefined : (exchange.error?.message ?? 'no response');
}

export class ContractRun {
  private constructor(
    readonly plan: Plan,
    readonly options: RunOptions,
  ) {}

  /** The plan of a run: every check and verdict, from the description's operations (whole schemas). */
  static async plan(profile: ApiProfile, description: Description = Description.load()): Promise<Plan> {
    return makePlan(await description.dereferencedOperations(), profile);
  }

  /** A run of the plan with these options; an OptionsError names the first bad one. */
  static create(plan: Plan, input: ContractRunInput, naming: Naming): ContractRun {
    return new ContractRun(plan, validateOptions(input, plan.checkNames, naming));
  }

  /** Runs it; `signal` cuts it short (a Ctrl-C): the report then says it did not complete. */
  async execute(listener: RunListener = {}, signal?: AbortSignal, description: Description = Description.load()): Promise<RunReport> {
    const { options, plan } = this;
    const startedAt = new Date();
    const started = performance.now();
    const runId = newRunId();
    const owned = new OwnedIds(runId);
    const mask = secretMasker([options.token]);
    // Every request in flight listens to this signal (up to 32 per check, 4 checks at once).
    const controller = new AbortController();
    setMaxListeners(1024, controller.signal);
    const onAbort = () => controller.abort(String(signal?.reason ?? 'interrupted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const http = new HttpClient({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      // At most 20 ms worth of requests at once: none at the default 20/s, and at --rate 1000 the
      // timers' millisecond granularity does not cut the rate to a fraction of what was asked.
      limiter: new TokenBucket(options.ratePerSecond, Math.max(1, Math.floor(options.ratePerSecond / 50))),
      mask,
      signal: controller.signal,
    });
    const selection = new CheckSelection(plan.checkNames, { only: options.checks, exclude: options.excludeChecks });
    const settings: RunSettings = {
      runId,
      readOnly: options.readOnly,
      stateless: options.stateless,
      timeoutMs: options.timeoutMs,
      phases: options.phases,
      selection,
      seed: options.seed,
      maxExamples: options.maxExamples,
      ...(options.maxResponseTimeMs !== undefined ? { maxResponseTimeMs: options.maxResponseTimeMs } : {}),
    };
    const notices: string[] = [];
    const notice = (line: string) => {
      notices.push(line);
      listener.notice?.(line);
    };

    let receiver: WebhookReceiver | undefined;
    const header = (): RunHeader => ({
      tool: { name: 'chatapi-contract', version: toolVersion() },
      description: { title: description.document.info.title, version: description.document.info.version },
      target: options.baseUrl,
      runId,
      idPrefix: owned.prefix,
      options: {
        readOnly: options.readOnly,
        stateless: options.stateless,
        ratePerSecond: options.ratePerSecond,
        timeoutMs: options.timeoutMs,
        phases: options.phases,
        checks: selection.names(),
        seed: options.seed,
        maxExamples: options.maxExamples,
        ...(options.maxResponseTimeMs !== undefined ? { maxResponseTimeMs: options.maxResponseTimeMs } : {}),
        ...(receiver ? { webhookReceiver: receiver.url } : {}),
        ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
      },
    });
    const report = (results: CheckResult[], incomplete: string | undefined, warnings: string[] = []): RunReport => {
      const complete = incomplete === undefined;
      const summary = summarize(results);
      return {
        ...header(),
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(performance.now() - started),
        complete,
        ...(incomplete ? { incomplete } : {}),
        exitCode: exitCodeOf(complete, summary),
        summary,
        notices,
        warnings,
        checks: results,
      };
    };

    try {
      const webhook = plan.operations.find((op) => op.kind === 'webhook' && op.requestBody);
      if (options.webhookPort !== undefined && webhook?.requestBody) {
        try {
          receiver = await WebhookReceiver.start({ port: options.webhookPort, validator: description.schemas, schemaPointer: webhook.requestBody.schemaPointer, mask });
        } catch (error) {
          const problem = `cannot start the webhook receiver on 127.0.0.1:${options.webhookPort}: ${(error as Error).message}`;
          listener.header?.(header());
          return report([], problem);
        }
        settings.webhookUrl = options.webhookUrl ?? receiver.url;
        await listener.webhookReceiver?.(settings.webhookUrl);
      }
      listener.header?.(header());

      const parts: RunParts = {
        settings,
        profile: plan.profile,
        operations: plan.operations,
        validator: description.schemas,
        requests: new RequestBuilder({ validator: description.schemas, ownedIds: new Set(plan.profile.ownedIds), resourceNames: new Set(Object.keys(plan.profile.resources)), prefix: owned.prefix }),
        http,
        owned,
        credential: options.token,
        ...(receiver ? { webhooks: receiver } : {}),
        controller,
        reachable: async () => (await unreachable(http)) === undefined,
        ...(listener.exchange ? { onJudged: listener.exchange } : {}),
      };

      // Before any check: the target is there and the run can be made as asked (with no preflight
      // of the profile's, any HTTP answer at the base URL will do).
      const preflight =
        plan.profile.preflight ??
        (async () => {
          const down = await unreachable(http);
          return down === undefined ? undefined : `the target ${options.baseUrl} is unreachable: ${down}`;
        });
      const problem = await this.beforeChecks(parts, preflight);
      if (problem) return report([], problem);

      // Asked for webhooks: find out at once whether any can be verified.
      let webhookProblem: WebhookProblem | undefined;
      // Some check that needs webhooks is chosen (its suite not excluded by --checks/--exclude-checks).
      const webhooksOn = plan.checks.some((c) => c.needs?.webhooks && (!selection.known.includes(c.suite) || selection.has(c.suite)));
      const probe = plan.profile.webhookProbe;
      if (receiver && webhooksOn && !options.readOnly && !options.stateless && probe) {
        let problem: WebhookProblem | undefined;
        const aborted = await this.beforeChecks(parts, async (ctx) => void (problem = await probe(ctx)));
        if (aborted) return report([], aborted);
        webhookProblem = problem;
        if (webhookProblem) notice(`${webhookProblem.message}; the webhook checks fail.`);
      }

      listener.checksStarting?.();
      const outcome = await runPlan(plan.checks, plan.verdicts, { ...parts, concurrency: options.concurrency, ...(webhookProblem ? { webhookProblem } : {}), onResult: (result) => listener.result?.(result) });
      // Report in the plan's order, whatever order the checks finished in.
      const order = new Map([...plan.checks, ...plan.verdicts].map((c, i) => [c.id, i]));
      const results = [...outcome.results].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      return report(results, outcome.incomplete, [...results.flatMap((r) => r.warnings ?? []), ...neverSucceeded(results, plan)]);
    } catch (caught) {
      if (caught instanceof RunAborted) return report([], caught.unreachable ? `the target ${options.baseUrl} is unreachable: ${caught.unreachable}` : caught.message);
      throw caught;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await receiver?.close();
    }
  }

  /** Runs a profile hook before the checks, in a context whose findings are not the report's. */
  private async beforeChecks(parts: RunParts, hook: (ctx: RunContext) => Promise<string | undefined | void>): Promise<string | undefined> {
    try {
      return (await hook(new RunContext(parts, 'behaviour'))) ?? undefined;
    } catch (caught) {
      if (caught instanceof RunAborted) return caught.unreachable ? `the target ${this.options.baseUrl} is unreachable: ${caught.unreachable}` : caught.message;
      throw caught;
    }
  }
}

/** Operations some check got an answer from, but never a 2xx: the run could not show them working (missing test data?). */
function neverSucceeded(results: readonly CheckResult[], plan: Plan): string[] {
  const ran = results.filter((r) => r.status === 'passed' || r.status === 'failed');
  const answered = new Set(ran.flatMap((r) => r.exercised));
  const succeeded = new Set(ran.flatMap((r) => r.succeeded));
  return plan.operations
    .filter((op) => op.kind === 'path' && answered.has(op.operationId) && !succeeded.has(op.operationId))
    .map((op) => `${op.operationId}: no request got a 2xx (only errors were seen; is test data missing, or are the options too narrow?)`);
}
