// The operator console's part of the control API (/_stub/channels/{token}/clients…): the channel's
// clients, one conversation, taking a conversation over and closing it, firing a reply timeout.
import type { ChatService } from '../chat.js';
import { StubError, Errors } from '../errors.js';
import type { ControlHandlerTable } from '../handlers/types.js';
import type { OperatorDesk } from '../operator-desk.js';

type ConsoleOperations = 'listClients' | 'getConversation' | 'takeOver' | 'closeOperatorChat' | 'fireReplyTimeout';

export interface ConsoleDeps {
  chat: ChatService;
  desk: OperatorDesk;
  /** How long GET …/clients?after=N holds when nothing changed (the Chat API's long-poll time). */
  longPollMs: () => number;
  /** The token of a configured channel (else 404). */
  channelOf: (token: string) => string;
}

export function consoleHandlers(deps: ConsoleDeps): Pick<ControlHandlerTable, ConsoleOperations> {
  const { chat, desk, channelOf } = deps;
  /** A client the channel lists (else 404, as the Chat API answers for an unknown client). */
  const clientOf = async (path: { token: string; clientId: string }): Promise<[string, string]> => {
    const token = channelOf(path.token);
    if (!(await chat.isListed(token, path.clientId))) throw Errors.clientNotFound(path.clientId);
    return [token, path.clientId];
  };

  return {
    listClients: async ({ path, query, signal }) => {
      const token = channelOf(path.token);
      if (query.after !== undefined) await desk.wait(token, query.after, deps.longPollMs(), signal);
      return { status: 200, body: await chat.clients(token) };
    },
    getConversation: async ({ path }) => {
      const [token, clientId] = await clientOf(path);
      const [history, takeover, unreadCount] = await Promise.all([chat.history(token, clientId), chat.takeoverState(token, clientId), chat.unreadCount(token, clientId)]);
      return { status: 200, body: { clientId, takeover, unreadCount, messages: history.messages } };
    },
    takeOver: async ({ path }) => ({ status: 200, body: await chat.takeOver(...(await clientOf(path))) }),
    closeOperatorChat: async ({ path }) => ({ status: 200, body: await chat.closeOperatorChat(...(await clientOf(path))) }),
    fireReplyTimeout: async ({ path }) => {
      if (!(await chat.fireTimeout(...(await clientOf(path))))) {
        throw new StubError(409, 'stub.timeout.none_pending', 'The client has no pending reply timeout (a bot reply of type timeout schedules one; any client message cancels it).');
      }
      return { status: 204, body: undefined };
    },
  };
}
