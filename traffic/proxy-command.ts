// `chatapi-contract proxy`: a validating, recording proxy in front of a Chat API deployment (the real
// service or the stub), in both directions. It passes everything through, judges every exchange and
// delivery with the contract engine's judges, prints each finding as one line, and on SIGINT or
// SIGTERM writes its reports and exits 1 if any contract break was seen, 0 if none, 2 when it could
// not run (a port in use, an upstream that does not answer at start).
import type { Server } from 'node:http';
import { Description } from '../description/index.js';
import { Router } from '../description/router.js';
import { chatApiProfile } from '../contract/chatapi/profile.js';
import { writeJsonReport, writeJunitReport } from '../contract/engine/reporters/files.js';
import { HttpClient } from '../contract/engine/http.js';
import { httpUrl } from '../contract/engine/options.js';
import { consoleIo, parsedArguments, strictArgs, UsageError, type Io } from '../contract/io.js';
import { startForwardProxy } from './forward-proxy.js';
import { upstreamOf } from './http-relay.js';
import { HarSpool } from './har-spool.js';
import { TrafficJudge, type TrafficEntry } from './judge.js';
import { JudgingQueue } from './judging-queue.js';
import { findingLine, formatTrafficSummary, trafficReport } from './report.js';
import { toolVersion } from '../contract/engine/run.js';
import { startWebhookRelay } from './webhook-relay.js';
import { transportLimits } from '../server-stub/transport-limits.js';

export const USAGE = `Usage: chatapi-contract proxy --upstream URL [--port 8080] [--host 127.0.0.1]
                              [--webhook-port 8081 [--webhook-forward URL]] [--webhook-window MS]
                              [--har FILE] [--json FILE] [--junit FILE] [--enforce]

A validating, recording proxy in front of a Chat API deployment. Point your app at the proxy and the
deployment's webhook URL at the webhook port: every exchange and every delivery is passed on
unchanged and judged against the description; each finding is printed as it happens.

  --upstream URL        the deployment (https://bot.jaicp.com, or the stub http://127.0.0.1:3000)
  --port N              where the app connects (default 8080); --host (default 127.0.0.1)
  --webhook-port N      where the deployment posts its webhooks (its webhook URL: http://HOST:N/)
  --webhook-forward URL the team's receiver, which gets every delivery and whose answer the
                        deployment gets back (without it, the proxy acknowledges with 204)
  --webhook-window MS   how long an async send's reply may take to arrive (default 30000)
  --har FILE            every exchange and delivery as HAR 1.2, each with its operation and findings
  --json FILE / --junit FILE  the findings and the coverage, as chatapi-contract writes them
  --enforce             answer a contract break with a 502 in the description's Error shape
                        naming the findings, instead of passing it on (for CI)

Stop it with Ctrl-C (SIGINT) or SIGTERM: the reports are written then. The channel token, credential
headers and secret-named body members are masked in every output.
Exit codes: 0 no contract break seen; 1 a break was seen; 2 the proxy could not run.`;

interface ProxyOptions {
  upstream: string;
  host: string;
  port: number;
  webhookPort?: number;
  webhookForward?: string;
  webhookWindowMs: number;
  har?: string;
  json?: string;
  junit?: string;
  enforce: boolean;
}

function port(name: string, raw: string | undefined, fallback?: number): number | undefined {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new UsageError(`--${name} must be a port (0–65535), not ${JSON.stringify(raw)}`);
  return value;
}

function url(name: string, raw: string): string {
  const checked = httpUrl(raw);
  if (typeof checked !== 'string') throw new UsageError(`--${name} ${checked.problem}`);
  return checked;
}

