// Per-channel settings the real service keeps in the channel's configuration: the webhook URL and
// "Block text input when using buttons" (which drives `blockForm`).
export interface ChannelSettings {
  webhookUrl: string | null;
  blockTextInputWithButtons: boolean;
}

export class Channels {
  private readonly settings = new Map<string, ChannelSettings>();

  constructor(
    private readonly tokens: readonly string[],
    private readonly defaults: { webhookUrl?: string; blockTextInputWithButtons: boolean },
  ) {
    this.reset();
  }

  get(token: string): ChannelSettings | undefined {
    return this.settings.get(token);
  }

  update(token: string, patch: Partial<ChannelSettings>): ChannelSettings | undefined {
    const current = this.settings.get(token);
    if (!current) return undefined;
    if (patch.webhookUrl !== undefined) current.webhookUrl = patch.webhookUrl;
    if (patch.blockTextInputWithButtons !== undefined) current.blockTextInputWithButtons = patch.blockTextInputWithButtons;
    return current;
  }

  /** Back to the configuration the stub started with. */
  reset(): void {
    this.settings.clear();
    for (const token of this.tokens) {
      this.settings.set(token, { webhookUrl: this.defaults.webhookUrl ?? null, blockTextInputWithButtons: this.defaults.blockTextInputWithButtons });
    }
  }
}
