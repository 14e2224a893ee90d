// `chatapi-contract evidence FILE.har…`: recorded traffic weighed against the description's
// provenance marks. Which `inferred` and `observed` choices (and `documented` ones) the traffic
// confirms, which it contradicts and which it never exercised: how a team that sees the real
// service tells where the description is wrong. Exit 0: nothing contradicted; 1: the traffic
// contradicts a mark (or reaches an operation the description lacks); 2: it could not run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Description } from '../description/index.js';
import { Router } from '../description/router.js';
import { chatApiProfile } from '../contract/chatapi/profile.js';
import { exchangeOf } from '../contract/engine/reporters/har.js';
import { toolVersion } from '../contract/engine/run.js';
import { consoleIo, parsedArguments, strictArgs, UsageError, type Io } from '../contract/io.js';
import { EvidenceCollector } from './evidence.js';
import { formatEvidenceMarkdown } from './evidence-report.js';
import { TrafficJudge } from './judge.js';
import { provenanceMarks } from './provenance.js';
import { chronological, isDelivery, readHarEntries } from './recorded.js';

export const USAGE = `Usage: chatapi-contract evidence FILE.har… [--format markdown|json] [--out FILE] [--examples N]

Weighs recorded traffic (a HAR written by \`chatapi-contract proxy\`, a browser's devtools, Playwright's
recordHar, another proxy) against the description's provenance marks (x-provenance on every
operation and top-level schema) and tells, mark by mark, which the traffic contradicts (a member
the description does not declare, a status it does not list, a reply type no branch takes, an enum
value outside the enum, a value outside a bound, a required member missing), which it confirms
and which it never exercised. Answers are weighed by the schema documented for their status,
request bodies and parameters when the service accepted them (2xx), webhook deliveries by their
payload. The channel token is masked in every output.

  --format markdown|json  Markdown for people (the default), JSON for machines
  --out FILE              write the report to FILE instead of standard output
  --examples N            concrete examples shown per kind of contradiction (default 3)

Exit codes: 0 the traffic contradicts no mark; 1 it contradicts at least one (or the service
answered a request no operation of the description matches); 2 it could not run.`;

const FORMATS = ['markdown', 'json'] as const;

interface EvidenceOptions {
  files: string[];
  format: (typeof FORMATS)[number];
  out?: string;
  examples: number;
}

function parseEvidenceArgs(argv: string[]): EvidenceOptions | 'help' {
  const { values, positionals: files } = strictArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', default: 'markdown' }, out: { type: 'string' }, examples: { type: 'string', default: '3' }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) return 'help';
  const examples = Number(values.examples);
  if (files.length === 0) throw new UsageError('name at least one HAR file');
  if (!(FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`--format must be markdown or json, not ${JSON.stringify(values.format)}`);
  if (!Number.isInteger(examples) || examples < 1) throw new UsageError('--examples must be a positive integer');
  if (values.out === '') throw new UsageError('--out needs a file name');
  return { files, format: values.format as EvidenceOptions['format'], examples, ...(values.out !== undefined ? { out: values.out } : {}) };
}

export async function main(argv: string[], io: Io = consoleIo): Promise<number> {
  const options = parsedArguments('chatapi-contract evidence', USAGE, io, () => parseEvidenceArgs(argv));
  if (typeof options === 'number') return options;
  const { files, examples } = options;

  let entries;
  let description: Description;
  try {
    entries = chronological(readHarEntries(files));
    description = Description.load();
  } catch (error) {
    io.err(`chatapi-contract evidence: ${(error as Error).message}`);
    return 2;
  }
  const operations = await description.dereferencedOperations();
  // The traffic judge routes each exchange and learns the channel token from the paths it travels
  // in, so that nothing shown leaks it; its findings are verify-har's business, not used here.
  const router = new Router(operations);
  const profile = chatApiProfile();
  const judge = new TrafficJudge({ operations, router, validator: description.schemas, profile, webhookWindowMs: 30_000 });
  const collector = new EvidenceCollector({
    document: description.document,
    operations,
    router,
    validator: description.schemas,
    credential: profile.credential,
    marks: provenanceMarks(description.document, operations),
    masker: judge.masker,
    maxExamples: examples,
  });
  for (const entry of entries) {
    const exchange = exchangeOf(entry);
    if (isDelivery(entry)) collector.delivery(exchange, judge.delivery(exchange));
    else collector.forward(exchange, judge.forward(exchange, entry._chatapi?.clientClosed ? { clientClosed: true } : {}));
  }
  const report = collector.report({ tool: { name: 'chatapi-contract', version: toolVersion() }, description: description.document.info, files });
  // A token learned late (first seen after an earlier entry showed it) is masked in the whole text.
  const text = judge.masker.text(options.format === 'json' ? JSON.stringify(report, null, 2) : formatEvidenceMarkdown(report));
  if (options.out === undefined) {
    io.out(text);
    return report.exitCode;
  }
  try {
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, `${text}\n`);
  } catch (error) {
    io.err(`chatapi-contract evidence: cannot write ${options.out}: ${(error as Error).message}`);
    return 2;
  }
  const { summary } = report;
  io.out(`chatapi-contract evidence: ${summary.contradicted} contradicted, ${summary.confirmed} confirmed, ${summary.unexercised} never exercised of ${summary.marks} marks; written to ${options.out} (exit ${report.exitCode})`);
  return report.exitCode;
}
