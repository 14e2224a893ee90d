// The console output: one line per check as it finishes (with its violations under it), and a
// summary at the end. Plain text, no colours: it is read in CI logs as often as in terminals.
import type { CheckResult } from '../check.js';
import type { Finding } from '../findings.js';
import type { RunHeader, RunReport } from '../report.js';

const LABEL: Record<CheckResult['status'], string> = {
  passed: '[passed]',
  failed: '[failed]',
  'not run': '[not run]',
  'not applicable': '[not applicable]',
};
const WIDTH = Math.max(...Object.values(LABEL).map((l) => l.length)) + 1;
/** Violations shown per check on the console; the JSON report has them all. */
const MAX_SHOWN = 8;

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}… (${flat.length} chars)` : flat;
}

function body(value: unknown): string {
  return clip(typeof value === 'string' ? value : JSON.stringify(value), 300);
}

/**
 * Findings with the request and response that showed them; consecutive findings of one exchange
 * share one request/response block. Each has its id, which `--replay` takes.
 */
export function formatFindings(findings: readonly Finding[]): string[] {
  const lines: string[] = [];
  findings.forEach((v, i) => {
    lines.push(`    - [${v.code}] ${v.message}${v.case ? `  (${v.case})` : ''}${v.id ? `  {${v.id}}` : ''}`);
    const next = findings[i + 1];
    if (next && next.request === v.request && next.response === v.response) return;
    if (v.request) {
      const sent = v.request.body !== undefined ? `  body ${body(v.request.body)}` : '';
      lines.push(`      request:  ${v.request.method} ${clip(v.request.url, 300)}${sent}`);
    }
    if (v.response) {
      lines.push(`      response: ${v.response.status} ${v.response.contentType ?? '(no content type)'}  ${body(v.response.text)}`);
    }
    if (v.curl) lines.push(`      reproduce: ${clip(v.curl, 600)}`);
  });
  return lines;
}

export function formatResult(result: CheckResult): string {
  const label = LABEL[result.status].padEnd(WIDTH);
  if (result.status === 'not run' || result.status === 'not applicable') return `${label}${result.name} — ${result.reason ?? ''}`;
  const requests = result.requests === 1 ? '1 request' : `${result.requests} requests`;
  const detail = result.requests > 0 ? ` (${requests}, ${result.durationMs} ms)` : '';
  const lines = [`${label}${result.name}${detail}${result.note ? ` — ${result.note}` : ''}`];
  lines.push(...formatFindings(result.findings.slice(0, MAX_SHOWN)));
  if (result.findings.length > MAX_SHOWN) lines.push(`    … and ${result.findings.length - MAX_SHOWN} more findings (all in --json)`);
  return lines.join('\n');
}

export function formatHeader(report: RunHeader): string {
  const o = report.options;
  const flags = [
    `rate ${o.ratePerSecond}/s`,
    `timeout ${o.timeoutMs} ms`,
    o.readOnly ? 'read-only' : undefined,
    o.stateless ? 'stateless' : undefined,
    o.webhookReceiver ? `webhook receiver ${o.webhookReceiver}${o.webhookUrl ? ` (the target posts to ${o.webhookUrl})` : ''}` : 'no webhook receiver',
  ].filter(Boolean);
  return [
    `chatapi-contract: ${report.target} against ${report.description.title} ${report.description.version}`,
    `run ${report.runId}: ids ${report.idPrefix}*; ${flags.join(', ')}`,
    `phases ${o.phases.join(', ')}; seed ${o.seed} (replay with --seed ${o.seed}); ${o.maxExamples} examples per operation${o.maxResponseTimeMs !== undefined ? `; response-time limit ${o.maxResponseTimeMs} ms` : ''}`,
    '',
  ].join('\n');
}

export function formatSummary(report: RunReport): string {
  const s = report.summary;
  const lines = [
    '',
    `Summary: ${s.total} checks: ${s.passed} passed, ${s.failed} failed, ${s.notRun} not run, ${s.notApplicable} not applicable (${(report.durationMs / 1000).toFixed(1)} s)`,
  ];
  const failed = report.checks.filter((c) => c.status === 'failed');
  if (failed.length > 0) {
    lines.push('Failed:');
    for (const c of failed) lines.push(`  - ${c.name}: ${c.findings[0]?.message ?? ''}${c.findings.length > 1 ? ` (+${c.findings.length - 1} more)` : ''}`);
  }
  if (report.warnings.length > 0) {
    lines.push('Warnings:');
    for (const w of report.warnings) lines.push(`  - ${w}`);
  }
  if (!report.complete) lines.push(`The run did not complete: ${report.incomplete ?? 'unknown reason'}`);
  const verdict = report.exitCode === 0 ? 'PASSED' : report.exitCode === 1 ? 'FAILED: the target breaks the contract' : 'INCOMPLETE';
  lines.push(`Result: ${verdict} (exit ${report.exitCode})`);
  return lines.join('\n');
}
