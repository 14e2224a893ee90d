// The diff's report in each format the command offers: text for a terminal, markdown for a pull
// request or the CHANGELOG, json for scripts, junit for CI test reports, github for GitHub Actions
// annotations on the changed lines.
import { XMLBuilder } from 'fast-xml-parser';
import type { Finding } from './findings.js';
import type { DiffResult } from './index.js';
import { atLeast, type Level } from './rules.js';

export const FORMATS = ['text', 'markdown', 'json', 'junit', 'github'] as const;
export type Format = (typeof FORMATS)[number];

const WHO_TEXT = { caller: 'caller: the app calling the API', receiver: 'receiver: the back end receiving webhooks' } as const;
const where = (f: Finding) => (f.source ? `${f.source.file}:${f.source.line}` : '(no source line)');
const summaryLine = (r: DiffResult) => `${r.counts.breaking} breaking, ${r.counts.warning} warning${r.counts.warning === 1 ? '' : 's'}, ${r.counts.info} info`;
const heading = (r: DiffResult) => `${r.old.label} (${r.old.version}) → ${r.new.label} (${r.new.version})`;

export function textReport(result: DiffResult): string {
  const lines = [heading(result), ''];
  for (const f of result.findings) {
    lines.push(`${f.level.toUpperCase().padEnd(8)} ${f.rule} (${WHO_TEXT[f.who]})`);
    lines.push(`  ${f.message}`);
    lines.push(`  ${where(f)}  ${f.pointer} (${f.side})`);
    lines.push(`  in ${f.operations.join(', ')}`);
    lines.push('');
  }
  if (result.findings.length === 0) lines.push('No change to what the description promises.', '');
  lines.push(summaryLine(result));
  return lines.join('\n');
}

/** `|` and line breaks would end a table cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function markdownTable(findings: readonly Finding[]): string {
  const rows = findings.map((f) => `| ${f.level} | \`${f.rule}\` | ${f.who} | ${cell(f.message)} | \`${cell(where(f))}\` |`);
  return ['| level | rule | breaks | change | source |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export function markdownReport(result: DiffResult): string {
  const parts = [`**Description diff** ${cell(heading(result))}: ${summaryLine(result)}.`];
  if (result.findings.length > 0) parts.push('', markdownTable(result.findings));
  return parts.join('\n');
}

export function jsonReport(result: DiffResult): string {
  const findings = result.findings.map((f) => ({
    rule: f.rule,
    level: f.level,
    who: f.who,
    message: f.message,
    pointer: f.pointer,
    side: f.side,
    source: f.source ?? null,
    operations: f.operations,
  }));
  return JSON.stringify({ old: result.old, new: result.new, summary: result.counts, findings }, null, 2);
}

/** XML 1.0 forbids most control characters even escaped. */
// eslint-disable-next-line no-control-regex
const xmlText = (text: string) => text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');

/** A testcase per finding: a failure when it reaches `--fail-on`, a passed case that says what it is otherwise. */
export function junitReport(result: DiffResult, failOn: Level): string {
  const failing = result.findings.filter((f) => atLeast(f.level, failOn));
  const cases = result.findings.map((f) => {
    const detail = xmlText(`${f.message}\n${WHO_TEXT[f.who]}\nat: ${where(f)} ${f.pointer} (${f.side})\nin: ${f.operations.join(', ')}`);
    const node: Record<string, unknown> = { '@_name': xmlText(`${f.rule} ${f.pointer}`), '@_classname': `chatapi-contract.diff.${f.level}`, '@_time': '0' };
    if (atLeast(f.level, failOn)) node.failure = { '@_message': xmlText(f.message), '@_type': f.rule, '#text': detail };
    else node['system-out'] = detail;
    return node;
  });
  if (cases.length === 0) cases.push({ '@_name': 'no change to what the description promises', '@_classname': 'chatapi-contract.diff', '@_time': '0' });
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  const suite = { '@_name': xmlText(`chatapi-contract diff ${heading(result)}`), '@_tests': cases.length, '@_failures': failing.length, '@_errors': 0, '@_skipped': 0, '@_time': '0', testcase: cases };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ testsuites: { '@_name': 'chatapi-contract diff', '@_tests': cases.length, '@_failures': failing.length, testsuite: suite } }) as string}`;
}

/** GitHub Actions workflow commands: data escapes %, CR, LF; properties also `:` and `,`. */
const ghData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const ghProperty = (text: string) => ghData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
const GH_COMMAND: Record<Level, string> = { breaking: 'error', warning: 'warning', info: 'notice' };

export function githubReport(result: DiffResult): string {
  const lines = result.findings.map((f) => {
    const location = f.source ? `file=${ghProperty(f.source.file)},line=${f.source.line},` : '';
    return `::${GH_COMMAND[f.level]} ${location}title=${ghProperty(`${f.rule} (${f.who})`)}::${ghData(`${f.message} In ${f.operations.join(', ')}. ${f.pointer}`)}`;
  });
  lines.push(summaryLine(result));
  return lines.join('\n');
}

export function report(result: DiffResult, format: Format, failOn: Level): string {
  switch (format) {
    case 'text':
      return textReport(result);
    case 'markdown':
      return markdownReport(result);
    case 'json':
      return jsonReport(result);
    case 'junit':
      return junitReport(result, failOn);
    case 'github':
      return githubReport(result);
  }
}
