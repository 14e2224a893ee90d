// What the engine's own checks share: the operations a check calls (with what making its
// resources calls), and a valid request to start from.
import type { OperationSpec } from '../../../description/operations.js';
import type { CheckContext } from '../check.js';
import { resourcesNamedBy } from '../context.js';
import type { ApiProfile } from '../profile.js';
import type { RequestDraft } from '../requests/draft.js';

/** The operation and what making the resources its requests name calls (for --read-only). */
export function callsOf(op: OperationSpec, profile: ApiProfile): string[] {
  return [op.operationId, ...resourcesNamedBy(op, profile).flatMap((name) => profile.resources[name]!.calls)];
}

/** A valid request to start from, with no resource made: the first from the examples, for a new owned id. */
export function exampleRequest(ctx: CheckContext, op: OperationSpec): RequestDraft {
  const request = ctx.requests.fromExamples(op, ctx.ownBindings())[0];
  if (!request) throw new Error(`${op.operationId} has no example to build a request from`);
  return request;
}
