// `npm start` and `chatapi-stub`: the Chat API server stub on HOST:PORT, configured from the
// environment and from flags (`chatapi-stub --help`).
import { relative } from 'node:path';
import { packageRoot } from '../description/bundle.js';
import { ConfigError } from './config.js';
import { envWithFlags, nameFlagsIn, STUB_USAGE } from './flags.js';
import { BotScriptError, configFromEnv, DEFAULT_TOKEN, DescriptionError, startStub } from './index.js';
import { maskToken } from './tokens.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let config: ReturnType<typeof configFromEnv>;
  try {
    const env = envWithFlags(argv);
    if (env === 'help') {
      console.log(STUB_USAGE);
      process.exit(0);
    }
    config = configFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`chatapi stub: bad configuration: ${nameFlagsIn(error.message, argv)}\n\n${STUB_USAGE}`);
      process.exit(1);
    }
    throw error;
  }

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

  const { url } = stub;
  const [first] = stub.tokens;
  // The default dev token is public and printed whole; tokens from CHATAPI_TOKENS are masked.
  const shown = first === DEFAULT_TOKEN ? first : `${maskToken(first!)} (from CHATAPI_TOKENS)`;
  const script = relative(packageRoot(), stub.config.botScriptPath) || stub.config.botScriptPath;
  const lines = [
    `Chat API server stub on ${url}`,
    `  Chat API     ${url}/chatapi/${first === DEFAULT_TOKEN ? first : '<token>'}`,
    `  Token        ${shown}${stub.tokens.length > 1 ? ` and ${stub.tokens.length - 1} more` : ''}`,
    `  Docs         ${url}/docs`,
    `  Playground   ${url}/playground/   Operator console ${url}/operator/`,
    `  Description  ${url}/openapi.json  ${url}/openapi.yaml`,
    `  Control API  ${url}/_stub/  (described at ${url}/_stub/openapi.yaml, docs at ${url}/_stub/docs)`,
    `  Bot script   ${script} (${stub.botName})`,
    `  Webhook      ${stub.config.webhookUrl ?? 'none (CHATAPI_WEBHOOK_URL, or PUT /_stub/channels/<token>/settings)'}`,
    `  Store        ${stub.config.storage.kind === 'sqlite' ? `SQLite ${stub.config.storage.path} (kept across restarts)` : 'memory (CHATAPI_STORE=sqlite:PATH keeps chats across restarts)'}; at most ${stub.config.maxClients} clients per channel`,
    `  Validation   requests and ${stub.config.validateResponses ? 'responses' : 'not responses (CHATAPI_VALIDATE_RESPONSES=false)'}; long poll ${stub.config.longPollMs} ms`,
    ``,
    `Try: curl -s ${url}/chatapi/${first === DEFAULT_TOKEN ? first : '<token>'} -H 'content-type: application/json' -d '{"clientId":"me","query":"/start"}'`,
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`chatapi stub: ${signal}, stopping`);
    stub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`chatapi stub: error while stopping: ${String(error)}`);
        process.exit(1);
      },
    );
  };
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

main().catch((error: unknown) => {
  console.error(`chatapi stub: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
