// Runs the checks: decides which may run under the run's options, runs the rest a few at a time
// (each on its own clientIds, so they cannot disturb one another), gives each a context that sends
// requests and records violations, and stops everything when the run is cut short.
import type { OpenApiDocument } from '../validation/description.js';
import type { SchemaValidator } from '../validation/schema-validator.js';
import type { Check, CheckContext, CheckResult, RunSettings, Skip, CallOptions } from './checks/types.js';
import { checkExchange, type CheckViolation, type Expectation } from './conformance.js';
import type { OperationSpec } from './description.js';
import type { Exchange, HttpClient } from './http.js';
import type { RequestBuilder, RequestIds, RequestInput } from './request-builder.js';
import { isReadOnly, type ClientIds } from './safety.js';
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
export function gate(check: Check, settings: RunSettings, hasWebhook: boolean): Skip | undefined {
  if (check.stateful && settings.stateless) {
    return { status: 'not applicable', reason: 'needs a target that keeps state (--stateless)' };
  }
  if (check.webhook && !hasWebhook) return { status: 'not run', reason: 'no webhook receiver (give --webhook-port)' };
  const writes = check.operations.filter((op) => !isReadOnly(op));
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

  async call(operationId: string, input: RequestInput, expect: Expectation, options: CallOptions = {}): Promise<Exchange> {
    const op = this.operation(operationId);
    // A safety net under the gate: a check that forgot to declare a writing operation fails loudly.
    if (this.settings.readOnly && !isReadOnly(operationId)) throw new Error(`${operationId} would be called under --read-only`);
    // Positive requests must be valid, or a failure would blame the target for the suite's mistake.
    if (expect !== 'client-error' && op.requestBody && input.body !== undefined && options.rawBody === undefined) {
      const { violations } = this.validator.validate(op.requestBody.schemaPointer, input.body);
      if (violations.length > 0) {
        throw new Error(`the suite built an invalid ${operationId} body: ${violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`);
      }
    }
    const params = { ...input.pathParams, ...(options.token !== undefined ? { token: options.token } : {}) };
    const exchange = await this.options.http.send({
      method: op.method,
      path: fillPath(op.path, params),
      query: input.query,
      body: input.body,
      rawBody: options.rawBody,
      contentType: options.contentType,
      timeoutMs: options.timeoutMs,
    });
    this.requests++;
    if (exchange.error?.kind === 'aborted') throw new RunAborted(String(this.signal.reason ?? 'the run was cut short'));
    if (exchange.error?.kind === 'network' && !(await this.options.reachable())) {
      const reason = `the target became unreachable (${exchange.error.message})`;
      this.options.controller.abort(reason);
      throw new RunAborted(reason);
    }
    if (exchange.response) this.exercisedOps.add(operationId);
    const violations = checkExchange(this.validator, op, exchange, expect);
    if (violations.length > 0) this.failedExchanges.add(exchange);
    this.violations.push(...violations);
    return exchange;
  }

  json<T>(exchange: Exchange): T {
    if (this.failedExchanges.has(exchange) || exchange.response?.json === undefined) this.stop();
    return exchange.response.json as T;
  }

  expect(condition: boolean, message: string, exchange?: Exchange, pointer?: string): boolean {
    if (!condition) {
      this.violation({ message, pointer, request: exchange?.request, response: exchange?.response });
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
  const skip = gate(check, options.settings, options.webhook !== undefined);
  if (skip) return { ...base, status: skip.status, reason: skip.reason, durationMs: 0, exercised: [], requests: 0, violations: [] };

  const ctx = new RunContext(options, results, asyncIds);
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
    result.violations = [...ctx.violations, { message: `the check could not complete: ${error}` }];
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
    for (const phase of ['main', 'final', 'coverage'] as const) {
      const queue = checks.filter((c) => (c.phase ?? 'main') === phase);
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