export function parseProxyArgs(argv: string[]): ProxyOptions | 'help' {
  const { values } = strictArgs({
    args: argv,
    options: {
      upstream: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'webhook-port': { type: 'string' },
      'webhook-forward': { type: 'string' },
      'webhook-window': { type: 'string' },
      har: { type: 'string' },
      json: { type: 'string' },
      junit: { type: 'string' },
      enforce: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (!values.upstream) throw new UsageError('--upstream is required: the deployment the proxy stands before');
  if (values['webhook-forward'] !== undefined && values['webhook-port'] === undefined) throw new UsageError('--webhook-forward needs --webhook-port: deliveries arrive there');
  const window = values['webhook-window'] === undefined ? 30_000 : Number(values['webhook-window']);
  if (!Number.isInteger(window) || window <= 0) throw new UsageError(`--webhook-window must be a positive integer, not ${JSON.stringify(values['webhook-window'])}`);
  const options: ProxyOptions = { upstream: url('upstream', values.upstream), host: values.host ?? '127.0.0.1', port: port('port', values.port, 8080)!, webhookWindowMs: window, enforce: values.enforce };
  const webhookPort = port('webhook-port', values['webhook-port']);
  if (webhookPort !== undefined) options.webhookPort = webhookPort;
  if (values['webhook-forward'] !== undefined) options.webhookForward = url('webhook-forward', values['webhook-forward']);
  for (const name of ['har', 'json', 'junit'] as const) {
    if (values[name] === '') throw new UsageError(`--${name} needs a file name`);
    if (values[name] !== undefined) options[name] = values[name];
  }
  return options;
}

/** Runs the proxy until `stop` is aborted (the command aborts it on SIGINT/SIGTERM); returns the exit code. */
export async function runProxy(options: ProxyOptions, io: Io, stop: AbortSignal, ready?: (addresses: { proxy: string; webhook?: string }) => void): Promise<number> {
  const description = Description.load();
  const operations = await description.dereferencedOperations();
  const startedAt = new Date();
  let spool: HarSpool | undefined;
  if (options.har) {
    try {
      spool = await HarSpool.open(options.har);
    } catch (error) {
      io.err(`chatapi-contract proxy: cannot write --har ${options.har}: ${(error as Error).message}`);
      return 2;
    }
  }
  const judge = new TrafficJudge({
    operations,
    router: new Router(operations),
    validator: description.schemas,
    profile: chatApiProfile(),
    webhookWindowMs: options.webhookWindowMs,
    onFinding: (finding) => io.out(findingLine(finding)),
    ...(spool ? { onEntry: (entry: TrafficEntry) => spool.add(entry) } : {}),
  });

  const judging = new JudgingQueue((error) => io.err(`chatapi-contract proxy: an exchange passed through unjudged, its judging failed (a defect, please report it): ${error.stack ?? error.message}`));

  // An upstream that does not answer at all at start is a setup mistake, not a finding.
  const probe = await new HttpClient({ baseUrl: options.upstream, timeoutMs: 5000, mask: (t) => t }).send({ method: 'GET', target: '/' });
  if (!probe.response) {
    io.err(`chatapi-contract proxy: the upstream ${options.upstream} does not answer: ${probe.error?.message ?? 'no response'}`);
    spool?.discard();
    return 2;
  }
  const servers: Server[] = [];
  try {
    servers.push(await startForwardProxy({ host: options.host, port: options.port, upstream: upstreamOf(options.upstream), judge, judging, enforce: options.enforce, limits: transportLimits(description.document), onUpstreamError: (m) => io.err(`chatapi-contract proxy: the upstream did not answer (502 to the app): ${m}`) }));
    if (options.webhookPort !== undefined) {
      servers.push(await startWebhookRelay({ host: options.host, port: options.webhookPort, ...(options.webhookForward ? { forward: options.webhookForward } : {}), judge, judging, onReceiverError: (m) => io.err(`chatapi-contract proxy: the receiver did not answer (502 to the service): ${m}`) }));
    }
  } catch (error) {
    for (const server of servers) server.close();
    io.err(`chatapi-contract proxy: cannot listen: ${(error as Error).message}`);
    spool?.discard();
    return 2;
  }
  const address = (server: (typeof servers)[number]) => {
    const a = server.address();
    return typeof a === 'object' && a ? `http://${options.host}:${a.port}` : '';
  };
  const addresses = { proxy: address(servers[0]!), ...(servers[1] ? { webhook: `${address(servers[1])}/` } : {}) };
  io.out(`chatapi-contract proxy: ${addresses.proxy} → ${options.upstream}${addresses.webhook ? `; webhooks: ${addresses.webhook}${options.webhookForward ? ` → ${options.webhookForward}` : ' (acknowledged here)'}` : ''}${options.enforce ? '; enforcing (a contract break is answered 502)' : ''}`);
  ready?.(addresses);

  const ticker = setInterval(() => judge.overdue(), 1000);
  await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
  clearInterval(ticker);
  // Deliveries that ended in the last turn are judged before any send is reported missing.
  judging.flush();
  judge.overdue();
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
  judging.flush();

  const report = trafficReport(judge, { operations, description: description.document.info, target: options.upstream, mode: 'proxy', startedAt });
  io.out(formatTrafficSummary(report));
  // A secret learned late (a token first seen after an earlier entry) is masked in what is written too.
  const masked = <T>(value: T): T => JSON.parse(judge.masker.text(JSON.stringify(value))) as T;
  try {
    await spool?.finish((line) => judge.masker.text(line), { name: 'chatapi-contract', version: toolVersion() });
    if (options.json) writeJsonReport(options.json, masked(report));
    if (options.junit) writeJunitReport(options.junit, masked(report));
  } catch (error) {
    io.err(`chatapi-contract proxy: cannot write a report: ${(error as Error).message}`);
    return 2;
  }
  return report.exitCode;
}

export async function main(argv: string[], io: Io = consoleIo): Promise<number> {
  const options = parsedArguments('chatapi-contract proxy', USAGE, io, () => parseProxyArgs(argv));
  if (typeof options === 'number') return options;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await runProxy(options, io, stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
