// Reply timeouts: one pending timer per channel and client. A client message cancels it; when it
// fires, the bot goes to the timeout's target state.
export class TimeoutScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The pending callbacks, so that one can be run early (the operator console's "trigger timeout"). */
  private readonly callbacks = new Map<string, () => void>();

  private key(token: string, clientId: string): string {
    return `${token}\u0000${clientId}`;
  }

  /** Replaces any pending timeout of the client. */
  schedule(token: string, clientId: string, delayMs: number, fire: () => void): void {
    const key = this.key(token, clientId);
    this.cancel(token, clientId);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.callbacks.delete(key);
      fire();
    }, delayMs);
    this.timers.set(key, timer);
    this.callbacks.set(key, fire);
  }

  /** Runs the client's pending timeout now; false when none is pending. */
  fireNow(token: string, clientId: string): boolean {
    const fire = this.callbacks.get(this.key(token, clientId));
    if (!fire) return false;
    this.cancel(token, clientId);
    fire();
    return true;
  }

  cancel(token: string, clientId: string): void {
    const key = this.key(token, clientId);
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    this.callbacks.delete(key);
  }

  get pending(): number {
    return this.timers.size;
  }

  reset(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.callbacks.clear();
  }
}
