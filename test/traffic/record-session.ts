// Records a normal session of a chat app against the stub through `chatapi-contract proxy` (both
// directions: the app's calls and the webhook deliveries), as a team would record its own traffic,
// and hands back the HAR the proxy wrote. Everything it starts is stopped before it returns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createChatApiClient } from '../../client/index.js';
import type { Har } from '../../contract/engine/reporters/har.js';
import { runProxy } from '../../traffic/proxy-command.js';
import { startStub } from '../../server-stub/public-api.js';

/** A token no output may show. */
export const SESSION_TOKEN = 'evidence-secret-7f3a9c2e51';
export const CLIENT_ID = 'evidence-user-1';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the session and returns the HAR file the proxy wrote (in `dir`) and the proxy's console. */
export async function recordSession(dir: string): Promise<{ file: string; har: Har; console: string[] }> {
  const stub = await startStub({ token: SESSION_TOKEN, longPollMs: 300 });
  const stop = new AbortController();
  const lines: string[] = [];
  const file = join(dir, 'session.har');
  let proxyDone: Promise<number> | undefined;
  try {
    const addresses = await new Promise<{ proxy: string; webhook?: string }>((resolve, reject) => {
      proxyDone = runProxy({ upstream: stub.url, host: '127.0.0.1', port: 0, webhookPort: 0, webhookWindowMs: 30_000, har: file, enforce: false }, { out: (l) => lines.push(l), err: (l) => lines.push(l) }, stop.signal, resolve);
      proxyDone.then((code) => reject(new Error(`the proxy ended before it was ready (exit ${code}): ${lines.join('\n')}`)), reject);
    });
    await stub.setWebhookUrl(addresses.webhook!);
    const api = createChatApiClient({ baseUrl: addresses.proxy, token: SESSION_TOKEN, longPollMs: 300 });
    const wrong = createChatApiClient({ baseUrl: addresses.proxy, token: 'not-a-channel', longPollMs: 300 });

    const start = await api.sendMessage({ clientId: CLIENT_ID, query: '/start' });
    if (!start.ok) throw new Error('the stub did not answer /start');
    await api.sendMessage({ clientId: CLIENT_ID, query: 'buttons' });
    await api.sendMessageSimple({ clientId: CLIENT_ID, query: 'hello' });
    const sent = await api.sendMessageAsync({ clientId: CLIENT_ID, query: 'weather in Paris' });
    if (!sent.ok) throw new Error('the stub did not take the async send');
    await until('the async reply at the webhook', async () => ((await stub.deliveries({ questionId: sent.data.questionId })).some((d) => d.state === 'delivered') ? true : undefined));
    await stub.operatorReply(CLIENT_ID, 'Hello, this is Anna from support.');
    await api.getEvents({ clientId: CLIENT_ID, all: true });
    const history = await api.getHistory({ clientId: CLIENT_ID });
    await api.saveState({ clientId: CLIENT_ID, state: { theme: 'dark', unread: 2 } });
    await api.loadState({ clientId: CLIENT_ID });
    const botMessage = history.ok ? history.data.messages.find((m) => m.author === 'BOT') : undefined;
    if (!botMessage) throw new Error('no bot message in the history');
    await api.setMessageStatus({ clientId: CLIENT_ID, questionId: botMessage.questionId, status: 'READ' });
    await api.getMessageStatus({ clientId: CLIENT_ID, questionId: botMessage.questionId });
    await api.getNotReadCount({ clientId: CLIENT_ID });
    await wrong.getNotReadCount({ clientId: CLIENT_ID });
    // The operator's reply reaches the webhook too: wait for it, so that the HAR holds both deliveries.
    await until('the operator reply at the webhook', async () => ((await stub.deliveries()).filter((d) => d.state === 'delivered').length >= 2 ? true : undefined));
  } finally {
    stop.abort();
    await proxyDone?.catch(() => undefined);
    await stub.close();
  }
  return { file, har: JSON.parse(readFileSync(file, 'utf8')) as Har, console: lines };
}
