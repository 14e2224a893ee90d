// The stateful phase: sequences that feed one answer into the next request. First the links the
// description declares (OpenAPI `links`, with runtime expressions such as
// `$response.body#/questionId`), followed two steps deep: a value a declared link hands on names
// something that exists, so every step must succeed. Then links inferred from names, as
// Schemathesis does: an id an answer carries (`questionId`, outside any array) feeds every
// operation with a path parameter of that name; name matching promises less, so a documented 404
// is an acceptable answer there.
import type { LinkSpec, OperationSpec } from '../../../description/operations.js';
import type { Obj } from '../../../description/pointer.js';
import { valueAt } from '../../../description/pointer.js';
import type { Check, CheckContext } from '../check.js';
import type { Exchange } from '../exchange.js';
import type { Expectation } from '../judges.js';
import { Phase } from '../phases.js';
import type { ApiProfile } from '../profile.js';
import type { RequestDraft } from '../requests/draft.js';
import type { Bindings } from '../requests/ids.js';
import { parameterText } from '../requests/parameters.js';
import { asSchema, mergeAllOf, objectProperties, typeOf } from '../requests/schema-walk.js';
import { callsOf } from './support.js';

const MAX_DEPTH = 2;

interface Step {
  op: OperationSpec;
  request: RequestDraft;
  exchange: Exchange;
  bindings: Bindings;
}

/** Evaluates a link's runtime expression against the step that produced it (OpenAPI 3.1, § Runtime Expressions). */
export function evaluate(expression: unknown, step: Pick<Step, 'request' | 'exchange'>): unknown {
  if (typeof expression !== 'string' || !expression.startsWith('$')) return expression;
  const bodyRef = /^\$(request|response)\.body(?:#(.*))?$/.exec(expression);
  if (bodyRef) {
    const source = bodyRef[1] === 'request' ? step.request.body : step.exchange.response?.json;
    return bodyRef[2] ? valueAt(source as never, `#${bodyRef[2]}`) : source;
  }
  const param = /^\$request\.(path|query|header)\.(.+)$/.exec(expression);
  if (param) {
    const bag = param[1] === 'path' ? step.request.path : param[1] === 'query' ? step.request.query : step.request.headers;
    return bag[param[2]!];
  }
  const header = /^\$response\.header\.(.+)$/.exec(expression);
  if (header) return step.exchange.response?.headers[header[1]!.toLowerCase()];
  if (expression === '$statusCode') return step.exchange.response?.status;
  if (expression === '$method') return step.exchange.request.method;
  if (expression === '$url') return step.exchange.request.url;
  throw new Error(`unsupported runtime expression ${expression}`);
}

function linksOf(op: OperationSpec, status: number): LinkSpec[] {
  return op.responses.find((r) => r.key === String(status))?.links ?? [];
}

const is2xx = (status: number) => status >= 200 && status < 300;

/** The target's request from its example, with the step's bindings, and the link's parameters set. */
function linkedRequest(ctx: CheckContext, from: Step, link: LinkSpec, target: OperationSpec): RequestDraft | string {
  const [base] = ctx.requests.fromExamples(target, from.bindings);
  if (!base) throw new Error(`${target.operationId} has no example to start from`);
  const request: RequestDraft = { ...base, path: { ...base.path }, query: { ...base.query }, headers: { ...base.headers } };
  for (const [name, expression] of Object.entries(link.parameters)) {
    const value = evaluate(expression, from);
    const [location, bare] = name.includes('.') ? (name.split('.', 2) as [string, string]) : [undefined, name];
    const param = target.parameters.find((p) => p.name === bare && (location === undefined || p.in === location));
    if (!param) throw new Error(`link ${link.name} names ${name}, not a parameter of ${target.operationId}`);
    if (value === undefined) return `link ${link.name}: ${String(expression)} has no value in the answer of ${from.op.operationId}`;
    const text = parameterText(value);
    if (param.in === 'path') request.path[bare] = text;
    else if (param.in === 'query') request.query[bare] = text;
    else if (param.in === 'header') request.headers[bare] = text;
  }
  return request;
}

async function follow(ctx: CheckContext, from: Step, link: LinkSpec, depth: number, trail: string, expect: Expectation): Promise<void> {
  const target = ctx.operation(link.operationId);
  const request = linkedRequest(ctx, from, link, target);
  if (typeof request === 'string') {
    ctx.expect(false, request, from.exchange, undefined, 'behaviour');
    return;
  }
  const step = `${trail} → ${target.operationId}`;
  const exchange = await ctx.call(target.operationId, { ...request, label: `link ${link.name}: ${step}` }, expect);
  const status = exchange.response?.status ?? 0;
  if (depth >= MAX_DEPTH || !is2xx(status)) return;
  for (const next of linksOf(target, status)) await follow(ctx, { op: target, request, exchange, bindings: from.bindings }, next, depth + 1, step, expect);
}

/** The first step: a valid request of the operation, with resources of its own. */
async function firstStep(ctx: CheckContext, op: OperationSpec): Promise<Step | undefined> {
  const { bindings } = await ctx.bindingsFor(op);
  const [request] = ctx.requests.fromExamples(op, bindings);
  if (!request) throw new Error(`${op.operationId} has no example to start from`);
  const exchange = await ctx.call(op.operationId, { ...request, label: `the first step of ${op.operationId}'s links` }, 'success');
  return is2xx(exchange.response?.status ?? 0) ? { op, request, exchange, bindings } : undefined;
}

function reachableBy(op: OperationSpec, operations: readonly OperationSpec[]): string[] {
  const reachable = new Set<string>([op.operationId]);
  const walk = (from: OperationSpec, depth: number) => {
    if (depth > MAX_DEPTH) return;
    for (const r of from.responses) for (const link of r.links) {
      const to = operations.find((o) => o.operationId === link.operationId);
      if (to && !reachable.has(to.operationId)) {
        reachable.add(to.operationId);
        walk(to, depth + 1);
      }
    }
  };
  walk(op, 1);
  return [...reachable];
}

function declaredLinks(op: OperationSpec, operations: readonly OperationSpec[], profile: ApiProfile): Check {
  const reachable = reachableBy(op, operations);
  return {
    id: `${op.operationId}/links`,
    name: `${op.operationId}: the links of its answer lead to answers (${reachable.slice(1).join(', ')})`,
    suite: 'stateful',
    phase: Phase.Stateful,
    needs: { state: true },
    calls: reachable.flatMap((id) => callsOf(operations.find((o) => o.operationId === id)!, profile)),
    async run(ctx) {
      const step = await firstStep(ctx, op);
      if (!step) return;
      for (const link of linksOf(op, step.exchange.response!.status)) await follow(ctx, step, link, 1, op.operationId, 'success');
    },
  };
}

/** Where each property of a schema first sits, outside arrays: `questionId` → `/questionId`. */
function scalarPointers(schema: Obj, at = '', depth = 0, found = new Map<string, string>()): Map<string, string> {
  if (depth > 4) return found;
  for (const [name, child] of Object.entries(objectProperties(mergeAllOf(schema)).properties)) {
    const flat = mergeAllOf(asSchema(child));
    const pointer = `${at}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const type = typeOf(flat);
    if (type === 'object') scalarPointers(flat, pointer, depth + 1, found);
    else if (type !== 'array' && !found.has(name)) found.set(name, pointer);
  }
  return found;
}

/** Links an operation's 2xx answer implies by name, beside those it declares. */
export function inferredLinks(op: OperationSpec, operations: readonly OperationSpec[], profile: ApiProfile): LinkSpec[] {
  const skip = new Set([profile.credential.name, ...profile.ownedIds]);
  const declared = new Set(op.responses.flatMap((r) => r.links.map((l) => l.operationId)));
  const success = op.responses.find((r) => /^2/.test(r.key) && Object.keys(r.content).some((m) => m.endsWith('json')));
  const schema = success ? operationsSchema(op, success.key) : undefined;
  if (!schema) return [];
  const pointers = scalarPointers(schema);
  const links: LinkSpec[] = [];
  for (const target of operations.filter((o) => o.kind === 'path' && o.operationId !== op.operationId && !declared.has(o.operationId))) {
    const fed = target.parameters.filter((p) => p.in === 'path' && !skip.has(p.name) && pointers.has(p.name));
    if (fed.length === 0) continue;
    links.push({
      name: `by name: ${fed.map((p) => p.name).join(', ')}`,
      operationId: target.operationId,
      parameters: Object.fromEntries(fed.map((p) => [`path.${p.name}`, `$response.body#${pointers.get(p.name)!}`])),
    });
  }
  return links;
}

