// `chatapi-contract/stub`: the server stub for a consumer's own tests. `startStub()` listens on a
// free loopback port and gives the base URL, a token and helpers that drive the stub through its
// control API (over HTTP, so that they go through the same validated routes as curl would).
import type { components } from '../generated/control-api.js';
import { startStub as startServer, type StubOptions } from './index.js';
import type { ChatResponse, Reply } from './types.js';

export { DEFAULT_TOKEN, DEMO_BOT_SCRIPT, BotScriptError, type WebhookRetryConfig } from './index.js';
export type { ChatResponse, Reply } from './types.js';

export interface StartStubOptions extends Omit<StubOptions, 'tokens'> {
  /** The channel token (default `chatapi-dev-token`); `tokens` for several channels. */
  token?: string;
  tokens?: string[];
}

type ControlSchemas = components['schemas'];

/** A webhook delivery as the control API lists it (`GET /_stub/deliveries`), typed from control-api.yaml. */
export type Delivery = ControlSchemas['Delivery'];
/** One attempt of a delivery. */
export type DeliveryAttempt = ControlSchemas['DeliveryAttempt'];

/** A channel's settings as the control API gives them. */
export type ChannelSettingsView = ControlSchemas['ChannelSettings'];

export interface TokenOption {
  /** Which channel (default: the stub's first token). */
  token?: string;
}

export interface ChatApiStub {
  /** `http://127.0.0.1:<port>`: the base URL for the client (`createChatApiClient({ baseUrl: url, token })`). */
  url: string;
  port: number;
  /** The first channel token. */
  token: string;
  tokens: string[];
  /** A live operator writes to a client: a text, or replies. Resolves to the envelope events and the webhook carry. */
  operatorReply(clientId: string, message: string | Reply[], options?: TokenOption): Promise<ChatResponse>;
  /** Sets (or with `null` clears) the channel's webhook URL. */
  setWebhookUrl(url: string | null, options?: TokenOption): Promise<ChannelSettingsView>;
  settings(options?: TokenOption): Promise<ChannelSettingsView>;
  /** Webhook deliveries, oldest first, optionally only a channel's or a question's. */
  deliveries(filter?: { token?: string; questionId?: string }): Promise<Delivery[]>;
  /** Forgets every history, event, state, status, timeout and delivery; channel settings go back to the options'. */
  reset(): Promise<void>;
  /** Stops the stub: held long polls get `[]`, timers and deliveries are cancelled. */
  close(): Promise<void>;
}

/** The control API answered with an error (its body follows the description's `Error`). */
export class StubControlError extends Error {
  override name = 'StubControlError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const message = (body as { message?: unknown } | undefined)?.message;
    super(`the stub's control API answered ${status}${typeof message === 'string' ? `: ${message}` : ''}`);
  }
}

export async function startStub(options: StartStubOptions = {}): Promise<ChatApiStub> {
  const { token, tokens, ...rest } = options;
  const running = await startServer({ ...rest, tokens: tokens ?? (token !== undefined ? [token] : undefined) });
  const first = running.tokens[0]!;
  const channel = (given: TokenOption | undefined) => encodeURIComponent(given?.token ?? first);

  async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${running.url}/_stub${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) throw new StubControlError(response.status, parsed);
    return parsed as T;
  }

  return {
    url: running.url,
    port: running.port,
    token: first,
    tokens: running.tokens,
    operatorReply: (clientId, message, given) =>
      control<ChatResponse>(
        'POST',
        `/channels/${channel(given)}/clients/${encodeURIComponent(clientId)}/operator-replies`,
        typeof message === 'string' ? { text: message } : { replies: message },
      ),
    setWebhookUrl: (url, given) => control<ChannelSettingsView>('PUT', `/channels/${channel(given)}/settings`, { webhookUrl: url }),
    settings: (given) => control<ChannelSettingsView>('GET', `/channels/${channel(given)}/settings`),
    deliveries: async (filter = {}) => {
      const query = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
      const search = query.size > 0 ? `?${query}` : '';
      return (await control<{ deliveries: Delivery[] }>('GET', `/deliveries${search}`)).deliveries;
    },
    reset: async () => {
      await control<undefined>('POST', '/reset');
    },
    close: () => running.close(),
  };
}
