// The Chat API's behaviour, operation by operation, over the store, the event bus, the bot, the
// webhook deliverer and the timeout scheduler. Routes translate HTTP to these calls and back.
import type { BotEngine, BotTurn } from './bot/engine.js';
import type { TakeoverState, Takeovers } from './bot/takeover.js';
import type { Channels } from './channels.js';
import { formatTimestamp, newOperatorMessageId, newQuestionId, type ChannelClock } from './clock.js';
import { Errors, type Log } from './errors.js';
import { toWire, type EventBus } from './events.js';
import type { StatusUpdate, ChatStore, StoredEvent, StoredMessage } from './store/types.js';
import type { OperatorDesk } from './operator-desk.js';
import type { TimeoutScheduler } from './timeouts.js';
import type { BotResponseData, ChatEvent, ChatResponse, ChatState, ClientInput, ClientRequestRecord, MessageStatusInfo, Reply, WidgetStateRecord } from './types.js';
import type { WebhookDeliverer } from './webhooks.js';

export interface ChatServiceDeps {
  store: ChatStore;
  bus: EventBus;
  bot: BotEngine;
  deliverer: WebhookDeliverer;
  timeouts: TimeoutScheduler;
  clock: ChannelClock;
  channels: Channels;
  logError: Log;
  /** Who answers each client: the bot or a live operator (after a switch reply). */
  takeovers: Takeovers;
  /** The operator console's view of the channels: clients and a change counter. */
  desk: OperatorDesk;
}

/** One client of a channel, as the operator console lists it. */
export interface ClientSummary {
  clientId: string;
  messageCount: number;
  lastMessage: StoredMessage | null;
  unreadCount: number;
  takeover: TakeoverState;
}

/** The text of every text reply, joined by a blank line (JAICF's rule); "" when there is none. */
export function joinAnswer(replies: readonly Reply[]): string {
  let answer = '';
  for (const reply of replies) {
    if (reply.type === 'text') answer = answer === '' ? reply.text : `${answer}\n\n${reply.text}`;
  }
  return answer;
}

interface Outgoing {
  author: 'BOT' | 'OPERATOR';
  questionId: string;
  replies: readonly Reply[];
  turn?: BotTurn;
  newSession?: boolean;
  cid?: string;
  /** The cid of the connection that already has this reply (the events filter leaves it out there). */
  eventCid?: string;
}

