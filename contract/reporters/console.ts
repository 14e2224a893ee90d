// The console output: one line per check as it finishes (with its violations under it), and a
// summary at the end. Plain text, no colours: it is read in CI logs as often as in terminals.
import type { CheckResult } from '../checks/types.js';
import type { CheckViolation } from '../conformance.js';
import type { RunReport } from '../report.js';

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
 * Violations with the request and response that showed them; consecutive violations of one
 * exchange share one request/response block.
 */
export function formatViolations(violations: readonly CheckViolation[]): string[] {
  const lines: string[] = [];
  violations.forEach((v, i) => {
    lines.push(`    - [${v.code}] ${v.message}${v.case ? `  (${v.case})` : ''}`);
    const next = violations[i + 1];
    if (next && next.request === v.request && next.response === v.response) return;
    if (v.request) {
      const sent = v.request.body !== undefined ? `  body ${body(v.request.body)}` : '';
      lines.push(`      request:  ${v.request.method} ${v.request.url}${sent}`);
    }
    if (v.response) {
      lines.push(`      response: ${v.response.status} ${v.response.contentType ?? '(no content type)'}  ${body(v.response.text)}`);
    }
    if (v.curl) lines.push(`      reproduce: ${v.curl}`);
  });
  return lines;
}

export function formatResult(result: CheckResult): string {
  const label = LABEL[result.status].padEnd(WIDTH);
  if (result.status === 'not run' || result.status === 'not applicable') return `${label}${result.name} — ${result.reason ?? ''}`;
  const requests = result.requests === 1 ? '1 request' : `${result.requests} requests`;
  const detail = result.requests > 0 ? ` (${requests}, ${result.durationMs} ms)` : '';
  const lines = [`${label}${result.name}${detail}${result.note ? ` — ${result.note}` : ''}`];
  lines.push(...formatViolations(result.violations.slice(0, MAX_SHOWN)));
  if (result.violations.length > MAX_SHOWN) lines.push(`    … and ${result.violations.length - MAX_SHOWN} more violations (all in --json)`);
  return lines.join('\n');
}

export function formatHeader(report: Pick<RunReport, 'description' | 'target' | 'runId' | 'clientIdPrefix' | 'options'>): string {
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
    `run ${report.runId}: clientIds ${report.clientIdPrefix}*; ${flags.join(', ')}`,
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
    for (const c of failed) lines.push(`  - ${c.name}: ${c.violations[0]?.message ?? ''}${c.violations.length > 1 ? ` (+${c.violations.length - 1} more)` : ''}`);
  }
  if (!report.complete) lines.push(`The run did not complete: ${report.incomplete ?? 'unknown reason'}`);
  const verdict = report.exitCode === 0 ? 'PASSED' : report.exitCode === 1 ? 'FAILED: the target breaks the contract' : 'INCOMPLETE';
  lines.push(`Result: ${verdict} (exit ${report.exitCode})`);
  return lines.join('\n');
}
