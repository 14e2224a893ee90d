// The stub's configuration: defaults, validation, and reading it from the environment.
import { isAbsolute, join, resolve } from 'node:path';
import { packageRoot } from '../description/bundle.js';

export interface WebhookRetryConfig {
  /** Attempts per delivery, the first included (at least 1). */
  attempts: number;
  /** Delay before the second attempt; each later one doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  /** The ceiling of the back-off, so that a long outage is retried steadily rather than hours apart. */
  maxDelayMs: number;
  /** Time allowed for one attempt (connect, send, answer). */
  timeoutMs: number;
}

export interface StubConfig {
  tokens: string[];
  webhookUrl?: string;
  blockTextInputWithButtons: boolean;
  longPollMs: number;
  validateResponses: boolean;
  botScriptPath: string;
  webhookRetry: WebhookRetryConfig;
  /** Clients kept per channel; the least recently active are evicted with all they have. */
  maxClients: number;
  /** Where chats are kept: in memory (the default), in a SQLite file that survives restarts, or in Redis (shared by several stubs). */
  storage: StoreConfig;
}

export type StoreConfig = { kind: 'memory' } | { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string };

/** Any part of the configuration; the retry policy too may be given in part. */
export type StubConfigPatch = Partial<Omit<StubConfig, 'webhookRetry'>> & { webhookRetry?: Partial<WebhookRetryConfig> };

/** What `startStub` accepts: any part of the configuration, plus where to listen. */
export interface StubOptions extends StubConfigPatch {
  /** 0 = an ephemeral port. */
  port?: number;
  host?: string;
  /** One log line per request on stdout (`CHATAPI_LOG=requests`). */
  logRequests?: boolean;
}

export const DEFAULT_TOKEN = 'chatapi-dev-token';
export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
/** Resolved from the package root so that it is found from `server-stub/` and from `build/server-stub/`. */
export const DEMO_BOT_SCRIPT = join(packageRoot(), 'server-stub', 'bots', 'demo-bot.yaml');

export function defaultConfig(): StubConfig {
  return {
    tokens: [DEFAULT_TOKEN],
    blockTextInputWithButtons: false,
    longPollMs: 25_000,
    validateResponses: true,
    botScriptPath: DEMO_BOT_SCRIPT,
    // 200 ms doubling to a 10 s ceiling: 15 attempts span ~100 s of waits, so a receiver that is
    // down for a minute still gets every delivery, at most 10 s after it is back.
    webhookRetry: { attempts: 15, baseDelayMs: 200, maxDelayMs: 10_000, timeoutMs: 5_000 },
    maxClients: 10_000,
    storage: { kind: 'memory' },
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The same rule as the description's `token` path parameter, so that every configured token is reachable. */
const TOKEN_PATTERN = /^[^/]{1,256}$/;

/** Fills in defaults and rejects values the stub cannot run with, naming the setting. */
export function resolveConfig(partial: StubConfigPatch = {}): StubConfig {
  const defaults = defaultConfig();
  const config: StubConfig = {
    ...defaults,
    ...stripUndefined(partial),
    webhookRetry: { ...defaults.webhookRetry, ...stripUndefined(partial.webhookRetry ?? {}) },
  };
  if (config.tokens.length === 0) throw new ConfigError('tokens: at least one channel token is needed');
  for (const token of config.tokens) {
    if (!TOKEN_PATTERN.test(token)) throw new ConfigError(`tokens: a token must be 1-256 characters without "/"`);
  }
  config.tokens = [...new Set(config.tokens)];
  if (config.webhookUrl !== undefined) checkWebhookUrl(config.webhookUrl, 'webhookUrl');
  checkInteger(config.longPollMs, 'longPollMs', 0, 3_600_000);
  checkInteger(config.webhookRetry.attempts, 'webhookRetry.attempts', 1, 100);
  checkInteger(config.webhookRetry.baseDelayMs, 'webhookRetry.baseDelayMs', 0, 3_600_000);
  checkInteger(config.webhookRetry.maxDelayMs, 'webhookRetry.maxDelayMs', 0, 3_600_000);
  checkInteger(config.webhookRetry.timeoutMs, 'webhookRetry.timeoutMs', 1, 3_600_000);
  checkInteger(config.maxClients, 'maxClients', 1, 10_000_000);
  if (config.storage.kind === 'sqlite' && config.storage.path.trim() === '') throw new ConfigError('storage: the SQLite store needs a file path (sqlite:PATH)');
  if (config.storage.kind === 'redis') checkRedisUrl(config.storage.url, 'storage');
  return config;
}

/** Throws unless `url` is an absolute http(s) URL. Exported for the control API. */
export function checkWebhookUrl(url: string, setting: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${setting}: "${url}" is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${setting}: only http and https URLs can receive webhooks`);
  }
}

function checkInteger(value: number, setting: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${setting}: expected an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function envBoolean(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name}: expected true or false, got "${env[name]}"`);
}

function envInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name}: expected a non-negative integer, got "${raw}"`);
  return Number(raw);
}

/** `CHATAPI_STORE`: `memory`, `sqlite:PATH` (relative to the working directory) or `redis://HOST:PORT/DB`. */
function envStore(env: NodeJS.ProcessEnv): StoreConfig | undefined {
  const raw = env.CHATAPI_STORE?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'memory') return { kind: 'memory' };
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).trim();
    if (path === '') throw new ConfigError('CHATAPI_STORE: "sqlite:" needs a file path, e.g. sqlite:./stub.db');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(path) };
  }
  if (/^rediss?:\/\//.test(raw)) return { kind: 'redis', url: checkRedisUrl(raw, 'CHATAPI_STORE') };
  throw new ConfigError(`CHATAPI_STORE: expected "memory", "sqlite:PATH" or "redis://HOST:PORT/DB", got "${raw}"`);
}

