// `chatapi-contract verify-har FILE.har…`: judges recorded traffic (this proxy's HAR, a browser's
// devtools export, Redocly's proxy) the way the proxy judges live traffic: every exchange of the
// API against its operation, every webhook delivery the HAR marks as one against the webhook, async
// sends correlated with their deliveries. Exit 0: no contract break; 1: a break; 2: it could not run.
import { Description } from '../description/index.js';
import { Router } from '../description/router.js';
import { chatApiProfile } from '../contract/chatapi/profile.js';
import { exchangeOf } from '../contract/engine/reporters/har.js';
import { writeJsonReport, writeJunitReport } from '../contract/engine/reporters/files.js';
import { consoleIo, parsedArguments, strictArgs, UsageError, type Io } from '../contract/io.js';
import { TrafficJudge } from './judge.js';
import { chronological, isDelivery, readHarEntries } from './recorded.js';
import { formatTrafficSummary, trafficReport } from './report.js';

export const USAGE = `Usage: chatapi-contract verify-har FILE.har… [--json FILE] [--junit FILE] [--webhook-window MS]

Judges recorded traffic against the description: a HAR written by \`chatapi-contract proxy\`, a
browser's devtools ("Save all as HAR") or Playwright's recordHar, or another proxy. Requests outside
the API's paths (pages, assets) are passed over; the channel token is masked in every output.

  --json FILE / --junit FILE  the findings and the coverage, as chatapi-contract writes them
  --webhook-window MS         how long after an async send its delivery may come (default 30000)

Exit codes: 0 no contract break in the traffic; 1 a break; 2 a file could not be read.`;

interface VerifyHarOptions {
  files: string[];
  json?: string;
  junit?: string;
  webhookWindowMs: number;
}

function parseVerifyHarArgs(argv: string[]): VerifyHarOptions | 'help' {
  const { values, positionals: files } = strictArgs({ args: argv, allowPositionals: true, options: { json: { type: 'string' }, junit: { type: 'string' }, 'webhook-window': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) return 'help';
  const webhookWindowMs = values['webhook-window'] === undefined ? 30_000 : Number(values['webhook-window']);
  if (files.length === 0) throw new UsageError('name at least one HAR file');
  if (!Number.isInteger(webhookWindowMs) || webhookWindowMs <= 0) throw new UsageError('--webhook-window must be a positive integer');
  return { files, webhookWindowMs, ...(values.json !== undefined ? { json: values.json } : {}), ...(values.junit !== undefined ? { junit: values.junit } : {}) };
}

export async function main(argv: string[], io: Io = consoleIo): Promise<number> {
  const options = parsedArguments('chatapi-contract verify-har', USAGE, io, () => parseVerifyHarArgs(argv));
  if (typeof options === 'number') return options;
  const { files, webhookWindowMs: window } = options;
  let entries;
  try {
    entries = readHarEntries(files);
  } catch (error) {
    io.err(`chatapi-contract verify-har: ${(error as Error).message}`);
    return 2;
  }
  const description = Description.load();
  const operations = await description.dereferencedOperations();
  const startedAt = new Date();
  const judge = new TrafficJudge({ operations, router: new Router(operations), validator: description.schemas, profile: chatApiProfile(), webhookWindowMs: window });
  let last = 0;
  for (const entry of chronological(entries)) {
    const exchange = exchangeOf(entry);
    last = Math.max(last, exchange.startedAt);
    judge.overdue(exchange.startedAt);
    if (isDelivery(entry)) judge.delivery(exchange);
    else judge.forward(exchange, entry._chatapi?.clientClosed ? { clientClosed: true } : {});
  }
  // A reply promised near the end of the recording may simply not have been recorded yet.
  judge.overdue(last);
  const report = trafficReport(judge, { operations, description: description.document.info, target: files.join(', '), mode: 'verify-har', startedAt });
  io.out(judge.masker.text(formatTrafficSummary(report)));
  const masked = <T>(value: T): T => JSON.parse(judge.masker.text(JSON.stringify(value))) as T;
  try {
    if (options.json) writeJsonReport(options.json, masked(report));
    if (options.junit) writeJunitReport(options.junit, masked(report));
  } catch (error) {
    io.err(`chatapi-contract verify-har: cannot write a report: ${(error as Error).message}`);
    return 2;
  }
  return report.exitCode;
}
