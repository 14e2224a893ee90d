// loadState and saveState.
import type { ChatService } from '../chat.js';
import type { HandlerTable } from '../handlers/types.js';

export function stateHandlers(chat: ChatService): Pick<HandlerTable, 'loadState' | 'saveState'> {
  return {
    loadState: async ({ token, path }) => ({ status: 200, body: await chat.loadState(token, path.clientId) }),
    saveState: async ({ token, path, body }) => ({ status: 200, body: await chat.saveState(token, path.clientId, body) }),
  };
}
