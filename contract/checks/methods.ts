// Methods the description does not list for a path must be refused with a 4xx (405 is the right
// one), never served (2xx) and never a crash (5xx): a router that answers every method with the
// same handler, or dies on one it does not know, breaks the contract. Each path is tried with the
// methods it lacks, for a new client of the run.
import type { OperationSpec } from '../../description/operations.js';
import { HTTP_METHODS } from '../../description/operations.js';
import type { Check } from './types.js';

/** Methods worth trying; HEAD, OPTIONS and TRACE have meanings of their own (CORS, GET's headers). */
const TRIED = HTTP_METHODS.filter((m) => !['head', 'options', 'trace'].includes(m));

function unsupportedMethods(path: string, listed: OperationSpec[]): Check {
  const missing = TRIED.filter((m) => !listed.some((op) => op.method === m));
  const anchor = listed[0]!;
  return {
    id: `unsupported-methods${path}`,
    name: `${path}: methods the description does not list (${missing.map((m) => m.toUpperCase()).join(', ')}) are refused with a 4xx`,
    kind: 'unsupported_method',
    phase: 'coverage',
    // A method the API does not have might still do something on a real deployment.
    operations: ['unsupported methods'],
    async run(ctx) {
      const [input] = ctx.builder.fromExamples(anchor, ctx.ids(ctx.newClient()));
      if (!input) throw new Error(`${anchor.operationId} has no example to start from`);
      for (const method of missing) {
        const { exchange } = await ctx.probe(anchor.operationId, input, 'documented', { method: method.toUpperCase(), label: `${method.toUpperCase()} ${path}` });
        const status = exchange.response?.status;
        if (status === undefined) continue; // the runner has stopped the run if the target is gone
        ctx.expect(status >= 400 && status < 500, `${method.toUpperCase()} ${path} answered ${status}: a method the description does not list must be refused with a 4xx (405)`, exchange);
      }
    },
  };
}

export function unsupportedMethodChecks(operations: OperationSpec[]): Check[] {
  const byPath = new Map<string, OperationSpec[]>();
  for (const op of operations.filter((o) => o.kind === 'path')) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
  return [...byPath].map(([path, listed]) => unsupportedMethods(path, listed));
}
