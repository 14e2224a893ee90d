// `chatapi-contract`: checks a Chat API deployment against the bundled description and reports,
// check by check, where it breaks the contract. Exit 0: every check passed; 1: a violation;
// 2: the run could not be made or did not complete.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_JSON, Description, packageRoot } from '../description/index.js';
import { parseCli, USAGE, UsageError, type CliOptions } from './args.js';
import { buildChecks } from './checks/index.js';
import type { CheckResult } from './checks/types.js';
import type { OperationSpec } from '../description/operations.js';
import type { HttpClient } from './http.js';
import { exitCodeOf, summarize, type RunReport } from './report.js';
import { formatHeader, formatResult, formatSummary } from './reporters/console.js';
import { writeJsonReport, writeJunitReport } from './reporters/files.js';
import { fillPath, runChecks } from './runner.js';
import { ClientIds, newRunId, tokenMasker } from './safety.js';
import { reachable, runController, runHttpClient, runnerOptions, runSettings } from './session.js';
import { questionIdsOf, WebhookReceiver } from './webhook-receiver.js';
import { ASYNC_OPERATION } from './checks/helpers.js';
import { consoleIo, type Io } from './io.js';

export type { Io };


/** How many checks run at once (each on its own clients); --rate bounds the requests anyway. */
const CONCURRENCY = 4;

function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Before any check: is the target there, and does it take the token? One read-only call for a new
 * client of the run. A refused token would fail every check for one reason: that is a run that
 * cannot be made (exit 2), not a contract violation. A mock accepts any token, so --stateless skips it.
 */
async function preflight(http: HttpClient, options: CliOptions, operations: OperationSpec[], clientId: string): Promise<string | undefined> {
  const probe = operations.find((op) => op.operationId === 'getNotReadCount') ?? operations.find((op) => op.operationId === 'loadState');
  if (!probe) return (await reachable(options.baseUrl, options.timeoutMs)) ? undefined : `the target ${options.baseUrl} is unreachable`;
  const exchange = await http.send({ method: probe.method, path: fillPath(probe.path, { token: options.token, clientId }) });
  if (!exchange.response) return `the target ${options.baseUrl} is unreachable: ${exchange.error?.message ?? 'no response'}`;
  if (exchange.response.status === 401 && !options.stateless) return `the target does not accept the token (401 from ${exchange.request.method} ${exchange.request.url})`;
  return undefined;
}

/** How long the first async reply may take to reach the receiver before the run goes on without it. */
const WEBHOOK_PROBE_MS = 10_000;

/** Why the receiver will get nothing from the target, or undefined when an async reply arrived. */
async function webhookSilent(http: HttpClient, operations: OperationSpec[], receiver: WebhookReceiver, options: CliOptions, clientId: string, signal: AbortSignal): Promise<string | undefined> {
  const async = operations.find((op) => op.operationId === ASYNC_OPERATION);
  if (!async) return undefined;
  const exchange = await http.send({ method: async.method, path: fillPath(async.path, { token: options.token }), body: { clientId, query: 'contract check: is the webhook set?' } });
  const questionId = (exchange.response?.json as { questionId?: unknown } | undefined)?.questionId;
  if (typeof questionId !== 'string') return undefined; // the async checks will say what is wrong
  const wait = Math.min(options.timeoutMs, WEBHOOK_PROBE_MS);
  const payload = await receiver.waitFor((p) => questionIdsOf(p).includes(questionId), wait, signal);
  if (payload) return undefined;
  return `no webhook reached ${options.webhookUrl ?? receiver.url} within ${wait / 1000} s of an async send: the target's webhook URL is not set to this receiver (for the stub: CHATAPI_WEBHOOK_URL=${options.webhookUrl ?? receiver.url})`;
}

