// Reply timeouts: one pending timer per channel and client. A client message cancels it; when it
// fires, the bot goes to the timeout's target state.
export class TimeoutScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  private key(token: string, clientId: string): string {
    return `${token}\u0000${clientId}`;
  }

  /** Replaces any pending timeout of the client. */
  schedule(token: string, clientId: string, delayMs: number, fire: () => void): void {
    const key = this.key(token, clientId);
    this.cancel(token, clientId);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      fire();
    }, delayMs);
    this.timers.set(key, timer);
  }

  cancel(token: string, clientId: string): void {
    const key = this.key(token, clientId);
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
  }

  get pending(): number {
    return this.timers.size;
  }

  reset(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
