// The options of a contract run, checked once for every front end: the command passes the text of
// its flags, `contractTests()` passes values; both get the same defaults and the same message for a
// bad option, naming it as the user wrote it (`--rate` or `ratePerSecond`).
import { randomInt } from 'node:crypto';
import { PHASES, type Phase } from './phases.js';

export class OptionsError extends Error {}

/** What a front end hands over: values (or, from the command line, their text). */
export interface ContractRunInput {
  /** The deployment under test, e.g. `http://127.0.0.1:3000` or `https://bot.jaicp.com`. */
  baseUrl?: unknown;
  /** Its credential (the Chat API: the channel token). */
  token?: unknown;
  /** Listen for webhooks on this port of 127.0.0.1 (0: any free port) and run the webhook checks. */
  webhookPort?: unknown;
  /** The address the target posts webhooks to, when it is not the receiver's own (a tunnel, a proxy). */
  webhookUrl?: unknown;
  readOnly?: unknown;
  stateless?: unknown;
  ratePerSecond?: unknown;
  timeoutMs?: unknown;
  concurrency?: unknown;
  phases?: unknown;
  checks?: unknown;
  excludeChecks?: unknown;
  seed?: unknown;
  maxExamples?: unknown;
  maxResponseTimeMs?: unknown;
}

export interface RunOptions {
  baseUrl: string;
  token: string;
  webhookPort?: number;
  webhookUrl?: string;
  readOnly: boolean;
  stateless: boolean;
  ratePerSecond: number;
  timeoutMs: number;
  concurrency: number;
  phases: Phase[];
  checks?: string[];
  excludeChecks?: string[];
  seed: number;
  maxExamples: number;
  maxResponseTimeMs?: number;
}

export const DEFAULT_RATE = 20;
/** Longer than a long poll is held (the stub: 25 s), or every events check would time out. */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_EXAMPLES = 25;
/** How many checks run at once (each on its own ids); the rate bounds the requests anyway. */
export const DEFAULT_CONCURRENCY = 4;

/** How an option is named where it was given. */
const FLAGS: Record<keyof ContractRunInput, string> = {
  baseUrl: '--base-url',
  token: '--token',
  webhookPort: '--webhook-port',
  webhookUrl: '--webhook-url',
  readOnly: '--read-only',
  stateless: '--stateless',
  ratePerSecond: '--rate',
  timeoutMs: '--timeout',
  concurrency: 'concurrency',
  phases: '--phases',
  checks: '--checks',
  excludeChecks: '--exclude-checks',
  seed: '--seed',
  maxExamples: '--max-examples',
  maxResponseTimeMs: '--max-response-time',
};

export type Naming = 'flags' | 'fields';

export function optionName(field: keyof ContractRunInput, naming: Naming): string {
  return naming === 'flags' ? FLAGS[field] : field;
}

