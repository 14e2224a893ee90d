// Methods the description does not list for a path must be refused, never served (2xx) and never
// a crash (5xx): a router that answers every method with the same handler, or dies on one it does
// not know, breaks the contract. Each path is tried with every method it lacks — TRACE, an OPTIONS
// that is not a CORS preflight, HEAD where there is no GET — and a method no server knows. A 405
// must carry `Allow` (the judge `allow_header_on_405`); an unknown method may get 501 (RFC 9110 § 9.1).
import { HTTP_METHODS, type OperationSpec } from '../../../description/operations.js';
import type { Check } from '../check.js';
import { Phase } from '../phases.js';
import { exampleRequest } from './support.js';

/** A method token no server implements. */
export const UNKNOWN_METHOD = 'CONTRACT-PROBE';

const WITHOUT_BODY = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

function triedMethods(listed: readonly OperationSpec[]): string[] {
  const has = (method: string) => listed.some((op) => op.method === method);
  // HEAD is GET without the body: a path with GET has it.
  const missing = HTTP_METHODS.filter((m) => !has(m) && !(m === 'head' && has('get')));
  return [...missing.map((m) => m.toUpperCase()), UNKNOWN_METHOD];
}

function unsupportedMethods(path: string, listed: OperationSpec[]): Check {
  const methods = triedMethods(listed);
  const anchor = listed[0]!;
  return {
    id: `unsupported-methods${path}`,
    name: `${path}: methods the description does not list (${methods.join(', ')}) are refused`,
    suite: 'unsupported_method',
    phase: Phase.Coverage,
    failureCode: 'unsupported_method',
    // A method the API does not have might still do something on a real deployment.
    calls: ['unsupported methods'],
    async run(ctx) {
      const request = exampleRequest(ctx, anchor);
      for (const method of methods) {
        // Methods whose requests carry no body (RFC 9110) are sent without one.
        const { body: _body, ...bodiless } = request;
        const sent = WITHOUT_BODY.has(method) ? bodiless : request;
        const { exchange, findings } = await ctx.probe(anchor.operationId, { ...sent, label: `${method} ${path}` }, 'documented', { method });
        const status = exchange.response?.status;
        if (status === undefined) continue; // the runner has stopped the run if the target is gone
        const refused = (status >= 400 && status < 500) || (method === UNKNOWN_METHOD && status === 501);
        ctx.expect(refused, `${method} ${path} answered ${status}: a method the description does not list must be refused with a 4xx (405${method === UNKNOWN_METHOD ? ' or 501' : ''})`, exchange);
        // The judges that still apply to a refusal: a 5xx, and a 405 without Allow.
        for (const f of findings) if (f.code === 'method_not_allowed_without_allow' || (f.code === 'server_error' && !(method === UNKNOWN_METHOD && status === 501))) ctx.finding({ ...f, case: `${method} ${path}` });
      }
    },
  };
}

export function unsupportedMethodChecks(operations: readonly OperationSpec[]): Check[] {
  const byPath = new Map<string, OperationSpec[]>();
  for (const op of operations.filter((o) => o.kind === 'path')) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
  return [...byPath].map(([path, listed]) => unsupportedMethods(path, listed));
}
