// Negative checks, derived per operation: bodies that break the request schema, a body of another
// media type, a missing required parameter, a wrongly typed parameter, a credential that is not the
// run's. Each must be answered with a documented 4xx whose body is valid against that status's
// schema, never with a 2xx or a 5xx.
import type { OperationSpec } from '../../../description/operations.js';
import type { Check } from '../check.js';
import { Phase } from '../phases.js';
import type { ApiProfile } from '../profile.js';
import { wrongQueryValue } from '../requests/builder.js';
import { exampleRequest } from './support.js';

function negative(op: OperationSpec, id: string, name: string, run: Check['run'], extra: Partial<Check> = {}): Check {
  return { id: `${op.operationId}/${id}`, name: `${op.operationId}: ${name}`, suite: 'negative', phase: Phase.Examples, calls: [op.operationId], run, ...extra };
}

export function negativeChecks(operations: readonly OperationSpec[], profile: ApiProfile): Check[] {
  const checks: Check[] = [];
  for (const op of operations.filter((o) => o.kind === 'path')) {
    const body = op.requestBody;
    if (body) {
      checks.push(
        negative(op, 'invalid-body', 'invalid bodies are rejected', async (ctx) => {
          const valid = exampleRequest(ctx, op);
          const bodies = ctx.requests.invalidBodies(op, valid.body);
          if (bodies.length === 0) throw new Error(`no invalid body could be derived for ${op.operationId}`);
          for (const { label, body: invalid } of bodies) {
            const exchange = await ctx.call(op.operationId, { ...valid, body: invalid }, 'client-error');
            ctx.expect(exchange.response !== undefined, `no answer to a body ${label}`, exchange);
          }
        }),
        negative(op, 'unsupported-media-type', `a body that is not ${body.mediaType} is rejected`, async (ctx) => {
          const valid = exampleRequest(ctx, op);
          await ctx.call(op.operationId, { ...valid, rawBody: JSON.stringify(valid.body), contentType: 'text/plain' }, 'client-error');
        }),
      );
    }
    for (const p of op.parameters.filter((p) => p.in === 'query')) {
      if (p.required) {
        checks.push(
          negative(op, `missing-${p.name}`, `a missing required parameter ${p.name} is rejected`, async (ctx) => {
            const valid = exampleRequest(ctx, op);
            const { [p.name]: _left, ...query } = valid.query;
            await ctx.call(op.operationId, { ...valid, query }, 'client-error');
          }),
        );
      }
      const wrong = wrongQueryValue(p);
      if (wrong !== undefined) {
        checks.push(
          negative(op, `wrong-type-${p.name}`, `a wrongly typed parameter ${p.name} is rejected`, async (ctx) => {
            const valid = exampleRequest(ctx, op);
            await ctx.call(op.operationId, { ...valid, query: { ...valid.query, [p.name]: wrong } }, 'client-error');
          }),
        );
      }
    }
    const { credential } = profile;
    if (op.parameters.some((p) => p.in === credential.in && p.name === credential.name)) {
      const documented = op.responses.some((r) => r.key === '401');
      checks.push(
        negative(
          op,
          `unknown-${credential.name}`,
          `an unknown ${credential.name} is rejected`,
          async (ctx) => {
            const valid = exampleRequest(ctx, op);
            await ctx.call(op.operationId, valid, documented ? [401] : 'client-error', { credential: `contract-${ctx.settings.runId}-unknown-${credential.name}` });
          },
          // A mock takes any credential.
          { needs: { state: true } },
        ),
      );
    }
  }
  return checks;
}
