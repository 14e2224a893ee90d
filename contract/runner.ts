// Runs the checks: decides which may run under the run's options, runs the rest a few at a time
// (each on its own clientIds, so they cannot disturb one another), gives each a context that sends
// requests and records violations, and stops everything when the run is cut short.
import type { OpenApiDocument } from '../description/bundle.js';
import type { SchemaValidator } from '../description/schemas.js';
import { PHASES, type Check, type CheckContext, type CheckResult, type RunSettings, type Skip, type CallOptions } from './checks/types.js';
import { trackAsync } from './checks/helpers.js';
import { checkExchange, type CheckViolation, type Expectation, type ViolationCode } from './conformance.js';
import type { OperationSpec } from '../description/operations.js';
import type { Exchange, HttpClient } from './http.js';
import type { RequestBuilder, RequestIds, RequestInput } from './request-builder.js';
import { readOnlyOperations, type ClientIds } from './safety.js';
import type { WebhookReceiver } from './webhook-receiver.js';

/** The run cannot go on (target unreachable, interrupted): exit 2. */
export class RunAborted extends Error {}

/** Thrown by `ctx.stop()` / `ctx.json()` to end one check; its violations stand. */
class CheckStopped extends Error {}

export interface RunnerOptions {
  settings: RunSettings;
  document: OpenApiDocument;
  validator: SchemaValidator;
  builder: RequestBuilder;
  http: HttpClient;
  operations: OperationSpec[];
  clientIds: ClientIds;
  webhook?: WebhookReceiver;
  /** How many checks run at once; the rate limiter bounds the requests whatever this is. */
  concurrency: number;
  /** Aborted when the run is cut short (signal, unreachable target). */
  controller: AbortController;
  /** Whether the target still answers at all (asked after a network error). */
  reachable(): Promise<boolean>;
  onResult?(result: CheckResult): void;
}

export interface RunOutcome {
  results: CheckResult[];
  /** Why the run did not complete; undefined when it did. */
  incomplete?: string;
}