/** The JSON schema of an operation's response (whole, when the operations were read dereferenced). */
function operationsSchema(op: OperationSpec, key: string): Obj | undefined {
  const schemas = op.responses.find((r) => r.key === key)?.schemas ?? {};
  return Object.entries(schemas).find(([media]) => media.endsWith('json'))?.[1];
}

function linksByName(op: OperationSpec, links: LinkSpec[], operations: readonly OperationSpec[], profile: ApiProfile): Check {
  const targets = links.map((l) => l.operationId);
  return {
    id: `${op.operationId}/links-by-name`,
    name: `${op.operationId}: the ids of its answer feed the operations that take them by name (${targets.join(', ')})`,
    suite: 'stateful',
    phase: Phase.Stateful,
    needs: { state: true },
    calls: [op.operationId, ...targets].flatMap((id) => callsOf(operations.find((o) => o.operationId === id)!, profile)),
    async run(ctx) {
      const step = await firstStep(ctx, op);
      if (!step) return;
      for (const link of links) await follow(ctx, step, link, MAX_DEPTH, op.operationId, 'valid');
    },
  };
}

export function statefulChecks(operations: readonly OperationSpec[], profile: ApiProfile): Check[] {
  const checks: Check[] = [];
  for (const op of operations.filter((o) => o.kind === 'path')) {
    if (op.responses.some((r) => r.links.length > 0)) checks.push(declaredLinks(op, operations, profile));
    const inferred = inferredLinks(op, operations, profile);
    if (inferred.length > 0) checks.push(linksByName(op, inferred, operations, profile));
  }
  return checks;
}
