// A real server stub on an ephemeral loopback port, behind a proxy (corrupting or just recording),
// with short long polls and webhook retries so that a whole contract run takes seconds.
import { startStub } from '../../server-stub/index.js';
import { freePort } from '../../mock/prism.js';
import { startProxy, type Corruption, type RunningProxy } from './broken-servers/proxy.js';

export interface Target {
  proxy: RunningProxy;
  /** The suite's receiver port (--webhook-port), when the target posts webhooks. */
  webhookPort?: number;
  /** The CLI arguments that point at the proxy (and the webhook receiver port, when asked). */
  args: string[];
  close(): Promise<void>;
}

/**
 * `webhookRelay`: where the corrupting proxy relays the stub's deliveries, when not straight to the
 * suite's receiver (another proxy in between, which forwards them there).
 */
export async function stubBehindProxy(options: { corruption?: Corruption; webhook?: boolean; tokens?: string[]; webhookRelay?: (receiverPort: number) => string } = {}): Promise<Target> {
  const webhookPort = options.webhook ? await freePort() : undefined;
  const relayTo = webhookPort === undefined ? undefined : (options.webhookRelay?.(webhookPort) ?? `http://127.0.0.1:${webhookPort}/`);
  const proxy = await startProxy(options.corruption, relayTo);
  const stub = await startStub({
    port: 0,
    longPollMs: 1000,
    ...(options.tokens ? { tokens: options.tokens } : {}),
    ...(webhookPort ? { webhookUrl: proxy.webhookUrl } : {}),
    webhookRetry: { attempts: 3, baseDelayMs: 50, timeoutMs: 2000 },
  });
  proxy.upstream = stub.url;
  return {
    proxy,
    ...(webhookPort !== undefined ? { webhookPort } : {}),
    args: ['--base-url', proxy.url, '--token', 'chatapi-dev-token', '--rate', '1000', ...(webhookPort ? ['--webhook-port', String(webhookPort)] : [])],
    close: async () => {
      await proxy.close();
      await stub.close();
    },
  };
}
