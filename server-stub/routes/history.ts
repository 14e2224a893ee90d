// getHistory.
import type { ChatService } from '../chat.js';
import type { HandlerTable } from '../handlers/types.js';

export function historyHandlers(chat: ChatService): Pick<HandlerTable, 'getHistory'> {
  return {
    getHistory: async ({ token, path, query }) => ({ status: 200, body: await chat.history(token, path.clientId, query.fromTimestamp, query.toTimestamp) }),
  };
}
