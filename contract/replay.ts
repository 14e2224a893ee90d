// `chatapi-contract --replay ID --from REPORT`: sends the request of one finding again (from a JSON,
// NDJSON or HAR report, the token put back where it was masked) and judges the answer as recorded
// traffic is judged. Exit 0: the finding is gone; 1: it is still there; 2: it cannot be replayed.
import { readFileSync } from 'node:fs';
import { Description } from '../description/index.js';
import type { Exchange, RequestRecord } from './engine/exchange.js';
import type { Finding, FindingCode } from './engine/findings.js';
import { HttpClient } from './engine/http.js';
import type { RunOptions } from './engine/options.js';
import type { HarEntry } from './engine/reporters/har.js';
import { formatFindings } from './engine/reporters/console.js';
import { secretMasker } from './engine/requests/ids.js';
import { judgeRecorded, Router } from './engine/traffic.js';
import type { Io } from './io.js';

/** Findings one request shows again: what the judges of a single exchange find. */
const REPLAYABLE: ReadonlySet<FindingCode> = new Set([
  'server_error',
  'undocumented_status',
  'content_type',
  'schema_violation',
  'missing_header',
  'negative_data_accepted',
  'positive_data_rejected',
  'slow_response',
  'method_not_allowed_without_allow',
  'unsupported_method',
  'request_violation',
]);

interface Found {
  finding: Finding;
  /** The base URL the report's run checked, when the report says. */
  target?: string;
}

/** The finding with this id in a report file of any of the three kinds. */
export function findFinding(text: string, file: string, id: string): Found | undefined {
  const trimmed = text.trimStart();
  // NDJSON: one value per line, the first of which is the run.
  if (trimmed.startsWith('{"type":')) {
    let target: string | undefined;
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
      const value = JSON.parse(line) as { type?: string; target?: string } & Finding;
      if (value.type === 'run') target = value.target;
      if (value.type === 'finding' && value.id === id) return { finding: value, ...(target ? { target } : {}) };
    }
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not a JSON, NDJSON or HAR report: ${(error as Error).message}`);
  }
  const har = (value as { log?: { entries?: HarEntry[] } }).log?.entries;
  if (Array.isArray(har)) {
    for (const entry of har) {
      const finding = entry._chatapi?.findings.find((f) => f.id === id);
      if (finding) return { finding };
    }
    return undefined;
  }
  const report = value as { target?: string; checks?: Array<{ findings?: Finding[] }> };
  for (const check of report.checks ?? []) {
    const finding = check.findings?.find((f) => f.id === id);
    if (finding) return { finding, ...(report.target ? { target: report.target } : {}) };
  }
  return undefined;
}

/** The recorded request's path and query, relative to the run's base URL, with the token where the report has `***`. */
function targetOf(request: RequestRecord, reportTarget: string | undefined, token: string): string {
  const url = new URL(request.url);
  const prefix = reportTarget ? new URL(reportTarget).pathname.replace(/\/+$/, '') : '';
  const path = `${url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname}${url.search}`;
  return path.split('***').join(encodeURIComponent(token));
}

export async function replay(options: RunOptions, asked: { id: string; from: string }, io: Io): Promise<number> {
  let found: Found | undefined;
  try {
    found = findFinding(readFileSync(asked.from, 'utf8'), asked.from, asked.id);
  } catch (error) {
    io.err(`chatapi-contract: cannot read ${asked.from}: ${(error as Error).message}`);
    return 2;
  }
  if (!found) {
    io.err(`chatapi-contract: ${asked.from} has no finding ${asked.id}`);
    return 2;
  }
  const { finding } = found;
  if (!finding.request || !REPLAYABLE.has(finding.code)) {
    io.err(`chatapi-contract: ${asked.id} [${finding.code}] is about what several requests did together, not one request: run the check again (${finding.message})`);
    return 2;
  }
  const mask = secretMasker([options.token]);
  const http = new HttpClient({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, mask });
  const target = targetOf(finding.request, found.target, options.token);
  const unmask = (text: string) => text.split('***').join(options.token);
  const recorded = finding.request;
  const exchange: Exchange = await http.send({
    method: recorded.method,
    target,
    ...(recorded.headers ? { headers: Object.fromEntries(Object.entries(recorded.headers).map(([k, v]) => [k, unmask(v)])) } : {}),
    ...(recorded.rawBody !== undefined ? { rawBody: unmask(recorded.rawBody) } : recorded.body !== undefined ? { body: JSON.parse(unmask(JSON.stringify(recorded.body))) as unknown } : {}),
    ...(recorded.contentType ? { contentType: recorded.contentType } : {}),
  });
  io.out(`chatapi-contract: replaying ${asked.id} [${finding.code}] ${finding.message}`);
  io.out(`  ${exchange.request.method} ${exchange.request.url} → ${exchange.response ? exchange.response.status : (exchange.error?.message ?? 'no response')}`);
  if (!exchange.response) return 2;
  const description = Description.load();
  const operations = await description.dereferencedOperations();
  const judged = judgeRecorded(new Router(operations), exchange, { validator: description.schemas, ...(options.maxResponseTimeMs !== undefined ? { maxResponseTimeMs: options.maxResponseTimeMs } : {}) });
  const again = judged.findings.filter((f) => f.code === finding.code && (finding.pointer === undefined || f.pointer === finding.pointer));
  if (again.length > 0) {
    io.out(`Still found:`);
    for (const line of formatFindings(again)) io.out(line);
    return 1;
  }
  io.out(`Gone: the answer no longer shows [${finding.code}]${judged.findings.length > 0 ? ` (other findings: ${judged.findings.map((f) => f.code).join(', ')})` : ''}.`);
  return 0;
}
