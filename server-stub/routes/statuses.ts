// Message statuses and the unread count.
import type { ChatService } from '../chat.js';
import type { HandlerTable } from '../handlers/types.js';

type StatusOperations = 'getMessageStatus' | 'setMessageStatus' | 'setMessageStatuses' | 'getNotReadCount';

export function statusHandlers(chat: ChatService): Pick<HandlerTable, StatusOperations> {
  return {
    getMessageStatus: async ({ token, path }) => ({ status: 200, body: await chat.status(token, path.clientId, path.questionId) }),
    setMessageStatus: async ({ token, path, body }) => {
      const [result] = await chat.setStatuses(token, path.clientId, [{ questionId: path.questionId, status: body.status }]);
      return { status: 200, body: result! };
    },
    setMessageStatuses: async ({ token, path, body }) => ({ status: 200, body: { statuses: await chat.setStatuses(token, path.clientId, body.statuses, true) } }),
    getNotReadCount: async ({ token, path }) => ({ status: 200, body: { count: await chat.unreadCount(token, path.clientId) } }),
  };
}
