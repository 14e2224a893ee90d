// A real server stub on an ephemeral loopback port, behind a proxy (corrupting or just recording),
// with short long polls and webhook retries so that a whole contract run takes seconds.
import { startStub } from '../../server-stub/index.js';
import { freePort } from '../../mock/prism.js';
import { startProxy, type Corruption, type RunningProxy } from './broken-servers/proxy.js';

export interface Target {
  proxy: RunningProxy;
  /** The CLI arguments that point at the proxy (and the webhook receiver port, when asked). */
  args: string[];
  close(): Promise<void>;
}

export async function stubBehindProxy(options: { corruption?: Corruption; webhook?: boolean; tokens?: string[] } = {}): Promise<Target> {
  const webhookPort = options.webhook ? await freePort() : undefined;
  const proxy = await startProxy(options.corruption, webhookPort ? `http://127.0.0.1:${webhookPort}/` : undefined);
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
    args: ['--base-url', proxy.url, '--token', 'chatapi-dev-token', '--rate', '1000', ...(webhookPort ? ['--webhook-port', String(webhookPort)] : [])],
    close: async () => {
      await proxy.close();
      await stub.close();
    },
  };
}
