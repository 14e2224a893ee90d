// Command-line flags of `chatapi-stub`: each is a shorthand for one environment variable of
// `npm start` (documented in server-stub/README.md), so that both go through configFromEnv's checks.
import { parseArgs } from 'node:util';
import { ConfigError } from './config.js';

const FLAGS = {
  port: { env: 'PORT', help: 'port to listen on (0: any free port)' },
  host: { env: 'HOST', help: 'interface to listen on' },
  token: { env: 'CHATAPI_TOKENS', help: 'a channel token (repeat the flag for several)' },
  'webhook-url': { env: 'CHATAPI_WEBHOOK_URL', help: 'webhook URL of every channel' },
  'long-poll-ms': { env: 'CHATAPI_LONG_POLL_MS', help: 'how long /events holds a request with no event' },
  'bot-script': { env: 'CHATAPI_BOT_SCRIPT', help: 'the bot script (YAML or JSON)' },
  store: { env: 'CHATAPI_STORE', help: 'memory, sqlite:PATH or redis://HOST:PORT/DB' },
  workers: { env: 'CHATAPI_WORKERS', help: 'processes serving the port (more than 1: a Redis store)' },
} as const;

type Flag = keyof typeof FLAGS;

export const STUB_USAGE = [
  'Usage: chatapi-stub [options]',
  '',
  'Runs the Chat API server stub (validated by the description, stateful, with a control API).',
  'Every environment variable of `npm start` works too; a flag wins over its variable.',
  '',
  ...Object.entries(FLAGS).map(([name, flag]) => `  --${`${name} <value>`.padEnd(22)} ${flag.help} (${flag.env})`),
  `  ${'-h, --help'.padEnd(24)} this help`,
].join('\n');

/** The environment `configFromEnv` should read: `env` with the flags' variables set. `help` when asked. */
export function envWithFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | 'help' {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: 'string', multiple: name === 'token' }])),
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (values.help) return 'help';
  const result = { ...env };
  for (const name of Object.keys(FLAGS) as Flag[]) {
    const value = values[name];
    if (value === undefined) continue;
    result[FLAGS[name].env] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return result;
}

/** A configuration error names the variable; when a flag set it, name the flag the user typed. */
export function nameFlagsIn(message: string, argv: string[]): string {
  for (const [name, flag] of Object.entries(FLAGS)) {
    if (message.startsWith(`${flag.env}:`) && argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))) {
      return `--${name}${message.slice(flag.env.length)}`;
    }
  }
  return message;
}
