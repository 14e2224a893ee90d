// Negative checks, derived per operation: bodies that break the request schema, a body that is not
// JSON's media type, a missing required parameter, a wrongly typed parameter, an unknown token.
// Each must be answered with a documented 4xx whose body is valid against that status's schema
// (the Error schema), never with a 2xx or a 5xx.
import type { OperationSpec } from '../../description/operations.js';
import { wrongQueryValue, type LabelledInput } from '../request-builder.js';
import type { Check, CheckContext } from './types.js';

/** A valid request to start from: the first from the examples, for a new client of the run. */
function validInput(ctx: CheckContext, op: OperationSpec): LabelledInput {
  const input = ctx.builder.fromExamples(op, ctx.ids(ctx.newClient()))[0];
  if (!input) throw new Error(`${op.operationId} has no example to build a request from`);
  return input;
}

function invalidBodies(op: OperationSpec): Check {
  return {
    id: `${op.operationId}/invalid-body`,
    name: `${op.operationId}: invalid bodies are rejected`,
    kind: 'negative',
    phase: 'examples',
    operations: [op.operationId],
    async run(ctx) {
      const valid = validInput(ctx, op);
      const bodies = ctx.builder.invalidBodies(op, valid.body);
      if (bodies.length === 0) throw new Error(`no invalid body could be derived for ${op.operationId}`);
      for (const { label, body } of bodies) {
        const exchange = await ctx.call(op.operationId, { ...valid, body }, 'client-error');
        ctx.expect(exchange.response !== undefined, `no answer to a body ${label}`, exchange);
      }
    },
  };
}

function unsupportedMediaType(op: OperationSpec): Check {
  return {
    id: `${op.operationId}/unsupported-media-type`,
    name: `${op.operationId}: a body that is not ${op.requestBody?.mediaType ?? 'JSON'} is rejected`,
    kind: 'negative',
    phase: 'examples',
    operations: [op.operationId],
    async run(ctx) {
      const valid = validInput(ctx, op);
      await ctx.call(op.operationId, valid, 'client-error', { rawBody: JSON.stringify(valid.body), contentType: 'text/plain' });
    },
  };
}

function missingParameter(op: OperationSpec, name: string): Check {
  return {
    id: `${op.operationId}/missing-${name}`,
    name: `${op.operationId}: a missing required parameter ${name} is rejected`,
    kind: 'negative',
    phase: 'examples',
    operations: [op.operationId],
    async run(ctx) {
      const valid = validInput(ctx, op);
      const { [name]: _left, ...query } = valid.query;
      await ctx.call(op.operationId, { ...valid, query }, 'client-error');
    },
  };
}

function wronglyTypedParameter(op: OperationSpec, name: string, value: string): Check {
  return {
    id: `${op.operationId}/wrong-type-${name}`,
    name: `${op.operationId}: a wrongly typed parameter ${name} is rejected`,
    kind: 'negative',
    phase: 'examples',
    operations: [op.operationId],
    async run(ctx) {
      const valid = validInput(ctx, op);
      await ctx.call(op.operationId, { ...valid, query: { ...valid.query, [name]: value } }, 'client-error');
    },
  };
}

function unknownToken(op: OperationSpec): Check {
  const documented = op.responses.some((r) => r.key === '401');
  return {
    id: `${op.operationId}/unknown-token`,
    name: `${op.operationId}: an unknown token is rejected`,
    kind: 'negative',
    phase: 'examples',
    operations: [op.operationId],
    // A mock accepts any token.
    stateful: true,
    async run(ctx) {
      const valid = validInput(ctx, op);
      const token = `contract-${ctx.settings.runId}-unknown-token`;
      await ctx.call(op.operationId, valid, documented ? [401] : 'client-error', { token });
    },
  };
}

export function negativeChecks(operations: OperationSpec[]): Check[] {
  const checks: Check[] = [];
  for (const op of operations.filter((o) => o.kind === 'path')) {
    if (op.requestBody) checks.push(invalidBodies(op), unsupportedMediaType(op));
    for (const p of op.parameters.filter((p) => p.in === 'query')) {
      if (p.required) checks.push(missingParameter(op, p.name));
      const wrong = wrongQueryValue(p);
      if (wrong !== undefined) checks.push(wronglyTypedParameter(op, p.name, wrong));
    }
    if (op.parameters.some((p) => p.in === 'path' && p.name === 'token')) checks.push(unknownToken(op));
  }
  return checks;
}
