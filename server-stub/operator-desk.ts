// What the operator console needs beyond the store: the channel's clients in the order they first
// wrote, and a change counter per channel that a long poll can wait on (GET
// /_stub/channels/{token}/clients?after=N), so that the console is live without polling in a loop.
import { LongPolls } from './long-polls.js';

export class OperatorDesk {
  /** Per channel: clientIds, in first-seen order (a Set keeps insertion order). */
  private readonly clients = new Map<string, Set<string>>();
  private readonly versions = new Map<string, number>();
  private readonly polls = new LongPolls();

  /** Something changed in a client's conversation (a message, a status, a takeover). */
  touch(token: string, clientId: string): void {
    let clients = this.clients.get(token);
    if (!clients) this.clients.set(token, (clients = new Set()));
    clients.add(clientId);
    this.versions.set(token, this.version(token) + 1);
    this.polls.changed(token);
  }

  clientIds(token: string): string[] {
    return [...(this.clients.get(token) ?? [])];
  }

  version(token: string): number {
    return this.versions.get(token) ?? 0;
  }

  /** Calls `answer` once the channel's version is past `after`, or after `timeoutMs`. Returns a cancel function. */
  wait(token: string, after: number, timeoutMs: number, answer: () => void): () => void {
    if (this.version(token) > after || timeoutMs === 0) {
      answer();
      return () => undefined;
    }
    return this.polls.hold(token, timeoutMs, () => (this.version(token) > after ? answer : undefined), answer);
  }

  /** Answers every waiting console (reset, shutdown) and, with `forget`, forgets every client. */
  releaseAll(forget = false): void {
    if (forget) {
      this.clients.clear();
      // Versions only grow, so that a console's `after` from before a reset is still in the past.
      for (const token of this.versions.keys()) this.versions.set(token, this.version(token) + 1);
    }
    this.polls.releaseAll();
  }
}
