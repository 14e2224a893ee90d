// The error statuses the description documents per operation, so that a result can say whether a
// status was expected. The mapped type makes tsc reject a missing or an extra status whenever the
// description (and so generated/chatapi.ts) changes.
import type { operations } from '../generated/chatapi.js';
import type { OperationId } from './types.js';

type ErrorStatuses<Op extends OperationId> = Exclude<keyof operations[Op]['responses'], 200 | 201 | 202 | 204>;

const DOCUMENTED: { [Op in OperationId]: { [S in ErrorStatuses<Op>]: true } } = {
  sendMessage: { 400: true, 401: true, 413: true, 415: true },
  sendMessageSimple: { 400: true, 401: true },
  sendMessageAsync: { 400: true, 401: true, 413: true, 415: true },
  getEvents: { 400: true, 401: true },
  getHistory: { 400: true, 401: true },
  loadState: { 401: true },
  saveState: { 400: true, 401: true, 413: true, 415: true },
  getMessageStatus: { 401: true, 404: true },
  setMessageStatus: { 400: true, 401: true, 404: true, 415: true },
  setMessageStatuses: { 400: true, 401: true, 404: true, 413: true, 415: true },
  getNotReadCount: { 401: true },
};

export function documentedErrorStatuses(operationId: OperationId): number[] {
  return Object.keys(DOCUMENTED[operationId]).map(Number);
}
