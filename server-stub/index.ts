// The server stub's public interface: configuration, start, stop.
import { readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../description/bundle.js';
import { Description } from '../description/index.js';
import { createApp, WARM_UP_HEADER, withDeclaredFields } from './app.js';
import { BotEngine } from './bot/engine.js';
import { loadBotScript } from './bot/script.js';
import { Channels } from './channels.js';
import { ChatService } from './chat.js';
import { DEFAULT_HOST, resolveConfig, type StubConfig, type StubOptions } from './config.js';
import type { Log } from './errors.js';
import { EventBus } from './events.js';
import { OperatorDesk } from './operator-desk.js';
import { chatApiSpecForValidator, controlApiForServing, controlApiSpecForValidator } from './openapi.js';
import { MemoryStore } from './store/memory.js';
import type { ChatStore } from './store/types.js';
import { TimeoutScheduler } from './timeouts.js';
import { TokenRegistry } from './tokens.js';
import { WebhookDeliverer, type PayloadCheck } from './webhooks.js';
import { answerParserErrors, transportLimits } from './transport-limits.js';

export { configFromEnv, DEFAULT_TOKEN, DEMO_BOT_SCRIPT, type StubConfig, type StubOptions, type WebhookRetryConfig } from './config.js';
export { BotScriptError } from './bot/script.js';
export { DescriptionError, MissingHandlerError } from './handlers/mount.js';
export type { ChatStore } from './store/types.js';

export interface RunningStub {
  /** `http://host:port`, without a trailing slash. */
  url: string;
  port: number;
  tokens: string[];
  config: StubConfig;
  /** The bot script in use (its name). */
  botName: string;
  /** The store in use (for tests and diagnostics). */
  store: ChatStore;
  /**
   * Stops accepting connections, answers held long polls with [], lets requests in flight finish
   * (those still running after 2 s are cut), cancels timers and attempts, then closes the store.
   */
  close(): Promise<void>;
}

export const CONTROL_API_YAML = join(packageRoot(), 'server-stub', 'control-api.yaml');

/** Extra hooks for embedding (tests, other storage); not needed by `npm start`. */
export interface StubInternals {
  /** A store to use instead of the one the configuration names (the stub closes it on close). */
  store?: ChatStore;
  /** Where checked bot scripts are cached (`false`: check every time). */
  botScriptCache?: string | false;
  logError?: Log;
  log?: Log;
  /**
   * Another bundled description (JSON) to mount and validate the Chat API by, instead of
   * dist/openapi.json; the pages still serve the bundle. One with an operation the stub has no
   * handler for stops it with a MissingHandlerError.
   */
  description?: string;
}

/**
 * Webhook payloads are checked with the WebhookPayload schema compiled to code by `npm run generate`
 * (the webhook receiver's own check). Loading it and Ajv's runtime costs a few milliseconds, so it
 * is imported on first use or in the background after start-up, never before the first response.
 */
function lazyPayloadCheck(): { check: PayloadCheck; warm: () => Promise<void> } {
  let loading: Promise<PayloadCheck> | undefined;
  const load = () => (loading ??= import('../client/webhook/payload-check.js').then(({ checkWebhookPayload }) => checkWebhookPayload));
  return {
    warm: async () => void (await load()),
    check: async (payload) => (await load())(payload),
  };
}

/** One request through the whole chain; the answer does not matter, only that validators got compiled. */
function probe(url: string, method: string, path: string, body?: unknown): Promise<void> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { [WARM_UP_HEADER]: '1' };
    if (payload) headers['content-type'] = 'application/json';
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end(payload);
  });
}

/**
 * Compiles the validators of the other operations, and the webhook payload validator, one at a
 * time shortly after start-up, so that their first real use is quick. Returns a cancel function.
 */
function warmInBackground(url: string, bogusToken: string, payloads: { warm: () => Promise<void> }): () => void {
  let cancelled = false;
  const steps: (() => Promise<void>)[] = [
    () => payloads.warm(),
    () => probe(url, 'GET', `/chatapi/${bogusToken}/events?clientId=warm-up`),
    () => probe(url, 'POST', `/chatapi/${bogusToken}/async`, { clientId: 'warm-up', query: 'warm-up' }),
    () => probe(url, 'GET', `/chatapi/${bogusToken}?clientId=warm-up&query=warm-up`),
    () => probe(url, 'GET', `/chatapi/${bogusToken}/client/warm-up/history`),
    () => probe(url, 'GET', `/chatapi/${bogusToken}/client/warm-up/message-not-read-count`),
    () => probe(url, 'GET', `/_stub/deliveries?token=${bogusToken}`),
  ];
  // Not at once: the first requests a developer or a benchmark sends should not queue behind it.
  const timer = setTimeout(() => {
    void (async () => {
      for (const step of steps) {
        if (cancelled) return;
        await step().catch(() => undefined);
      }
    })();
  }, 250);
  timer.unref();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}

/**
 * The store the configuration names. The SQLite one (and better-sqlite3 with it) is imported only
 * when chosen, so that the default start-up does not load a native module it does not use.
 */
