// The error statuses the description documents per operation, so that a result can say whether a
// status was expected. The table is generated from the description (generated/documented-statuses.ts);
// the mapped type makes tsc reject it should it ever disagree with the generated types.
import { DOCUMENTED_STATUSES } from '../generated/documented-statuses.js';
import type { operations } from '../generated/chatapi.js';
import type { OperationId } from './types.js';

type ErrorStatuses<Op extends OperationId> = Exclude<keyof operations[Op]['responses'], 200 | 201 | 202 | 204>;

const agrees: { [Op in OperationId]: ReadonlyArray<ErrorStatuses<Op> | 200> } = DOCUMENTED_STATUSES;

export function documentedErrorStatuses(operationId: OperationId): number[] {
  return agrees[operationId].filter((status) => status >= 400);
}
