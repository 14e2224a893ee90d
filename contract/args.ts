// The command line, parsed with node:util's parseArgs (strict: an unknown option is an error) and
// checked before anything is sent. Bad arguments are a UsageError: exit 2.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CHECK_NAMES } from './conformance.js';
import { PHASES, type Phase } from './checks/types.js';

export class UsageError extends Error {}

export interface CliOptions {
  baseUrl: string;
  token: string;
  webhookPort?: number;
  webhookUrl?: string;
  readOnly: boolean;
  stateless: boolean;
  ratePerSecond: number;
  timeoutMs: number;
  junit?: string;
  json?: string;
  phases: Phase[];
  checks?: string[];
  excludeChecks?: string[];
  seed: number;
  maxExamples: number;
  maxResponseTimeMs?: number;
}

export const DEFAULT_MAX_EXAMPLES = 25;

export const DEFAULT_RATE = 20;
/** Longer than a long poll is held (the stub: 25 s), or every events check would time out. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export const USAGE = `Usage: chatapi-contract --base-url URL --token TOKEN [options]

Checks a Chat API deployment against the bundled description, operation by operation.

  --base-url URL      the deployment, e.g. https://bot.jaicp.com or http://127.0.0.1:3000
                      (paths /chatapi/{token}/... are appended)
  --token TOKEN       the channel token (or the environment variable CHATAPI_CONTRACT_TOKEN)
  --webhook-port N    start a webhook receiver on 127.0.0.1:N; the deployment must post to it
  --webhook-url URL   the address the deployment posts to, when it differs from
                      http://127.0.0.1:N/ (a tunnel, a proxy); needs --webhook-port
  --read-only         only calls with no lasting effect; the other checks are reported not run
  --stateless         the target keeps no state, e.g. a mock: behavioural checks are reported
                      as not applicable
  --rate N            at most N requests per second (default ${DEFAULT_RATE})
  --timeout MS        per request and per webhook wait (default ${DEFAULT_TIMEOUT_MS}); keep it above
                      the deployment's long-poll hold time
  --phases LIST       the phases to run, in this order, comma-separated (default: all):
                      ${PHASES.join(', ')}
  --checks LIST       only these checks (comma-separated), e.g. not_a_server_error,behaviour
  --exclude-checks L  every check but these
                      checks: ${CHECK_NAMES.join(', ')}
  --seed N            the fuzz phase's seed (printed at the start of every run): replays a run
  --max-examples N    generated requests per operation and kind in the fuzz phase (default ${DEFAULT_MAX_EXAMPLES})
  --max-response-time MS
                      turns on max_response_time: any answer slower than MS is a violation
  --junit FILE        write a JUnit XML report
  --json FILE         write a JSON report
  -h, --help          show this help

Exit codes: 0 every check passed; 1 a check failed (the target breaks the contract);
2 the run could not be made or did not complete (bad arguments, unreachable target, interrupted).`;

function positiveNumber(name: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, not ${JSON.stringify(raw)}`);
  }
  return value;
}

function httpUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--${name} is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${name} must be an http(s) URL, not ${url.protocol}`);
  if (url.search || url.hash) throw new UsageError(`--${name} must not have a query or a fragment`);
  // fetch refuses URLs with credentials, and they would end up in the output.
  if (url.username || url.password) throw new UsageError(`--${name} must not contain credentials`);
  return url.toString().replace(/\/+$/, '');
}

/** Returns the options, `'help'` for --help, or throws UsageError. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'base-url': { type: 'string' },
        token: { type: 'string' },
        'webhook-port': { type: 'string' },
        'webhook-url': { type: 'string' },
        'read-only': { type: 'boolean', default: false },
        stateless: { type: 'boolean', default: false },
        rate: { type: 'string' },
        timeout: { type: 'string' },
        junit: { type: 'string' },
        json: { type: 'string' },
        phases: { type: 'string' },
        checks: { type: 'string' },
        'exclude-checks': { type: 'string' },
        seed: { type: 'string' },
        'max-examples': { type: 'string' },
        'max-response-time': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';

  if (!values['base-url']) throw new UsageError('--base-url is required');
  const token = values.token ?? env.CHATAPI_CONTRACT_TOKEN;
  if (!token) throw new UsageError('--token is required (or set CHATAPI_CONTRACT_TOKEN)');
  if (token.includes('/')) throw new UsageError('--token cannot contain "/": it is a path segment');

  const options: CliOptions = {
    baseUrl: httpUrl('base-url', values['base-url']),
    token,
    readOnly: values['read-only'],
    stateless: values.stateless,
    ratePerSecond: positiveNumber('rate', values.rate, DEFAULT_RATE, false),
    timeoutMs: positiveNumber('timeout', values.timeout, DEFAULT_TIMEOUT_MS, true),
    phases: values.phases === undefined ? [...PHASES] : list('phases', values.phases, PHASES) as Phase[],
    seed: values.seed === undefined ? randomInt(1, 2 ** 31 - 1) : seedOf(values.seed),
    maxExamples: positiveNumber('max-examples', values['max-examples'], DEFAULT_MAX_EXAMPLES, true),
  };
  if (values.checks !== undefined) options.checks = list('checks', values.checks, CHECK_NAMES);
  if (values['exclude-checks'] !== undefined) options.excludeChecks = list('exclude-checks', values['exclude-checks'], CHECK_NAMES);
  if (values['max-response-time'] !== undefined) options.maxResponseTimeMs = positiveNumber('max-response-time', values['max-response-time'], 0, true);
  if (values['webhook-port'] !== undefined) {
    const port = positiveNumber('webhook-port', values['webhook-port'], 0, true);
    if (port > 65535) throw new UsageError(`--webhook-port must be at most 65535, not ${port}`);
    options.webhookPort = port;
  }
  if (values['webhook-url'] !== undefined) {
    if (options.webhookPort === undefined) throw new UsageError('--webhook-url needs --webhook-port: the receiver listens on that port');
    options.webhookUrl = httpUrl('webhook-url', values['webhook-url']);
  }
  if (values.junit !== undefined) {
    if (!values.junit) throw new UsageError('--junit needs a file name');
    options.junit = values.junit;
  }
  if (values.json !== undefined) {
    if (!values.json) throw new UsageError('--json needs a file name');
    options.json = values.json;
  }
  return options;
}

/** A comma-separated list of known names, in the order given. */
function list(name: string, raw: string, known: readonly string[]): string[] {
  const items = raw.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${name} needs at least one of: ${known.join(', ')}`);
  const unknown = items.filter((item) => !known.includes(item));
  if (unknown.length > 0) throw new UsageError(`--${name}: unknown ${unknown.map((u) => JSON.stringify(u)).join(', ')} (known: ${known.join(', ')})`);
  // --phases keeps the run's order, whatever order they were given in.
  return name === 'phases' ? known.filter((k) => items.includes(k)) : items;
}

function seedOf(raw: string): number {
  const seed = Number(raw);
  if (!Number.isInteger(seed) || Math.abs(seed) > 2 ** 31 - 1) throw new UsageError(`--seed must be an integer of at most 31 bits, not ${JSON.stringify(raw)}`);
  return seed;
}
