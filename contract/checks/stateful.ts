// The stateful phase: sequences that feed one answer into the next request, as the description
// declares them with OpenAPI links (send → questionId → status → unread count; save → load). For
// every operation whose 2xx response has links: a valid request of a new client, then each link's
// target with the parameters the link names (runtime expressions such as
// `$response.body#/questionId`), then the target's own links, two steps deep. A value a link hands
// on names something that exists, so every step must succeed (a 2xx).
import type { LinkSpec, OperationSpec } from '../../description/operations.js';
import { valueAt } from '../../description/pointer.js';
import type { Exchange } from '../http.js';
import type { RequestInput } from '../request-builder.js';
import { prepare } from './operations.js';
import type { Check, CheckContext } from './types.js';

const MAX_DEPTH = 2;

interface Step {
  op: OperationSpec;
  input: RequestInput;
  exchange: Exchange;
}

/** Evaluates a link's runtime expression against the step that produced it (OpenAPI 3.1, § Runtime Expressions). */
export function evaluate(expression: unknown, step: Pick<Step, 'input' | 'exchange'>): unknown {
  if (typeof expression !== 'string' || !expression.startsWith('$')) return expression;
  const bodyRef = /^\$(request|response)\.body(?:#(.*))?$/.exec(expression);
  if (bodyRef) {
    const source = bodyRef[1] === 'request' ? step.input.body : step.exchange.response?.json;
    return bodyRef[2] ? valueAt(source as never, `#${bodyRef[2]}`) : source;
  }
  const param = /^\$request\.(path|query|header)\.(.+)$/.exec(expression);
  if (param) return param[1] === 'path' ? step.input.pathParams[param[2]!] : param[1] === 'query' ? step.input.query[param[2]!] : undefined;
  if (expression === '$statusCode') return step.exchange.response?.status;
  throw new Error(`unsupported runtime expression ${expression}`);
}

function linksOf(op: OperationSpec, status: number): LinkSpec[] {
  return op.responses.find((r) => r.key === String(status))?.links ?? [];
}

async function follow(ctx: CheckContext, from: Step, link: LinkSpec, depth: number, trail: string): Promise<void> {
  const target = ctx.operation(link.operationId);
  const clientId = from.input.pathParams.clientId ?? from.input.query.clientId ?? ((from.input.body as { clientId?: string } | undefined)?.clientId as string);
  const [base] = ctx.builder.fromExamples(target, ctx.ids(clientId, []));
  if (!base) throw new Error(`${target.operationId} has no example to start from`);
  const input: RequestInput = { pathParams: { ...base.pathParams }, query: { ...base.query }, body: base.body };
  for (const [name, expression] of Object.entries(link.parameters)) {
    const value = evaluate(expression, from);
    const [location, bare] = name.includes('.') ? (name.split('.', 2) as [string, string]) : [undefined, name];
    const param = target.parameters.find((p) => p.name === bare && (location === undefined || p.in === location));
    if (!param) throw new Error(`link ${link.name} names ${name}, not a parameter of ${target.operationId}`);
    if (value === undefined) {
      ctx.expect(false, `link ${link.name}: ${String(expression)} has no value in the answer of ${from.op.operationId}`, from.exchange, undefined, 'behaviour');
      return;
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (param.in === 'path') input.pathParams[bare] = text;
    else if (param.in === 'query') input.query[bare] = text;
  }
  const step = `${trail} → ${target.operationId}`;
  const exchange = await ctx.call(target.operationId, input, 'success', { label: `link ${link.name}: ${step}` });
  const status = exchange.response?.status ?? 0;
  if (depth >= MAX_DEPTH || status < 200 || status >= 300) return;
  for (const next of linksOf(target, status)) await follow(ctx, { op: target, input, exchange }, next, depth + 1, step);
}

function stateful(op: OperationSpec, operations: OperationSpec[]): Check {
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
  return {
    id: `${op.operationId}/links`,
    name: `${op.operationId}: the links of its answer lead to answers (${[...reachable].slice(1).join(', ')})`,
    kind: 'stateful',
    phase: 'stateful',
    stateful: true,
    operations: [...reachable, 'sendMessage'],
    async run(ctx) {
      const { ids } = await prepare(ctx, op);
      const [input] = ctx.builder.fromExamples(op, ids);
      if (!input) throw new Error(`${op.operationId} has no example to start from`);
      const exchange = await ctx.call(op.operationId, input, 'success', { label: `the first step of ${op.operationId}'s links` });
      const status = exchange.response?.status ?? 0;
      if (status < 200 || status >= 300) return;
      for (const link of linksOf(op, status)) await follow(ctx, { op, input, exchange }, link, 1, op.operationId);
    },
  };
}

export function statefulChecks(operations: OperationSpec[]): Check[] {
  return operations.filter((op) => op.kind === 'path' && op.responses.some((r) => r.links.length > 0)).map((op) => stateful(op, operations));
}
