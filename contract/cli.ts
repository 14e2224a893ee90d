// `chatapi-contract [run]`: checks a Chat API deployment against the bundled description and reports,
// check by check, where it breaks the contract. Exit 0: every check passed; 1: a violation; 2: the
// run could not be made or did not complete. The run itself is the engine's (ContractRun); this
// file turns the command line into its options and its events into lines and report files.
import { existsSync } from 'node:fs';
import { BUNDLE_JSON } from '../description/index.js';
import { parseCommandLine, usage, type ReportFiles } from './args.js';
import { chatApiProfile } from './chatapi/profile.js';
import type { JudgedExchange } from './engine/context.js';
import { OptionsError } from './engine/options.js';
import type { Plan } from './engine/plan.js';
import { harEntry, harLog, writeHar } from './engine/reporters/har.js';
import { formatHeader, formatResult, formatSummary } from './engine/reporters/console.js';
import { writeJsonReport, writeJunitReport } from './engine/reporters/files.js';
import { writeNdjsonReport } from './engine/reporters/ndjson.js';
import type { RunReport } from './engine/report.js';
import { ContractRun, toolVersion } from './engine/run.js';
import { consoleIo, parsedArguments, type Io } from './io.js';

export type { Io };

function writeReports(files: ReportFiles, report: RunReport, exchanges: JudgedExchange[]): void {
  if (files.json) writeJsonReport(files.json, report);
  if (files.junit) writeJunitReport(files.junit, report);
  if (files.ndjson) writeNdjsonReport(files.ndjson, report);
  if (files.har) {
    const entries = exchanges.map(({ exchange, operationId, findings, label }) => harEntry(exchange, { operationId, findings, ...(label ? { case: label } : {}) }));
    writeHar(files.har, harLog(entries, { name: 'chatapi-contract', version: toolVersion() }));
  }
}

export async function main(argv: string[] = process.argv.slice(2), io: Io = consoleIo): Promise<number> {
  if (!existsSync(BUNDLE_JSON)) {
    io.err(`chatapi-contract: the bundled description ${BUNDLE_JSON} is missing: run npm run build`);
    return 2;
  }
  const plan: Plan = await ContractRun.plan(chatApiProfile());
  const line = parsedArguments('chatapi-contract', usage(plan.checkNames), io, () => parseCommandLine(argv));
  if (typeof line === 'number') return line;
  let run: ContractRun;
  try {
    run = ContractRun.create(plan, line.input, 'flags');
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    io.err(`chatapi-contract: ${error.message}\n\n${usage(plan.checkNames)}`);
    return 2;
  }
  if (line.replay) {
    const { replay } = await import('./replay.js');
    return replay(run.options, line.replay, io);
  }

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(`interrupted by ${signal}`);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const exchanges: JudgedExchange[] = [];
  try {
    const report = await run.execute(
      {
        header: (header) => io.out(formatHeader(header)),
        notice: (text) => io.out(`chatapi-contract: ${text}\n`),
        result: (result) => io.out(formatResult(result)),
        ...(line.reports.har ? { exchange: (entry: JudgedExchange) => void exchanges.push(entry) } : {}),
      },
      controller.signal,
    );
    if (!report.complete && report.checks.length === 0) io.err(`chatapi-contract: ${report.incomplete ?? 'the run could not be made'}; no check was run.`);
    io.out(formatSummary(report));
    try {
      writeReports(line.reports, report, exchanges);
    } catch (error) {
      io.err(`chatapi-contract: cannot write a report: ${(error as Error).message}`);
      return 2;
    }
    return report.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
