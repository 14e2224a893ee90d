// Who answers a client: the bot, or a live operator. A `switch` reply hands the conversation to an
// operator (it waits in the queue until one takes it); while it waits or an operator holds it the
// bot stays silent, until the operator closes it or the client sends one of the switch's
// closeChatPhrases. openapi/DECISIONS.md says what of this is documented and what is inferred.
import type { Reply } from '../types.js';

export type Handler = 'bot' | 'waiting' | 'operator';

export interface TakeoverState {
  handler: Handler;
  /** The phrases that end the operator's conversation (from the switch reply; compared trimmed, case-insensitively). */
  closeChatPhrases: string[];
  /** The switch reply's `firstMessage`: what the operator is told first. */
  firstMessage?: string;
  /** When the conversation left the bot (epoch ms). */
  since?: number;
}

interface Held {
  handler: 'waiting' | 'operator';
  closeChatPhrases: string[];
  firstMessage?: string;
  since: number;
}

const normalize = (text: string) => text.trim().toLowerCase();

export class Takeovers {
  private readonly held = new Map<string, Held>();

  private key(token: string, clientId: string): string {
    return `${token}\u0000${clientId}`;
  }

  state(token: string, clientId: string): TakeoverState {
    const held = this.held.get(this.key(token, clientId));
    if (!held) return { handler: 'bot', closeChatPhrases: [] };
    const state: TakeoverState = { handler: held.handler, closeChatPhrases: [...held.closeChatPhrases], since: held.since };
    if (held.firstMessage !== undefined) state.firstMessage = held.firstMessage;
    return state;
  }

  /** True while the bot must not answer the client. */
  silenced(token: string, clientId: string): boolean {
    return this.held.has(this.key(token, clientId));
  }

  /** After a bot turn: a `switch` reply puts the conversation in the operators' queue. */
  afterBotReplies(token: string, clientId: string, replies: readonly Reply[], now: number): void {
    const switchReply = replies.find((reply) => reply.type === 'switch');
    if (!switchReply) return;
    const held: Held = { handler: 'waiting', closeChatPhrases: switchReply.closeChatPhrases ?? [], since: now };
    if (switchReply.firstMessage !== undefined) held.firstMessage = switchReply.firstMessage;
    this.held.set(this.key(token, clientId), held);
  }

  /**
   * A client's message while an operator has the conversation: a close phrase gives it back to the
   * bot (which answers that message); anything else goes to the operator only.
   * Returns whether the bot must stay silent for this message.
   */
  onClientMessage(token: string, clientId: string, query: string | undefined): boolean {
    const key = this.key(token, clientId);
    const held = this.held.get(key);
    if (!held) return false;
    if (query !== undefined && held.closeChatPhrases.some((phrase) => normalize(phrase) === normalize(query))) {
      this.held.delete(key);
      return false;
    }
    return true;
  }

  /** An operator takes the conversation (from the queue, or from the bot directly). */
  takeOver(token: string, clientId: string, now: number): TakeoverState {
    const key = this.key(token, clientId);
    const held = this.held.get(key);
    if (held) held.handler = 'operator';
    else this.held.set(key, { handler: 'operator', closeChatPhrases: [], since: now });
    return this.state(token, clientId);
  }

  /** The operator closes the conversation: the bot answers again. */
  close(token: string, clientId: string): TakeoverState {
    this.held.delete(this.key(token, clientId));
    return this.state(token, clientId);
  }

  reset(): void {
    this.held.clear();
  }
}
