// Type tests of the stub's handler table, compiled by tsc (handlers-types.test.ts runs it): every
// misuse below must fail to compile, and an `@ts-expect-error` that meets no error fails the run.
// Never run.
import type { ControlHandler, ControlHandlerTable, Handler, HandlerTable } from '../../server-stub/handlers/types.js';
import type { Delivery } from '../../server-stub/public-api.js';
import type { ChatResponse, ErrorBody } from '../../server-stub/types.js';

declare const reply: ChatResponse;
declare const error: ErrorBody;
declare const table: HandlerTable;

// --- what compiles: documented statuses with their bodies, inputs typed by the description
export const sendMessage: Handler<'sendMessage'> = ({ token, body }) => ({ status: 200, body: { ...reply, token, clientId: String(body.clientId) } });
export const getEvents: Handler<'getEvents'> = async ({ query, signal }) => {
  const all: boolean | undefined = query.all;
  const ts: number | undefined = query.ts;
  signal.throwIfAborted();
  return { status: 200, body: { events: all && ts !== undefined ? [] : [] } };
};
export const getHistory: Handler<'getHistory'> = ({ path, query }) => ({ status: 200, body: { clientId: path.clientId, totalCount: query.fromTimestamp ?? 0, messages: [] } });
export const saveState: Handler<'saveState'> = ({ path, body }) => ({ status: 200, body: { clientId: path.clientId, timestamp: String(Object.keys(body).length) } });
export const complete: HandlerTable = { ...table, sendMessage, getEvents, getHistory, saveState };

// --- a status the description does not document
// @ts-expect-error sendMessage documents no 201
export const created: Handler<'sendMessage'> = () => ({ status: 201, body: reply });
// @ts-expect-error 404 is documented, but errors are thrown as StubErrors for the one error handler, not answered
export const notFound: Handler<'getHistory'> = () => ({ status: 404, body: error });

// --- a body shape the description does not document
// @ts-expect-error the async send answers {questionId}, not the reply's data
export const wrongBody: Handler<'sendMessageAsync'> = () => ({ status: 200, body: reply.data });
// @ts-expect-error the unread count is a number
export const wrongCount: Handler<'getNotReadCount'> = () => ({ status: 200, body: { count: '3' } });
// @ts-expect-error a required member is missing (other members are allowed: the schemas leave objects open)
export const missingMember: Handler<'getNotReadCount'> = () => ({ status: 200, body: { unread: 3 } });

// --- inputs the operation does not have
// @ts-expect-error getHistory has no questionId path parameter
export const noSuchParam: Handler<'getHistory'> = ({ path }) => ({ status: 200, body: { clientId: path.questionId, totalCount: 0, messages: [] } });
// @ts-expect-error the simplified send has no body
export const noBody: Handler<'sendMessageSimple'> = ({ body }) => ({ status: 200, body: { ...reply, clientId: body.clientId } });

// --- a table without some operation, or with one the description does not have
const { getNotReadCount: _dropped, ...withoutOne } = table;
// @ts-expect-error getNotReadCount has no handler
export const incomplete: HandlerTable = withoutOne;
// @ts-expect-error there is no operation deleteHistory
export const unknown: HandlerTable = { ...table, deleteHistory: () => ({ status: 200, body: {} }) };
// @ts-expect-error the stub sends the webhook, it does not answer it: no handler for it
export const webhook: Handler<'receiveChatApiMessage'> = () => ({ status: 200, body: undefined });

// --- the control API's handlers and the startStub() helpers, typed by generated/control-api.ts
declare const control: ControlHandlerTable;
export const fired: ControlHandler<'fireReplyTimeout'> = () => ({ status: 204, body: undefined });
export const settings: ControlHandler<'getChannelSettings'> = ({ path }) => ({ status: 200, body: { token: path.token, webhookUrl: null, blockTextInputWithButtons: false } });
export const completeControl: ControlHandlerTable = { ...control, fireReplyTimeout: fired, getChannelSettings: settings };
// @ts-expect-error fireReplyTimeout answers 204 without a body, not 200
export const firedWith200: ControlHandler<'fireReplyTimeout'> = () => ({ status: 200, body: undefined });
// @ts-expect-error the settings need webhookUrl (null when none)
export const partialSettings: ControlHandler<'getChannelSettings'> = ({ path }) => ({ status: 200, body: { token: path.token, blockTextInputWithButtons: false } });
declare const delivery: Delivery;
// @ts-expect-error a delivery as the control API lists it has no questionIds (only the deliverer needs them)
export const questionIdsOnWire: string[] = delivery.questionIds;
