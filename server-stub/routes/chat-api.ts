// The Chat API's handler table: every operation of the description, from the feature files.
import type { ChatService } from '../chat.js';
import type { HandlerTable } from '../handlers/types.js';
import { eventHandlers } from './events.js';
import { historyHandlers } from './history.js';
import { messageHandlers } from './messages.js';
import { stateHandlers } from './state.js';
import { statusHandlers } from './statuses.js';

export function chatApiHandlers(chat: ChatService, longPollMs: () => number): HandlerTable {
  return {
    ...messageHandlers(chat),
    ...eventHandlers(chat, longPollMs),
    ...historyHandlers(chat),
    ...stateHandlers(chat),
    ...statusHandlers(chat),
  };
}
