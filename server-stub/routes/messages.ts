// sendMessage and sendMessageSimple (synchronous), sendMessageAsync.
import type { ChatService } from '../chat.js';
import type { HandlerTable } from '../handlers/types.js';
import type { ChatRequest, ClientInput } from '../types.js';

/**
 * The fields of a validated ChatRequest body the stub uses (clientInfo and contexts are accepted and
 * ignored). A numeric clientId is read as its decimal text, as the JVM service's JSON binding does.
 */
function inputOf(body: ChatRequest): ClientInput {
  const input: ClientInput = { clientId: String(body.clientId), data: body.data, cid: body.cid };
  // A text query or an event, never both (the schema's oneOf).
  if ('query' in body) input.query = body.query;
  else input.event = body.event;
  return input;
}

export function messageHandlers(chat: ChatService): Pick<HandlerTable, 'sendMessage' | 'sendMessageSimple' | 'sendMessageAsync'> {
  return {
    sendMessage: async ({ token, body }) => ({ status: 200, body: await chat.send(token, inputOf(body), 'sync') }),
    // Exactly one of query and event (the description's `x-exactly-one-of`) is checked on mounting.
    sendMessageSimple: async ({ token, query }) => ({ status: 200, body: await chat.send(token, { clientId: query.clientId, query: query.query, event: query.event }, 'sync') }),
    sendMessageAsync: async ({ token, body }) => ({ status: 200, body: { questionId: (await chat.send(token, inputOf(body), 'async')).questionId } }),
  };
}
