// What judged traffic adds up to, in the shapes the contract command writes: a check per operation
// the traffic reached (its findings), one for requests no operation matches, one for deliveries that
// never came; the coverage (operations with their statuses, reply types, webhook reasons); and the
// console's lines. The report files are the contract command's (JSON, JUnit) and a HAR.
import { describeOperation, type OperationSpec } from '../description/operations.js';
import type { CheckResult } from '../contract/engine/check.js';
import type { Finding } from '../contract/engine/findings.js';
import { formatFindings } from '../contract/engine/reporters/console.js';
import { summarize, type Summary } from '../contract/engine/report.js';
import { toolVersion } from '../contract/engine/run.js';
import type { Coverage, TrafficJudge, TrafficTally } from './judge.js';

export interface TrafficReport {
  tool: { name: string; version: string };
  description: { title: string; version: string };
  /** What was judged: the upstream the proxy stood before, or the HAR files. */
  target: string;
  mode: 'proxy' | 'verify-har';
  startedAt: string;
  durationMs: number;
  complete: true;
  exitCode: 0 | 1;
  summary: Summary;
  /** Exchanges seen, judged (the API's), and passed through unjudged (pages, assets, cut short, unanswered). */
  traffic: TrafficTally;
  coverage: Coverage;
  /** Promised deliveries still inside their window at the end (neither missing nor arrived). */
  pendingDeliveries: string[];
  checks: CheckResult[];
}

function check(id: string, name: string, suite: string, findings: Finding[], operations: string[], requests: number): CheckResult {
  return { id, name, suite, status: findings.length > 0 ? 'failed' : 'passed', durationMs: 0, intended: operations, exercised: operations, succeeded: [], requests, findings };
}

export function trafficReport(judge: TrafficJudge, context: { operations: readonly OperationSpec[]; description: { title: string; version: string }; target: string; mode: TrafficReport['mode']; startedAt: Date }): TrafficReport {
  const checks: CheckResult[] = [];
  for (const op of context.operations) {
    const tally = judge.operations.get(op.operationId);
    if (!tally) continue;
    const label = op.kind === 'webhook' ? `${tally.exchanges} deliveries` : `${tally.exchanges} exchanges`;
    checks.push(check(`traffic/${op.operationId}`, `${describeOperation(op)}: ${label}`, op.kind === 'webhook' ? 'webhook' : 'traffic', tally.findings, [op.operationId], tally.exchanges));
  }
  const { unmatched } = judge;
  if (unmatched.exchanges > 0) checks.push(check('traffic/unmatched', `requests no operation of the description matches: ${unmatched.exchanges}`, 'traffic', unmatched.findings, [], unmatched.exchanges));
  if (judge.standalone.length > 0) checks.push(check('traffic/deliveries', 'every async reply delivered to the webhook, once', 'webhook', judge.standalone, [], 0));
  const summary = summarize(checks);
  return {
    tool: { name: 'chatapi-contract', version: toolVersion() },
    description: context.description,
    target: context.target,
    mode: context.mode,
    startedAt: context.startedAt.toISOString(),
    durationMs: Date.now() - context.startedAt.getTime(),
    complete: true,
    exitCode: summary.failed > 0 ? 1 : 0,
    summary,
    traffic: { ...judge.tally },
    coverage: judge.coverage(),
    pendingDeliveries: judge.pending(),
    checks,
  };
}

/** One line for a finding as it is made: `[code] METHOD url → status: message`. */
export function findingLine(finding: Finding): string {
  const request = finding.request ? ` ${finding.request.method} ${finding.request.url.length > 160 ? `${finding.request.url.slice(0, 160)}…` : finding.request.url}` : '';
  const status = finding.response ? ` → ${finding.response.status}` : '';
  return `[${finding.code}]${request}${status}: ${finding.message}${finding.id ? `  {${finding.id}}` : ''}`;
}

export function formatTrafficSummary(report: TrafficReport): string {
  const { judged, outside, clientClosed, unanswered, deliveries } = report.traffic;
  const lines = ['', `Traffic: ${judged} exchanges judged (${outside} outside the API passed through, ${clientClosed} cut short by the client${unanswered > 0 ? `, ${unanswered} the service never answered` : ''}), ${deliveries} webhook deliveries`];
  lines.push('Coverage:');
  for (const [operationId, statuses] of Object.entries(report.coverage.statuses)) {
    lines.push(`  ${operationId}: ${Object.entries(statuses).map(([status, n]) => `${status} ×${n}`).join(', ')}`);
  }
  const labels = Object.entries(report.coverage.labels).sort(([a], [b]) => a.localeCompare(b));
  if (labels.length > 0) lines.push(`  seen: ${labels.map(([label, n]) => `${label} ×${n}`).join(', ')}`);
  if (report.coverage.unexercised.length > 0) lines.push(`  never reached: ${report.coverage.unexercised.join(', ')}`);
  if (report.pendingDeliveries.length > 0) lines.push(`  async replies still within their window: ${report.pendingDeliveries.length}`);
  const failed = report.checks.filter((c) => c.status === 'failed');
  if (failed.length > 0) {
    lines.push('Findings:');
    for (const c of failed) {
      lines.push(`  ${c.name}`);
      lines.push(...formatFindings(c.findings.slice(0, 8)));
      if (c.findings.length > 8) lines.push(`    … and ${c.findings.length - 8} more (all in --json)`);
    }
  }
  lines.push(`Result: ${report.exitCode === 0 ? 'no contract break in the traffic' : 'the traffic breaks the contract'} (exit ${report.exitCode})`);
  return lines.join('\n');
}
