// The contexts checks and verdicts run in: a check's context sends requests (credential filled in,
// ids guarded, the exchange judged and recorded), reads bodies it can trust, and collects findings;
// a verdict's context sees the run's results. Both stop the run when the target is gone.
import { documentedResponse, type OperationSpec } from '../../description/operations.js';
import type { SchemaValidator } from '../../description/schemas.js';
import type { CallOptions, CheckContext, CheckResult, Recorder, RunSettings, VerdictContext } from './check.js';
import type { Exchange } from './exchange.js';
import { identified, type Finding, type FindingCode } from './findings.js';
import type { HttpClient } from './http.js';
import { bodyFindings, judgeExchange, type Expectation } from './judges.js';
import type { ApiProfile } from './profile.js';
import type { RequestBuilder } from './requests/builder.js';
import type { CaseContext } from './requests/cases.js';
import { requestHeaders, requestTarget, type RequestDraft } from './requests/draft.js';
import { assertOwned, type Bindings, type OwnedIds } from './requests/ids.js';
import { asSchema, mergeAllOf, objectProperties, typeOf } from './requests/schema-walk.js';
import type { WebhookReceiver } from './webhook-receiver.js';

/** The run cannot go on (target unreachable, interrupted): exit 2. */
export class RunAborted extends Error {
  constructor(
    message: string,
    /** The network error, when the target stopped answering. */
    readonly unreachable?: string,
  ) {
    super(message);
  }
}

/** Thrown by `ctx.stop()` / `ctx.json()` to end one check; its findings stand. */
export class CheckStopped extends Error {}

/** What every context of one run shares. */
export interface RunParts {
  settings: RunSettings;
  profile: ApiProfile;
  /** The operations, with whole (dereferenced) schemas. */
  operations: readonly OperationSpec[];
  validator: SchemaValidator;
  requests: RequestBuilder;
  http: HttpClient;
  owned: OwnedIds;
  /** The run's credential (`--token`). */
  credential: string;
  webhooks?: WebhookReceiver;
  /** Aborted when the run is cut short (signal, unreachable target). */
  controller: AbortController;
  /** Whether the target still answers at all (asked after a network error). */
  reachable(): Promise<boolean>;
  /** Sees every exchange the checks made, with its operation and what the judges found (the HAR). */
  onJudged?(entry: JudgedExchange): void;
}

export interface JudgedExchange {
  exchange: Exchange;
  operationId: string;
  findings: Finding[];
  /** What the request tried (a coverage case, a link). */
  label?: string;
}

const is2xx = (status: number) => status >= 200 && status < 300;

/** Every property name a schema has, at any depth (what a request body may name). */
function propertyNames(schema: unknown, depth = 0, names = new Set<string>()): Set<string> {
  if (depth > 6) return names;
  const flat = mergeAllOf(asSchema(schema));
  for (const [name, child] of Object.entries(objectProperties(flat).properties)) {
    names.add(name);
    propertyNames(child, depth + 1, names);
  }
  if (typeOf(flat) === 'array') propertyNames(flat.items, depth + 1, names);
  return names;
}

/** The resources an operation's requests name (a path parameter, or a body member at any depth). */
export function resourcesNamedBy(op: OperationSpec, profile: ApiProfile): string[] {
  const body = op.requestBody ? propertyNames(op.requestBody.schema) : new Set<string>();
  return Object.keys(profile.resources).filter((name) => op.parameters.some((p) => p.name === name && p.in === 'path') || body.has(name));
}

abstract class BaseContext implements Recorder {
  readonly findings: Finding[] = [];
  readonly exercisedOps = new Set<string>();
  readonly warnings: string[] = [];
  remark?: string;

  constructor(
    protected readonly parts: RunParts,
    protected readonly failureCode: FindingCode,
  ) {}

  get settings() {
    return this.parts.settings;
  }
  get signal() {
    return this.parts.controller.signal;
  }
  get webhooks() {
    return this.parts.webhooks;
  }

  operation(operationId: string): OperationSpec {
    const op = this.parts.operations.find((o) => o.operationId === operationId);
    if (!op) throw new Error(`the description has no operation ${operationId}`);
    return op;
  }