/** A Redis URL node-redis can use: redis[s]://[[user]:password@]host[:port][/db]. */
export function checkRedisUrl(url: string, setting: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${setting}: "${url}" is not a URL (expected redis://HOST:PORT/DB)`);
  }
  if (parsed.hostname === '') throw new ConfigError(`${setting}: the Redis URL needs a host (redis://HOST:PORT/DB)`);
  if (!/^\/?\d*$/.test(parsed.pathname)) throw new ConfigError(`${setting}: the Redis database must be a number (redis://HOST:PORT/DB), got "${parsed.pathname.slice(1)}"`);
  return url;
}

/** Workers (`CHATAPI_WORKERS`, `--workers`) need a store they can share: one line that says so for the others. */
export function checkWorkers(workers: number, storage: StoreConfig): void {
  if (workers <= 1 || storage.kind === 'redis') return;
  throw new ConfigError(
    storage.kind === 'sqlite'
      ? `CHATAPI_WORKERS: ${workers} workers need CHATAPI_STORE=redis://HOST:PORT/DB; a SQLite file is one process's (it cannot wake another process's long polls)`
      : `CHATAPI_WORKERS: ${workers} workers need CHATAPI_STORE=redis://HOST:PORT/DB; the memory store is one process's`,
  );
}

/** Reads the configuration from environment variables (documented in server-stub/README.md). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): StubConfig & { port: number; host: string; logRequests: boolean; workers: number } {
  const tokens = env.CHATAPI_TOKENS?.split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
  const botScript = env.CHATAPI_BOT_SCRIPT?.trim();
  const config = resolveConfig({
    tokens: tokens && tokens.length > 0 ? tokens : undefined,
    webhookUrl: env.CHATAPI_WEBHOOK_URL?.trim() || undefined,
    blockTextInputWithButtons: envBoolean(env, 'CHATAPI_BLOCK_TEXT_INPUT'),
    longPollMs: envInteger(env, 'CHATAPI_LONG_POLL_MS'),
    validateResponses: envBoolean(env, 'CHATAPI_VALIDATE_RESPONSES'),
    botScriptPath: botScript ? (isAbsolute(botScript) ? botScript : resolve(botScript)) : undefined,
    webhookRetry: {
      attempts: envInteger(env, 'CHATAPI_WEBHOOK_ATTEMPTS'),
      baseDelayMs: envInteger(env, 'CHATAPI_WEBHOOK_BASE_DELAY_MS'),
      maxDelayMs: envInteger(env, 'CHATAPI_WEBHOOK_MAX_DELAY_MS'),
      timeoutMs: envInteger(env, 'CHATAPI_WEBHOOK_TIMEOUT_MS'),
    },
    maxClients: envInteger(env, 'CHATAPI_MAX_CLIENTS'),
    storage: envStore(env),
  });
  const port = envInteger(env, 'PORT') ?? DEFAULT_PORT;
  if (port > 65_535) throw new ConfigError(`PORT: expected 0-65535, got ${port}`);
  const log = env.CHATAPI_LOG?.trim().toLowerCase() ?? '';
  if (log !== '' && log !== 'requests' && log !== 'none') throw new ConfigError(`CHATAPI_LOG: expected "requests" or "none", got "${log}"`);
  const workers = envInteger(env, 'CHATAPI_WORKERS') ?? 1;
  checkInteger(workers, 'CHATAPI_WORKERS', 1, 64);
  checkWorkers(workers, config.storage);
  return { ...config, port, host: env.HOST?.trim() || DEFAULT_HOST, logRequests: log === 'requests', workers };
}
