// Per-channel settings the real service keeps in the channel's configuration: the webhook URL and
// "Block text input when using buttons" (which drives `blockForm`). The configured channels and
// their starting settings come from the configuration; changes made through the control API are
// kept by the store (shared by every process on a shared store) and forgotten by a reset.
import type { ChannelSettings, ChatStore } from './store/types.js';

export type { ChannelSettings } from './store/types.js';

export class Channels {
  private readonly defaults: ChannelSettings;

  constructor(
    private readonly tokens: readonly string[],
    defaults: { webhookUrl?: string; blockTextInputWithButtons: boolean },
    private readonly store: ChatStore,
  ) {
    this.defaults = { webhookUrl: defaults.webhookUrl ?? null, blockTextInputWithButtons: defaults.blockTextInputWithButtons };
  }

  /** Whether the stub serves this channel. */
  has(token: string): boolean {
    return this.tokens.includes(token);
  }

  /** The channel's settings (undefined: no such channel). */
  async get(token: string): Promise<ChannelSettings | undefined> {
    if (!this.has(token)) return undefined;
    return { ...this.defaults, ...(await this.store.channelSettings(token)) };
  }

  async update(token: string, patch: Partial<ChannelSettings>): Promise<ChannelSettings | undefined> {
    if (!this.has(token)) return undefined;
    const changes: Partial<ChannelSettings> = {};
    if (patch.webhookUrl !== undefined) changes.webhookUrl = patch.webhookUrl;
    if (patch.blockTextInputWithButtons !== undefined) changes.blockTextInputWithButtons = patch.blockTextInputWithButtons;
    await this.store.updateChannelSettings(token, changes);
    return this.get(token);
  }
}