  operations(): readonly OperationSpec[] {
    return this.parts.operations;
  }

  expect(condition: boolean, message: string, exchange?: Exchange, pointer?: string, code: FindingCode = this.failureCode): boolean {
    if (!condition) this.finding({ code, message, pointer, request: exchange?.request, response: exchange?.response });
    return condition;
  }

  finding(finding: Finding): void {
    this.findings.push(identified(finding));
  }

  exercised(operationId: string): void {
    this.exercisedOps.add(operationId);
  }

  note(text: string): void {
    this.remark = text;
  }

  warn(text: string): void {
    this.warnings.push(text);
  }
}

export class RunContext extends BaseContext implements CheckContext {
  readonly succeededOps = new Set<string>();
  requestCount = 0;
  /** Exchanges that already have a finding: `json()` stops on them without another. */
  private readonly judged = new WeakMap<Exchange, { op: OperationSpec; findings: number }>();

  get requests() {
    return this.parts.requests;
  }

  newId(): string {
    return this.parts.owned.create();
  }

  ownBindings(): Bindings {
    const { profile } = this.parts;
    const owned = this.newId();
    const bindings: Record<string, readonly string[]> = { [profile.credential.name]: [this.parts.credential] };
    for (const name of profile.ownedIds) bindings[name] = [owned];
    return bindings;
  }

  async bindingsFor(op: OperationSpec): Promise<{ bindings: Bindings; resourcesMade: boolean }> {
    const { profile } = this.parts;
    const bindings: Record<string, readonly string[]> = { ...this.ownBindings() };
    let resourcesMade = true;
    for (const name of resourcesNamedBy(op, profile)) {
      const resource = profile.resources[name]!;
      if (this.settings.readOnly && resource.calls.some((id) => !this.operation(id).readOnly)) {
        resourcesMade = false;
        continue;
      }
      bindings[name] = await resource.make(this, bindings);
    }
    return { bindings, resourcesMade };
  }

  cases(): CaseContext {
    const { profile, validator, settings } = this.parts;
    return {
      validator,
      prefix: `${this.newId()}-`,
      ownedIds: new Set(profile.ownedIds),
      readOnly: settings.readOnly,
      ...(settings.stateless ? {} : { credential: { ...profile.credential, value: this.parts.credential } }),
    };
  }

  /** The request with the run's credential where the profile puts it (unless the request or the options name another). */
  private withCredential(request: RequestDraft, options: CallOptions): RequestDraft {
    const { in: where, name } = this.parts.profile.credential;
    const value = options.credential ?? this.parts.credential;
    if (where === 'path') return request.path[name] !== undefined && options.credential === undefined ? request : { ...request, path: { ...request.path, [name]: value } };
    if (where === 'query') return request.query[name] !== undefined && options.credential === undefined ? request : { ...request, query: { ...request.query, [name]: value } };
    if (where === 'header') return { ...request, headers: { ...request.headers, [name]: value } };
    return request;
  }