async function openStore(config: StubConfig, logError: Log): Promise<ChatStore> {
  const limits = { maxClients: config.maxClients };
  switch (config.storage.kind) {
    case 'memory':
      return new MemoryStore(limits, { logError });
    case 'sqlite': {
      const { openSqliteStore } = await import('./store/sqlite.js');
      return openSqliteStore(config.storage.path, { limits, logError });
    }
    case 'redis': {
      const { openRedisStore } = await import('./store/redis.js');
      return openRedisStore(config.storage.url, { tokens: config.tokens, limits, logError });
    }
  }
}

/** How often a shared store's lanes are renewed and its overdue timeouts looked for (a process that held them may have died). */
const SHARED_STORE_PERIOD_MS = 1_000;

export async function startStub(options: StubOptions & StubInternals = {}): Promise<RunningStub> {
  const { port = 0, host = DEFAULT_HOST, logRequests = false, store: givenStore, botScriptCache, logError = (l) => console.error(l), log = (l) => console.log(l), description: descriptionPath, ...partial } = options;
  const config = resolveConfig(partial);
  const description = Description.load(descriptionPath);

  const [script, controlYaml] = await Promise.all([loadBotScript(config.botScriptPath, { cacheDir: botScriptCache }), readFile(CONTROL_API_YAML, 'utf8')]);
  const tokens = new TokenRegistry(config.tokens);
  const store = givenStore ?? (await openStore(config, logError));
  const shared = store.kind === 'redis';
  const channels = new Channels(config.tokens, config, store);
  const payloads = lazyPayloadCheck();
  const deliverer = new WebhookDeliverer({
    retry: config.webhookRetry,
    checkPayload: payloads.check,
    logError,
    store,
    renewEveryMs: shared ? SHARED_STORE_PERIOD_MS : 0,
  });
  const bus = new EventBus(store);
  const desk = new OperatorDesk(store);
  // The bot's {{stubUrl}} is the address the server listens on, known only after listen().
  let url = '';
  const bot = new BotEngine(script, () => url);
  const timeouts: TimeoutScheduler = new TimeoutScheduler(store, { fire: (timeout): Promise<void> => chat.timeoutReply(timeout), sweepMs: shared ? SHARED_STORE_PERIOD_MS : 0, logError });
  const chat = new ChatService({ store, bus, bot, channels, timeouts });
  store.listen({
    events: (token, clientId) => bus.changed(token, clientId),
    desk: (token) => desk.changed(token),
    deliveries: (claim) => deliverer.work(claim),
  });

  // A description the stub cannot serve (a $ref that does not resolve, an operation without a
  // handler) stops it here, before it listens.
  let server: Server;
  const limits = transportLimits(description.document);
  try {
    server = createServer(
      { maxHeaderSize: limits.headers },
      withDeclaredFields(
        createApp({
          chatApiSpec: await chatApiSpecForValidator(description.document),
          config,
          description,
          tokens,
          chat,
          control: {
            stats: async () => ({ longPolls: bus.waiting, pendingTimeouts: await store.pendingTimeoutCount() }),
            desk,
            channels,
            store,
            reset: async () => {
              deliverer.reset();
              await chat.reset();
              desk.releaseAll();
            },
            yaml: controlApiForServing(controlYaml),
            specForValidator: () => controlApiSpecForValidator(CONTROL_API_YAML),
          },
          logError,
          logRequest: logRequests ? log : undefined,
          limits,
        }),
      ),
    );
    answerParserErrors(server, limits);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  // Deliveries and reply timeouts left pending by the previous run over this store (a persistent
  // or shared one) are taken up.
  await Promise.all([deliverer.resume(), timeouts.resume()]);
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${urlHost}:${address.port}`;

  // Warm the hot path (POST /chatapi/{token}) before saying we are ready: an unknown token goes
  // through request validation and gets a validated 401, and changes nothing.
  const bogus = `warm-up-${Date.now().toString(36)}`;
  await probe(url, 'POST', `/chatapi/${bogus}`, { clientId: 'warm-up', query: 'warm-up' });

  const stopWarming = warmInBackground(url, bogus, payloads);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      stopWarming();
      // Answer long polls first so that their connections are idle when the server closes them.
      bus.releaseAll();
      desk.releaseAll();
      // Timers and attempts in flight are cut; their timeouts and deliveries stay pending in the store.
      timeouts.close();
      deliverer.close();
      // The store closes after the last request has finished with it (server.close calls back
      // once every connection has ended), so a request in flight is answered and kept.
      server.close(() => {
        store.close().then(resolve, (error: unknown) => {
          logError(`chatapi stub: closing the store failed: ${String(error)}`);
          resolve();
        });
      });
      setImmediate(() => server.closeIdleConnections());
      // Connections still busy after 2 s (a client that never reads) are cut: the whole stop stays
      // well within 5 s.
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
    }));

  return { url, port: address.port, tokens: config.tokens, config, botName: script.name, store, close };
}
