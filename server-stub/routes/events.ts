// getEvents: long polling.
import type { ChatService } from '../chat.js';
import type { HandlerTable } from '../handlers/types.js';

export function eventHandlers(chat: ChatService, longPollMs: () => number): Pick<HandlerTable, 'getEvents'> {
  return {
    getEvents: ({ token, query, signal }) =>
      new Promise((resolve) => {
        const cancel = chat.pollEvents(token, query.clientId, { all: query.all === true, cid: query.cid, ts: query.ts }, longPollMs(), (events) =>
          resolve({ status: 200, body: { events } }),
        );
        // A client that goes away drops its waiter (and its timer) at once; the promise is then
        // never settled and goes with the waiter.
        if (signal.aborted) cancel();
        else signal.addEventListener('abort', cancel, { once: true });
      }),
  };
}