  /** Sends one request to an operation; stops the run when the target is gone. */
  private async send(operationId: string, draft: RequestDraft, expect: Expectation, options: CallOptions): Promise<{ op: OperationSpec; exchange: Exchange }> {
    const op = this.operation(operationId);
    const { settings, validator, profile, http } = this.parts;
    // A safety net under the gate: a check that forgot to declare a writing operation fails loudly.
    if (settings.readOnly && !op.readOnly) throw new Error(`${operationId} would be called under --read-only`);
    const request = this.withCredential(draft, options);
    assertOwned(this.parts.owned, profile.ownedIds, request);
    // Positive requests must be valid, or a failure would blame the target for the suite's mistake.
    if ((expect === 'success' || expect === 'valid') && op.requestBody && request.body !== undefined && request.rawBody === undefined) {
      const { violations } = validator.validate(op.requestBody.schemaPointer, request.body);
      if (violations.length > 0) {
        throw new Error(`the suite built an invalid ${operationId} body: ${violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`);
      }
    }
    const rawBody = request.rawBody ?? (request.contentType !== undefined && request.body !== undefined ? JSON.stringify(request.body) : undefined);
    const exchange = await http.send({
      method: options.method ?? op.method,
      target: requestTarget(op, request),
      headers: requestHeaders(op, request),
      ...(rawBody !== undefined ? { rawBody } : request.body !== undefined ? { body: request.body } : {}),
      ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
      ...(request.rawHeaders ? { rawHeaders: request.rawHeaders } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    this.requestCount++;
    if (exchange.error?.kind === 'aborted') throw new RunAborted(String(this.signal.reason ?? 'the run was cut short'));
    if (exchange.error?.kind === 'network' && !(await this.parts.reachable())) {
      // A target that stops answering is a finding, with the request that killed it.
      this.finding({ code: 'target_down', operationId, request: exchange.request, message: `the target stopped answering after this request (${exchange.error.message})` });
      const reason = `the target became unreachable (${exchange.error.message})`;
      this.parts.controller.abort(reason);
      throw new RunAborted(reason, exchange.error.message);
    }
    if (exchange.response) {
      this.exercisedOps.add(operationId);
      if (is2xx(exchange.response.status) && (options.method === undefined || options.method.toLowerCase() === op.method)) this.succeededOps.add(operationId);
    }
    profile.onExchange?.(operationId, exchange);
    return { op, exchange };
  }

  private judge(op: OperationSpec, exchange: Exchange, expect: Expectation, only?: readonly string[]): Finding[] {
    const { validator, settings } = this.parts;
    const findings = judgeExchange(validator, op, exchange, expect, { selection: settings.selection, maxResponseTimeMs: settings.maxResponseTimeMs });
    return only ? findings.filter((f) => f.check === undefined || only.includes(f.check)) : findings;
  }

  async call(operationId: string, request: RequestDraft, expect: Expectation, options: CallOptions = {}): Promise<Exchange> {
    const { op, exchange } = await this.send(operationId, request, expect, options);
    const findings = this.judge(op, exchange, expect, request.judges).map((f) => identified(request.label ? { ...f, case: request.label } : f));
    for (const f of findings) this.finding(f);
    this.judged.set(exchange, { op, findings: findings.length });
    this.parts.onJudged?.({ exchange, operationId, findings, ...(request.label ? { label: request.label } : {}) });
    return exchange;
  }

  async probe(operationId: string, request: RequestDraft, expect: Expectation, options: CallOptions = {}): Promise<{ exchange: Exchange; findings: Finding[] }> {
    const { op, exchange } = await this.send(operationId, request, expect, options);
    const findings = this.judge(op, exchange, expect, request.judges).map(identified);
    this.parts.onJudged?.({ exchange, operationId, findings, ...(request.label ? { label: request.label } : {}) });
    return { exchange, findings };
  }

  json<T>(exchange: Exchange): T {
    const judged = this.judged.get(exchange);
    if (!judged) throw new Error('json() of an exchange this check did not call');
    // Already reported: the check cannot go on, and need not say so twice.
    if (judged.findings > 0) this.stop();
    const { op } = judged;
    const response = exchange.response!;
    const cannot = (why: string) => {
      this.finding({ code: this.failureCode, operationId: op.operationId, request: exchange.request, response, message: `cannot check the behaviour: ${why}` });
      return this.stop();
    };
    if (!is2xx(response.status)) return cannot(`${op.operationId} answered ${response.status}`);
    const problems = bodyFindings(documentedResponse(op, response.status), response, this.parts.validator);
    if (problems.length > 0) return cannot(`the ${response.status} body of ${op.operationId} breaks its schema: ${problems.map((p) => p.message).join('; ')}`);
    if (response.json === undefined) return cannot(`the ${response.status} body of ${op.operationId} is not JSON`);
    return response.json as T;
  }

  stop(): never {
    throw new CheckStopped();
  }
}

export class RunVerdictContext extends BaseContext implements VerdictContext {
  constructor(
    parts: RunParts,
    failureCode: FindingCode,
    readonly results: readonly CheckResult[],
  ) {
    super(parts, failureCode);
  }
}