/** A base URL as the commands take it (http or https, no query, fragment or credentials), without its trailing slash; or what is wrong with it. */
export function httpUrl(raw: string): string | { problem: string } {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { problem: `is not a URL: ${JSON.stringify(raw)}` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { problem: `must be an http(s) URL, not ${parsed.protocol}` };
  if (parsed.search || parsed.hash) return { problem: 'must not have a query or a fragment' };
  // They would end up in the output.
  if (parsed.username || parsed.password) return { problem: 'must not contain credentials' };
  return parsed.toString().replace(/\/+$/, '');
}

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/**
 * The options with their defaults, or an OptionsError naming the first bad one. `checkNames`: every
 * name `checks` and `excludeChecks` may hold. `env`: where a missing token is looked up.
 */
export function validateOptions(input: ContractRunInput, checkNames: readonly string[], naming: Naming, env: NodeJS.ProcessEnv = process.env): RunOptions {
  const name = (field: keyof ContractRunInput) => optionName(field, naming);
  const fail = (message: string): never => {
    throw new OptionsError(message);
  };

  const number = (field: keyof ContractRunInput, fallback: number | undefined, kind: 'positive' | 'positive integer' | 'port' | 'seed'): number | undefined => {
    const raw = input[field];
    if (raw === undefined) return fallback;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (kind === 'port') {
      if (!Number.isInteger(value) || value < 0 || value > 65535) fail(`${name(field)} must be a port (0–65535), not ${show(raw)}`);
      return value;
    }
    if (kind === 'seed') {
      if (!Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) fail(`${name(field)} must be an integer of at most 31 bits, not ${show(raw)}`);
      return value;
    }
    const integer = kind === 'positive integer';
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) fail(`${name(field)} must be a positive ${integer ? 'integer' : 'number'}, not ${show(raw)}`);
    return value;
  };
  const flag = (field: 'readOnly' | 'stateless'): boolean => {
    const raw = input[field];
    if (raw === undefined) return false;
    if (typeof raw !== 'boolean') fail(`${name(field)} must be true or false, not ${show(raw)}`);
    return raw as boolean;
  };
  const list = (field: 'phases' | 'checks' | 'excludeChecks', known: readonly string[]): string[] | undefined => {
    const raw = input[field];
    if (raw === undefined) return undefined;
    const items = typeof raw === 'string' ? raw.split(',').map((item) => item.trim()).filter(Boolean) : Array.isArray(raw) ? raw.map(String) : fail(`${name(field)} must be a list of names`);
    if (!items || items.length === 0) fail(`${name(field)} needs at least one of: ${known.join(', ')}`);
    const unknown = items!.filter((item) => !known.includes(item));
    if (unknown.length > 0) fail(`${name(field)}: unknown ${unknown.map((u) => JSON.stringify(u)).join(', ')} (known: ${known.join(', ')})`);
    return items!;
  };
  const url = (field: 'baseUrl' | 'webhookUrl'): string | undefined => {
    const raw = input[field];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || raw === '') return fail(`${name(field)} must be a URL, not ${show(raw)}`);
    const checked = httpUrl(raw);
    return typeof checked === 'string' ? checked : fail(`${name(field)} ${checked.problem}`);
  };

  const baseUrl = url('baseUrl') ?? fail(`${name('baseUrl')} is required`);
  const rawToken = input.token ?? env.CHATAPI_CONTRACT_TOKEN;
  if (rawToken === undefined || rawToken === '') {
    fail(naming === 'flags' ? '--token is required (or set CHATAPI_CONTRACT_TOKEN)' : 'token is required: it is undefined (is the variable it is read from, e.g. CHATAPI_TOKEN, set?); CHATAPI_CONTRACT_TOKEN is read when no token is given');
  }
  if (typeof rawToken !== 'string') fail(`${name('token')} must be a string, not ${show(rawToken)}`);
  const token = rawToken as string;
  if (token.includes('/')) fail(`${name('token')} cannot contain "/": it is a path segment`);

  const options: RunOptions = {
    baseUrl,
    token,
    readOnly: flag('readOnly'),
    stateless: flag('stateless'),
    ratePerSecond: number('ratePerSecond', DEFAULT_RATE, 'positive')!,
    timeoutMs: number('timeoutMs', DEFAULT_TIMEOUT_MS, 'positive integer')!,
    concurrency: number('concurrency', DEFAULT_CONCURRENCY, 'positive integer')!,
    // The run's order, whatever order they were given in.
    phases: ((phases) => (phases ? PHASES.filter((p) => phases.includes(p)) : [...PHASES]))(list('phases', PHASES)),
    seed: number('seed', randomInt(1, 2 ** 31 - 1), 'seed')!,
    maxExamples: number('maxExamples', DEFAULT_MAX_EXAMPLES, 'positive integer')!,
  };
  const checks = list('checks', checkNames);
  if (checks) options.checks = checks;
  const excluded = list('excludeChecks', checkNames);
  if (excluded) options.excludeChecks = excluded;
  const limit = number('maxResponseTimeMs', undefined, 'positive integer');
  if (limit !== undefined) options.maxResponseTimeMs = limit;
  const port = number('webhookPort', undefined, 'port');
  if (port !== undefined) options.webhookPort = port;
  const webhookUrl = url('webhookUrl');
  if (webhookUrl !== undefined) {
    if (options.webhookPort === undefined) fail(`${name('webhookUrl')} needs ${name('webhookPort')}: the receiver listens on that port`);
    options.webhookUrl = webhookUrl;
  }
  return options;
}