export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${template}`);
    return encodeURIComponent(value);
  });
}

/** Why a check may not run under these options, or undefined when it may. */
/** The scenario check (chosen by name with --checks) a kind of check belongs to, if any. */
const SCENARIO_OF: Partial<Record<Check['kind'], string>> = {
  behaviour: 'behaviour',
  webhook: 'webhook',
  unsupported_method: 'unsupported_method',
  exercised: 'exercised',
};

/** `readOnly`: the operations the description marks `x-read-only: true`. */
export function gate(check: Check, settings: RunSettings, hasWebhook: boolean, readOnly: ReadonlySet<string>): Skip | undefined {
  const scenario = SCENARIO_OF[check.kind];
  if (scenario && !settings.selection.has(scenario)) return { status: 'not run', reason: `the check ${scenario} is not chosen (--checks, --exclude-checks)` };
  if (check.phase && !settings.phases.includes(check.phase)) return { status: 'not run', reason: `the ${check.phase} phase is off (--phases)` };
  if (check.stateful && settings.stateless) {
    return { status: 'not applicable', reason: 'needs a target that keeps state (--stateless)' };
  }
  if (check.webhook && !hasWebhook) return { status: 'not run', reason: 'no webhook receiver (give --webhook-port)' };
  const writes = check.operations.filter((op) => !readOnly.has(op));
  if (settings.readOnly && writes.length > 0) return { status: 'not run', reason: `--read-only: would call ${writes.join(', ')}` };
  return undefined;
}

class RunContext implements CheckContext {
  readonly violations: CheckViolation[] = [];
  readonly exercisedOps = new Set<string>();
  requests = 0;
  private readonly failedExchanges = new WeakSet<Exchange>();

  constructor(
    private readonly options: RunnerOptions,
    readonly results: readonly CheckResult[],
    readonly asyncQuestionIds: Set<string>,
    /** What a failed `expect` is, by the kind of check. */
    private readonly defaultCode: ViolationCode,
  ) {}

  get settings() {
    return this.options.settings;
  }
  get document() {
    return this.options.document;
  }
  get validator() {
    return this.options.validator;
  }
  get builder() {
    return this.options.builder;
  }
  get signal() {
    return this.options.controller.signal;
  }
  get webhook() {
    return this.options.webhook;
  }

  operation(operationId: string): OperationSpec {
    const op = this.options.operations.find((o) => o.operationId === operationId);
    if (!op) throw new Error(`the description has no operation ${operationId}`);
    return op;
  }

  operations(): OperationSpec[] {
    return this.options.operations;
  }

  newClient(): string {
    return this.options.clientIds.create();
  }

  ids(clientId: string, questionIds: string[] = []): RequestIds {
    return { token: this.settings.token, clientId, questionIds };
  }

  /** Sends one request to an operation; stops the run when the target is gone. */
  private async send(operationId: string, input: RequestInput, expect: Expectation, options: CallOptions): Promise<{ op: OperationSpec; exchange: Exchange }> {
    const op = this.operation(operationId);
    // A safety net under the gate: a check that forgot to declare a writing operation fails loudly.
    if (this.settings.readOnly && !op.readOnly) throw new Error(`${operationId} would be called under --read-only`);
    // Positive requests must be valid, or a failure would blame the target for the suite's mistake.
    if ((expect === 'success' || expect === 'valid') && op.requestBody && input.body !== undefined && options.rawBody === undefined) {
      const { violations } = this.validator.validate(op.requestBody.schemaPointer, input.body);
      if (violations.length > 0) {
        throw new Error(`the suite built an invalid ${operationId} body: ${violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`);
      }
    }
    const params = { ...input.pathParams, ...(options.token !== undefined ? { token: options.token } : {}) };
    const exchange = await this.options.http.send({
      method: options.method ?? op.method,
      path: options.rawPath ?? fillPath(op.path, params),
      query: input.query,
      rawQuery: options.rawQuery,
      headers: options.headers,
      body: input.body,
      rawBody: options.rawBody,
      contentType: options.contentType,
      timeoutMs: options.timeoutMs,
    });
    this.requests++;
    if (exchange.error?.kind === 'aborted') throw new RunAborted(String(this.signal.reason ?? 'the run was cut short'));
    if (exchange.error?.kind === 'network' && !(await this.options.reachable())) {
      // The engine reports a target that stops answering as a finding, with the request that killed it.
      this.violations.push({ code: 'target_down', operationId, request: exchange.request, message: `the target stopped answering after this request (${exchange.error.message})` });
      const reason = `the target became unreachable (${exchange.error.message})`;
      this.options.controller.abort(reason);
      throw new RunAborted(reason);
    }
    if (exchange.response) this.exercisedOps.add(operationId);
    trackAsync(this, operationId, exchange);
    return { op, exchange };
  }

  private judge(op: OperationSpec, exchange: Exchange, expect: Expectation): CheckViolation[] {
    return checkExchange(this.validator, op, exchange, expect, { selection: this.settings.selection, maxResponseTimeMs: this.settings.maxResponseTimeMs });
  }

  async call(operationId: string, input: RequestInput, expect: Expectation, options: CallOptions = {}): Promise<Exchange> {
    const { op, exchange } = await this.send(operationId, input, expect, options);
    const violations = this.judge(op, exchange, expect).map((v) => (options.label ? { ...v, case: options.label } : v));
    if (violations.length > 0) this.failedExchanges.add(exchange);
    this.violations.push(...violations);
    return exchange;
  }

  async probe(operationId: string, input: RequestInput, expect: Expectation, options: CallOptions = {}): Promise<{ exchange: Exchange; violations: CheckViolation[] }> {
    const { op, exchange } = await this.send(operationId, input, expect, options);
    return { exchange, violations: this.judge(op, exchange, expect) };
  }

  json<T>(exchange: Exchange): T {
    if (this.failedExchanges.has(exchange) || exchange.response?.json === undefined) this.stop();
    return exchange.response.json as T;
  }

  expect(condition: boolean, message: string, exchange?: Exchange, pointer?: string, code: ViolationCode = this.defaultCode): boolean {
    if (!condition) {
      this.violation({ code, message, pointer, request: exchange?.request, response: exchange?.response });
    }
    return condition;
  }

  violation(violation: CheckViolation): void {
    this.violations.push(violation);
  }

  exercised(operationId: string): void {
    this.exercisedOps.add(operationId);
  }

  stop(): never {
    throw new CheckStopped();
  }

  remark?: string;
  note(text: string): void {
    this.remark = text;
  }
}

async function runOne(check: Check, options: RunnerOptions, results: readonly CheckResult[], asyncIds: Set<string>): Promise<CheckResult> {
  const base = { id: check.id, name: check.name, kind: check.kind };
  const skip = gate(check, options.settings, options.webhook !== undefined, readOnlyOperations(options.operations));
  if (skip) return { ...base, status: skip.status, reason: skip.reason, durationMs: 0, exercised: [], requests: 0, violations: [] };

  const code: ViolationCode = check.kind === 'webhook' ? 'webhook' : check.kind === 'exercised' ? 'not_exercised' : check.kind === 'unsupported_method' ? 'unsupported_method' : 'behaviour';
  const ctx = new RunContext(options, results, asyncIds, code);
  const started = performance.now();
  let outcome: void | Skip = undefined;
  let error: string | undefined;
  try {
    outcome = await check.run(ctx);
  } catch (caught) {
    if (caught instanceof RunAborted) throw caught;
    if (!(caught instanceof CheckStopped)) {
      // A bug in the suite, or a request it refused to send: the check did not complete.
      error = caught instanceof Error ? caught.message : String(caught);
      if (options.controller.signal.aborted) throw new RunAborted(String(options.controller.signal.reason));
    }
  }
  const durationMs = Math.round(performance.now() - started);
  const result: CheckResult = {
    ...base,
    status: outcome ? outcome.status : error || ctx.violations.length > 0 ? 'failed' : 'passed',
    durationMs,
    exercised: [...ctx.exercisedOps],
    requests: ctx.requests,
    violations: ctx.violations,
  };
  if (outcome) result.reason = outcome.reason;
  if (ctx.remark) result.note = ctx.remark;
  if (error) {
    result.error = error;
    result.violations = [...ctx.violations, { code: 'incomplete', message: `the check could not complete: ${error}` }];
  }
  return result;
}

export async function runChecks(checks: Check[], options: RunnerOptions): Promise<RunOutcome> {
  const results: CheckResult[] = [];
  const asyncIds = new Set<string>();
  const record = (result: CheckResult) => {
    results.push(result);
    options.onResult?.(result);
  };
  try {
    // Phases in order, each one's checks a few at a time; then what judges the whole run.
    const groups = [...PHASES.map((phase) => checks.filter((c) => (c.stage ?? 'main') === 'main' && c.phase === phase)),
      checks.filter((c) => (c.stage ?? 'main') === 'main' && c.phase === undefined),
      checks.filter((c) => c.stage === 'final'),
      checks.filter((c) => c.stage === 'last')];
    for (const queue of groups) {
      const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, async () => {
        for (let check = queue.shift(); check; check = queue.shift()) {
          if (options.controller.signal.aborted) throw new RunAborted(String(options.controller.signal.reason));
          record(await runOne(check, options, results, asyncIds));
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