export class ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

  /** A client query or event: recorded, published, answered by the bot (and, async, sent to the webhook). */
  send(token: string, input: ClientInput, mode: 'sync' | 'async'): ChatResponse {
    const { store, bus, bot, clock, timeouts } = this.deps;
    const { clientId, cid } = input;
    // Any client message cancels a pending reply timeout.
    timeouts.cancel(token, clientId);

    const ts = clock.next(token);
    const timestamp = formatTimestamp(ts);
    const questionId = newQuestionId();
    const message: StoredMessage = { questionId, author: 'CLIENT', status: 'DELIVERED', timestamp, ts };
    const record: ClientRequestRecord = { clientId, questionId, timestamp };
    if (cid !== undefined) record.cid = cid;
    if (input.query !== undefined) message.text = record.query = input.query;
    if (input.event !== undefined) message.event = record.event = input.event;
    if (input.data !== undefined) message.eventData = record.data = input.data;
    store.appendMessage(token, clientId, message);
    bus.publish(token, clientId, { type: 'clientRequest', ts, cid, event: record });
    this.deps.desk.touch(token, clientId);

    if (this.deps.takeovers.onClientMessage(token, clientId, input.query)) {
      // An operator has the conversation: the message reached it (history, events, the console),
      // and the bot stays silent, so the envelope carries no replies.
      const silent: ChatResponse = { token, clientId, questionId, timestamp, data: { replies: [], answer: '' }, blockForm: false };
      if (cid !== undefined) silent.cid = cid;
      return silent;
    }

    const newSession = store.beginTurn(token, clientId);
    const turn = bot.respond(input);
    store.endTurn(token, clientId, turn.endSession);
    this.deps.takeovers.afterBotReplies(token, clientId, turn.replies, ts);
    // The reply envelope echoes cid either way; but only a sync reply has reached that connection
    // already, so only it is tagged with the cid that the events filter leaves out.
    const response = this.sendToClient(token, clientId, { author: 'BOT', questionId, replies: turn.replies, turn, newSession, cid, eventCid: mode === 'sync' ? cid : undefined });
    if (turn.timeout) this.scheduleTimeout(token, clientId, turn.timeout);
    if (mode === 'async') this.deliver(token, response);
    return response;
  }

  /** A live operator's message to the client (simulated through the control API). */
  operatorReply(token: string, clientId: string, replies: readonly Reply[]): ChatResponse {
    const { takeovers, clock } = this.deps;
    // An operator who answers a conversation waiting in the queue has taken it.
    if (takeovers.state(token, clientId).handler === 'waiting') takeovers.takeOver(token, clientId, clock.latest(token));
    const response = this.sendToClient(token, clientId, { author: 'OPERATOR', questionId: newOperatorMessageId(), replies });
    this.deliver(token, response);
    return response;
  }

  saveState(token: string, clientId: string, state: ChatState): { clientId: string; timestamp: string } {
    const ts = this.deps.clock.next(token);
    const timestamp = formatTimestamp(ts);
    this.deps.store.saveState(token, clientId, state);
    const record: WidgetStateRecord = { clientId, timestamp, state };
    this.deps.bus.publish(token, clientId, { type: 'widgetStateChange', ts, event: record });
    return { clientId, timestamp };
  }

  loadState(token: string, clientId: string): ChatState {
    return this.deps.store.loadState(token, clientId) ?? {};
  }

  history(token: string, clientId: string, fromTs?: number, toTs?: number): { clientId: string; totalCount: number; messages: StoredMessage[] } {
    const messages = this.deps.store.listMessages(token, clientId, fromTs, toTs);
    return { clientId, totalCount: messages.length, messages };
  }

  status(token: string, clientId: string, questionId: string): MessageStatusInfo {
    const { store } = this.deps;
    if (!store.hasClient(token, clientId)) throw Errors.clientNotFound(clientId);
    const message = store.findOutgoing(token, clientId, questionId);
    if (!message) throw Errors.messageNotFound(clientId, questionId);
    return { questionId, status: message.status };
  }

  /**
   * Sets the statuses of messages sent to the client; one unknown id changes nothing (404).
   * `batch`: the ids came in the body's `statuses`, so a 404 points at the member that named it.
   */
  setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[], batch = false): MessageStatusInfo[] {
    const result = this.deps.store.setStatuses(token, clientId, updates);
    if (!result.ok) {
      if (result.reason === 'client') throw Errors.clientNotFound(clientId);
      const index = updates.findIndex((u) => u.questionId === result.questionId);
      throw Errors.messageNotFound(clientId, result.questionId, batch ? { location: 'body', path: `/statuses/${index}/questionId` } : undefined);
    }
    this.deps.desk.touch(token, clientId);
    return updates.map((update, i) => ({ questionId: update.questionId, status: result.messages[i]!.status }));
  }

  unreadCount(token: string, clientId: string): number {
    return this.deps.store.unreadCount(token, clientId);
  }

  /**
   * /events: answers at once when events newer than `ts` (or than this client's previous call)
   * match, else holds until one is published or `timeoutMs` passes. Returns a cancel function.
   */
  pollEvents(
    token: string,
    clientId: string,
    query: { all: boolean; cid?: string; ts?: number },
    timeoutMs: number,
    answer: (events: ChatEvent[]) => void,
  ): () => void {
    const { store, bus, clock } = this.deps;
    const afterTs = query.ts ?? store.eventCursor(token, clientId) ?? -1;
    const filter = { all: query.all, cid: query.cid, afterTs };
    const done = (events: StoredEvent[]) => {
      // The next call without `ts` goes on from here: after the last event returned, or, when none
      // matched, after everything published so far. A call that gave its own `ts` pages by itself
      // and leaves the cursor alone (a far-future `ts` must not hide later events from ts-less calls).
      if (query.ts !== undefined) return answer(events.map(toWire));
      const last = events[events.length - 1];
      store.setEventCursor(token, clientId, last ? last.ts : Math.max(afterTs, clock.latest(token)));
      answer(events.map(toWire));
    };
    const ready = bus.query(token, clientId, filter);
    if (ready.length > 0 || timeoutMs === 0) {
      done(ready);
      return () => undefined;
    }
    return bus.wait(token, clientId, filter, timeoutMs, done);
  }

  // --- The operator console (control API) ---------------------------------------------------

  /** The channel's clients, in the order they first wrote, with their last message and unread count. */
  clients(token: string): ClientSummary[] {
    const { store, desk, takeovers } = this.deps;
    return desk.clientIds(token).map((clientId) => {
      const messages = store.listMessages(token, clientId);
      return {
        clientId,
        messageCount: messages.length,
        lastMessage: messages[messages.length - 1] ?? null,
        unreadCount: store.unreadCount(token, clientId),
        takeover: takeovers.state(token, clientId),
      };
    });
  }

  takeoverState(token: string, clientId: string): TakeoverState {
    return this.deps.takeovers.state(token, clientId);
  }

  /** An operator takes the conversation: the bot stays silent, and its pending reply timeout is dropped. */
  takeOver(token: string, clientId: string): TakeoverState {
    const { takeovers, timeouts, clock, desk } = this.deps;
    timeouts.cancel(token, clientId);
    const state = takeovers.takeOver(token, clientId, clock.latest(token) || Date.now());
    desk.touch(token, clientId);
    return state;
  }

  /** The operator closes the conversation: the bot answers the client's next message. */
  closeOperatorChat(token: string, clientId: string): TakeoverState {
    const state = this.deps.takeovers.close(token, clientId);
    this.deps.desk.touch(token, clientId);
    return state;
  }

  /** Runs the client's pending reply timeout now, as if the interval had passed; false when none is pending. */
  fireTimeout(token: string, clientId: string): boolean {
    return this.deps.timeouts.fireNow(token, clientId);
  }

  /** Forgets every message, event, state, timeout and delivery; answers held long polls with []. */
  reset(): void {
    const { bus, store, clock, timeouts, deliverer, channels, takeovers, desk } = this.deps;
    bus.releaseAll();
    takeovers.reset();
    desk.releaseAll(true);
    timeouts.reset();
    deliverer.reset();
    store.clear();
    clock.reset();
    channels.reset();
  }

  /** Records and publishes a message to the client, and builds its envelope. */
  private sendToClient(token: string, clientId: string, out: Outgoing): ChatResponse {
    const { store, bus, clock, channels } = this.deps;
    const ts = clock.next(token);
    const timestamp = formatTimestamp(ts);
    const answer = joinAnswer(out.replies);
    const replies = out.replies as Reply[];
    const data: BotResponseData = out.turn
      ? {
          nlpClass: out.turn.nlpClass,
          confidence: out.turn.confidence,
          replies,
          answer,
          newSessionStarted: out.newSession ?? false,
          debugData: [],
          endSession: out.turn.endSession,
        }
      : { replies, answer };
    const blockForm = (channels.get(token)?.blockTextInputWithButtons ?? false) && replies.some((reply) => reply.type === 'buttons');
    const response: ChatResponse = { token, clientId, questionId: out.questionId, timestamp, data, blockForm };
    if (out.cid !== undefined) response.cid = out.cid;
    const message: StoredMessage = { questionId: out.questionId, author: out.author, status: 'SENT', timestamp, ts, replies };
    if (answer !== '') message.text = answer;
    store.appendMessage(token, clientId, message);
    bus.publish(token, clientId, {
      type: out.author === 'BOT' ? 'botResponse' : 'operatorResponse',
      ts,
      cid: out.eventCid,
      event: response,
    });
    this.deps.desk.touch(token, clientId);
    return response;
  }

  private scheduleTimeout(token: string, clientId: string, timeout: { intervalMs: number; targetState: string }): void {
    this.deps.timeouts.schedule(token, clientId, timeout.intervalMs, () => {
      try {
        this.timeoutReply(token, clientId, timeout.targetState);
      } catch (error) {
        this.deps.logError(`chatapi stub: the timeout reply failed: ${(error as Error).stack ?? String(error)}`);
      }
    });
  }

  /** The client stayed silent: the bot goes to the target state; its reply is an event and a webhook delivery. */
  private timeoutReply(token: string, clientId: string, targetState: string): void {
    if (this.deps.takeovers.silenced(token, clientId)) return;
    const turn = this.deps.bot.enter(targetState, clientId);
    if (!turn) return;
    this.deps.store.endTurn(token, clientId, turn.endSession);
    const response = this.sendToClient(token, clientId, { author: 'BOT', questionId: newQuestionId(), replies: turn.replies, turn, newSession: false });
    if (turn.timeout) this.scheduleTimeout(token, clientId, turn.timeout);
    this.deliver(token, response);
  }

  private deliver(token: string, response: ChatResponse): void {
    const url = this.deps.channels.get(token)?.webhookUrl;
    if (url) this.deps.deliverer.enqueue(token, url, [response]);
  }
}
