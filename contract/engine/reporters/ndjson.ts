// NDJSON: the run as one JSON value per line (the run's header, every check, every finding with the
// check it belongs to, the summary), for a QA pipeline to store, grep and load line by line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunReport } from '../report.js';

export function ndjsonLines(report: RunReport): string[] {
  const { checks, summary, notices, warnings, ...header } = report;
  const lines: unknown[] = [{ type: 'run', ...header }];
  for (const { findings, ...check } of checks) {
    lines.push({ type: 'check', ...check, findings: findings.length });
    for (const finding of findings) lines.push({ type: 'finding', checkId: check.id, ...finding });
  }
  for (const text of notices) lines.push({ type: 'notice', text });
  for (const text of warnings) lines.push({ type: 'warning', text });
  lines.push({ type: 'summary', ...summary, complete: report.complete, exitCode: report.exitCode, ...(report.incomplete ? { incomplete: report.incomplete } : {}) });
  return lines.map((line) => JSON.stringify(line));
}

export function writeNdjsonReport(file: string, report: RunReport): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${ndjsonLines(report).join('\n')}\n`);
}