export async function main(argv: string[] = process.argv.slice(2), io: Io = consoleIo): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`chatapi-contract: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (!existsSync(BUNDLE_JSON)) {
    io.err(`chatapi-contract: the bundled description ${BUNDLE_JSON} is missing: run npm run build`);
    return 2;
  }

  const startedAt = new Date();
  const started = performance.now();
  const description = Description.load();
  const { document, schemas: validator, operations } = description;
  const runId = newRunId();
  const clientIds = new ClientIds(runId);
  const mask = tokenMasker(options.token);
  const controller = runController();
  const http = runHttpClient(options, clientIds, mask, controller.signal);

  const onSignal = (signal: NodeJS.Signals) => controller.abort(`interrupted by ${signal}`);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let receiver: WebhookReceiver | undefined;
  try {
    const webhookOp = operations.find((op) => op.kind === 'webhook');
    if (options.webhookPort !== undefined && webhookOp?.requestBody) {
      try {
        receiver = await WebhookReceiver.start({ port: options.webhookPort, validator, schemaPointer: webhookOp.requestBody.schemaPointer, mask });
      } catch (error) {
        io.err(`chatapi-contract: cannot start the webhook receiver on 127.0.0.1:${options.webhookPort}: ${(error as Error).message}`);
        return 2;
      }
    }

    const settings = runSettings(options, runId);
    const header = {
      description: { title: document.info.title, version: document.info.version },
      target: options.baseUrl,
      runId,
      clientIdPrefix: clientIds.prefix,
      options: {
        readOnly: options.readOnly,
        stateless: options.stateless,
        ratePerSecond: options.ratePerSecond,
        timeoutMs: options.timeoutMs,
        phases: options.phases,
        checks: settings.selection.names(),
        seed: options.seed,
        maxExamples: options.maxExamples,
        ...(options.maxResponseTimeMs !== undefined ? { maxResponseTimeMs: options.maxResponseTimeMs } : {}),
        ...(receiver ? { webhookReceiver: receiver.url } : {}),
        ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
      },
    };
    io.out(formatHeader(header));

    /** The summary and the report files, for a run that ran or could not start. */
    const finish = (results: CheckResult[], incomplete: string | undefined): number => {
      const complete = incomplete === undefined;
      const summary = summarize(results);
      const report: RunReport = {
        tool: { name: 'chatapi-contract', version: toolVersion() },
        ...header,
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(performance.now() - started),
        complete,
        ...(incomplete ? { incomplete } : {}),
        exitCode: exitCodeOf(complete, summary),
        summary,
        checks: results,
      };
      io.out(formatSummary(report));
      try {
        if (options.json) writeJsonReport(options.json, report);
        if (options.junit) writeJunitReport(options.junit, report);
      } catch (error) {
        io.err(`chatapi-contract: cannot write a report: ${(error as Error).message}`);
        return 2;
      }
      return report.exitCode;
    };

    const problem = await preflight(http, options, operations, clientIds.create());
    if (problem) {
      io.err(`chatapi-contract: ${problem}; no check was run.`);
      return finish([], problem);
    }

    // A receiver the target does not post to would leave every webhook check waiting out the
    // timeout: find out with one async send, say so in one line, and run without it.
    if (receiver && !options.readOnly && !options.stateless) {
      const silent = await webhookSilent(http, operations, receiver, options, clientIds.create(), controller.signal);
      if (silent) {
        io.out(`chatapi-contract: ${silent}; the webhook checks are not run.\n`);
        await receiver.close();
        receiver = undefined;
      }
    }

    const checks = buildChecks(operations);
    const outcome = await runChecks(
      checks,
      runnerOptions(description, options, { runId, clientIds, http, controller, webhook: receiver, concurrency: CONCURRENCY, onResult: (result) => io.out(formatResult(result)) }),
    );

    // Report in the suite's order, whatever order the checks finished in.
    const order = new Map(checks.map((c, i) => [c.id, i]));
    const results = [...outcome.results].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    return finish(results, outcome.incomplete);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await receiver?.close();
  }
}
