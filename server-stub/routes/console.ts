// The operator console's part of the control API (/_stub/channels/{token}/clients…): the channel's
// clients, one conversation, taking a conversation over and closing it, firing a reply timeout.
// Mounted by control.ts after its validator, so control-api.yaml checks these requests and answers.
import type { Router } from 'express';
import type { ChatService } from '../chat.js';
import type { Channels } from '../channels.js';
import { StubError, Errors } from '../errors.js';
import type { OperatorDesk } from '../operator-desk.js';
import { optionalInteger, queryOf } from './util.js';

export interface ConsoleDeps {
  chat: ChatService;
  channels: Channels;
  desk: OperatorDesk;
  /** How long GET …/clients?after=N holds when nothing changed (the Chat API's long-poll time). */
  longPollMs: () => number;
  channelNotFound: (token: string) => StubError;
}

export function consoleRoutes(router: Router, deps: ConsoleDeps): void {
  const { chat, channels, desk } = deps;
  const channelOf = (params: Record<string, string | undefined>): string => {
    const token = params.token!;
    if (!channels.has(token)) throw deps.channelNotFound(token);
    return token;
  };
  /** A client the channel lists (else 404, as the Chat API answers for an unknown client). */
  const clientOf = async (token: string, params: Record<string, string | undefined>): Promise<string> => {
    const clientId = params.clientId!;
    if (!(await chat.isListed(token, clientId))) throw Errors.clientNotFound(clientId);
    return clientId;
  };

  router.get('/channels/:token/clients', async (req, res) => {
    const token = channelOf(req.params);
    const after = optionalInteger(queryOf(req).after);
    if (after !== undefined) {
      const gone = new AbortController();
      res.on('close', () => gone.abort());
      await desk.wait(token, after, deps.longPollMs(), gone.signal);
    }
    const clients = await chat.clients(token);
    if (!res.writableEnded && !res.destroyed) res.json(clients);
  });

  router.get('/channels/:token/clients/:clientId', async (req, res) => {
    const token = channelOf(req.params);
    const clientId = await clientOf(token, req.params);
    const [history, takeover, unreadCount] = await Promise.all([chat.history(token, clientId), chat.takeoverState(token, clientId), chat.unreadCount(token, clientId)]);
    res.json({ clientId, takeover, unreadCount, messages: history.messages });
  });

  router.post('/channels/:token/clients/:clientId/takeover', async (req, res) => {
    const token = channelOf(req.params);
    res.json(await chat.takeOver(token, await clientOf(token, req.params)));
  });

  router.post('/channels/:token/clients/:clientId/takeover/close', async (req, res) => {
    const token = channelOf(req.params);
    res.json(await chat.closeOperatorChat(token, await clientOf(token, req.params)));
  });

  router.post('/channels/:token/clients/:clientId/timeout', async (req, res) => {
    const token = channelOf(req.params);
    const clientId = await clientOf(token, req.params);
    if (!(await chat.fireTimeout(token, clientId))) {
      throw new StubError(409, 'stub.timeout.none_pending', 'The client has no pending reply timeout (a bot reply of type timeout schedules one; any client message cancels it).');
    }
    res.status(204).end();
  });
}
