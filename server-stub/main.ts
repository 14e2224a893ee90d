// `npm start` and `chatapi-stub`: the Chat API server stub on HOST:PORT, configured from the
// environment and from flags (`chatapi-stub --help`). With `--workers N` (CHATAPI_WORKERS) the
// process is a node:cluster primary: N worker processes serve the one port, sharing a Redis store.
import cluster, { type Worker } from 'node:cluster';
import { relative } from 'node:path';
import { packageRoot } from '../description/bundle.js';
import { ConfigError } from './config.js';
import { envWithFlags, nameFlagsIn, STUB_USAGE } from './flags.js';
import { BotScriptError, configFromEnv, DEFAULT_TOKEN, DescriptionError, startStub } from './index.js';
import { maskToken } from './tokens.js';

type Config = ReturnType<typeof configFromEnv>;

/** What a worker tells the primary once it serves (the primary prints the summary once). */
interface Ready {
  ready: { url: string; botName: string };
}

function readConfig(): Config {
  const argv = process.argv.slice(2);
  try {
    const env = envWithFlags(argv);
    if (env === 'help') {
      console.log(STUB_USAGE);
      process.exit(0);
    }
    return configFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`chatapi stub: bad configuration: ${nameFlagsIn(error.message, argv)}\n\n${STUB_USAGE}`);
      process.exit(1);
    }
    throw error;
  }
}

function storeLine(config: Config): string {
  const { storage } = config;
  if (storage.kind === 'sqlite') return `SQLite ${storage.path} (kept across restarts)`;
  if (storage.kind === 'redis') return `Redis ${storage.url.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@')} (shared by every stub on it)`;
  return 'memory (CHATAPI_STORE=sqlite:PATH keeps chats across restarts; redis://HOST:PORT/DB shares them between stubs)';
}

function printSummary(config: Config, url: string, botName: string): void {
  const [first] = config.tokens;
  // The default dev token is public and printed whole; tokens from CHATAPI_TOKENS are masked.
  const shown = first === DEFAULT_TOKEN ? first : `${maskToken(first!)} (from CHATAPI_TOKENS)`;
  const script = relative(packageRoot(), config.botScriptPath) || config.botScriptPath;
  const lines = [
    `Chat API server stub on ${url}`,
    `  Chat API     ${url}/chatapi/${first === DEFAULT_TOKEN ? first : '<token>'}`,
    `  Token        ${shown}${config.tokens.length > 1 ? ` and ${config.tokens.length - 1} more` : ''}`,
    `  Docs         ${url}/docs`,
    `  Playground   ${url}/playground/   Operator console ${url}/operator/`,
    `  Description  ${url}/openapi.json  ${url}/openapi.yaml`,
    `  Control API  ${url}/_stub/  (described at ${url}/_stub/openapi.yaml, docs at ${url}/_stub/docs)`,
    `  Bot script   ${script} (${botName})`,
    `  Webhook      ${config.webhookUrl ?? 'none (CHATAPI_WEBHOOK_URL, or PUT /_stub/channels/<token>/settings)'}`,
    `  Store        ${storeLine(config)}; at most ${config.maxClients} clients per channel`,
    ...(config.workers > 1 ? [`  Workers      ${config.workers} processes on this port (node:cluster)`] : []),
    `  Validation   requests and ${config.validateResponses ? 'responses' : 'not responses (CHATAPI_VALIDATE_RESPONSES=false)'}; long poll ${config.longPollMs} ms`,
    ``,
    `Try: curl -s ${url}/chatapi/${first === DEFAULT_TOKEN ? first : '<token>'} -H 'content-type: application/json' -d '{"clientId":"me","query":"/start"}'`,
  ];
  console.log(lines.join('\n'));
}

/** Stops on SIGTERM and SIGINT (and, run by npm, when npm goes away). */
function onStop(stop: (reason: string) => void): void {
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // npx (and npm without `exec`) run the stub under `sh -c`: a SIGTERM to npm ends the shell but
  // not always the stub, which would keep the port. Run by npm (which sets npm_command), the stub
  // stops when its parent goes away; started any other way (nohup, a service), it does not.
  if (process.env.npm_command) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop('its parent process exited');
    }, 500).unref();
  }
}

/** One stub in this process: the whole stub, or a worker of the cluster. */
async function serve(config: Config, worker: boolean): Promise<void> {
  let stub: Awaited<ReturnType<typeof startStub>>;
  try {
    stub = await startStub(config);
  } catch (error) {
    if (error instanceof BotScriptError || error instanceof ConfigError || error instanceof DescriptionError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`chatapi stub: ${(error as Error).message}`);
      process.exit(1);
    }
    throw error;
  }
  if (worker) process.send?.({ ready: { url: stub.url, botName: stub.botName } } satisfies Ready);
  else printSummary(config, stub.url, stub.botName);

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    if (!worker) console.log(`chatapi stub: ${reason}, stopping`);
    stub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`chatapi stub: error while stopping: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  if (worker) {
    // The primary stops the workers (SIGTERM); a Ctrl-C reaches the whole process group, and the
    // primary's SIGTERM follows it.
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => undefined);
    process.on('disconnect', () => stop('the primary went away'));
  } else {
    onStop(stop);
  }
}

/**
 * The cluster's primary: starts one worker, and the others once it serves (so that a configuration
 * or a Redis that does not work is said once, by the first, and the primary exits 1); prints the
 * summary; starts a worker again when one dies; stops them all on SIGTERM.
 */
function primary(config: Config): void {
  let stopping = false;
  let serving = false;
  const workers = new Set<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    workers.add(worker);
    worker.on('message', (message: Partial<Ready>) => {
      if (!message.ready || serving) return;
      serving = true;
      printSummary(config, message.ready.url, message.ready.botName);
      for (let i = 1; i < config.workers; i++) fork();
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) {
        if (workers.size === 0) process.exit(0);
        return;
      }
      if (!serving) process.exit(code || 1); // the first worker could not start: it said why
      // A second later: a worker that cannot start (Redis away) is not restarted in a tight loop.
      console.error(`chatapi stub: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
      setTimeout(() => !stopping && fork(), 1_000);
    });
  };
  onStop((reason) => {
    if (stopping) return;
    stopping = true;
    console.log(`chatapi stub: ${reason}, stopping ${workers.size} workers`);
    if (workers.size === 0) process.exit(0);
    for (const worker of workers) worker.process.kill('SIGTERM');
  });
  fork();
}

const config = readConfig();
const run = config.workers > 1 && cluster.isPrimary ? Promise.resolve(primary(config)) : serve(config, cluster.isWorker);
run.catch((error: unknown) => {
  console.error(`chatapi stub: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
