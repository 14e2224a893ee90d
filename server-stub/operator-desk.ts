// The operator console's long poll: GET /_stub/channels/{token}/clients?after=N waits until the
// channel's desk version (kept by the store, grown by every change of a conversation) passes N, so
// that the console is live without polling in a loop. The clients themselves are in the store.
import { LongPolls } from './long-polls.js';
import type { ChatStore } from './store/types.js';

export class OperatorDesk {
  private readonly polls = new LongPolls();

  constructor(private readonly store: ChatStore) {}

  /** The channel's desk changed (here or, with a shared store, in another process). */
  changed(token: string): void {
    this.polls.changed(token);
  }

  /** Resolves once the channel's version is past `after`, or after `timeoutMs` (or at a release). */
  wait(token: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (timeoutMs === 0) return Promise.resolve();
    const passed = async () => ((await this.store.deskVersion(token)) > after ? true : undefined);
    return this.polls.wait(token, timeoutMs, passed, () => true, signal).then(() => undefined);
  }

  /** Answers every waiting console (reset, shutdown). */
  releaseAll(): void {
    this.polls.releaseAll();
  }
}
