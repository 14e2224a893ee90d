// getEvents: long polling.
import type { ChatService } from '../chat.js';
import type { HandlerTable } from '../handlers/types.js';

export function eventHandlers(chat: ChatService, longPollMs: () => number): Pick<HandlerTable, 'getEvents'> {
  return {
    // A client that goes away (`signal`) drops its waiter and its timer at once.
    getEvents: async ({ token, query, signal }) => ({
      status: 200,
      body: { events: await chat.pollEvents(token, query.clientId, { all: query.all === true, cid: query.cid, ts: query.ts }, longPollMs(), signal) },
    }),
  };
}
