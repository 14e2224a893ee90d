// loadState and saveState.
import type { ChatService } from '../chat.js';
import type { HandlerTable } from '../handlers/types.js';

export function stateHandlers(chat: ChatService): Pick<HandlerTable, 'loadState' | 'saveState'> {
  return {
    loadState: ({ token, path }) => ({ status: 200, body: chat.loadState(token, path.clientId) }),
    saveState: ({ token, path, body }) => ({ status: 200, body: chat.saveState(token, path.clientId, body) }),
  };
}
