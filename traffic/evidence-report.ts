// The evidence report as Markdown, for people (a pull request, an issue, a team's wiki): contradicted
// marks first, with a few concrete examples each, then confirmed, then never exercised. `inferred`
// and `observed` marks are listed one by one (they are the guesses the traffic can settle);
// `documented` ones only by name unless the traffic contradicts them.
import type { ContradictionGroup, EvidenceReport, MarkEvidence, Verdict } from './evidence.js';
import { LEVELS } from './provenance.js';

const HEADINGS: Record<Verdict, string> = { contradicted: 'Contradicted', confirmed: 'Confirmed', unexercised: 'Never exercised' };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
/** Markdown's own characters in text taken from the traffic (member names, values). */
const prose = (text: string) => text.replace(/([\\*[\]<>|])/g, '\\$1');

function where(mark: MarkEvidence): string {
  const parts = [mark.route, mark.source ? code(mark.source) : undefined].filter((p): p is string => p !== undefined);
  return `${mark.kind} ${code(mark.name)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

function counts(mark: MarkEvidence): string {
  if (mark.verdict === 'unexercised') return 'never exercised';
  const statuses = Object.entries(mark.statuses ?? {}).map(([status, n]) => `${status} ×${n}`).join(', ');
  const exercised =
    mark.kind === 'operation'
      ? `${plural(mark.exercised, mark.route?.startsWith('webhook') ? 'delivery' : 'exchange', mark.route?.startsWith('webhook') ? 'deliveries' : 'exchanges')}${statuses ? ` (${statuses})` : ''}`
      : `${plural(mark.exercised, 'value')} in ${plural(mark.exchanges, 'exchange')}`;
  return mark.contradictions > 0 ? `${plural(mark.contradictions, 'contradiction')}, ${exercised}` : exercised;
}

function groupLines(group: ContradictionGroup): string[] {
  const place = group.at === '' ? group.in : `${group.in} at ${code(group.at)}`;
  const [first, ...rest] = group.examples;
  const lines = [`  - ${code(group.kind)} ×${group.count}, ${place}: ${prose(first?.message ?? '')}${first ? ` — ${code(first.request)}` : ''}`];
  for (const example of rest) lines.push(`    - also ${example.at === '' ? '' : `${code(example.at)}: `}${prose(example.message)} — ${code(example.request)}`);
  return lines;
}

function markLines(mark: MarkEvidence): string[] {
  // The note is the description's own Markdown (the docs render it): shown as written.
  const lines = [`- **${mark.level}** · ${where(mark)}: ${counts(mark)}. *${mark.note}*`];
  for (const group of mark.groups) lines.push(...groupLines(group));
  return lines;
}

export function formatEvidenceMarkdown(report: EvidenceReport): string {
  const { traffic, summary } = report;
  const lines = [
    '# Evidence for the description from recorded traffic',
    '',
    `${prose(report.description.title)} ${report.description.version}, from ${report.files.map(code).join(', ')} (${report.tool.name} ${report.tool.version}).`,
    '',
    `Traffic: ${plural(traffic.exchanges, 'exchange')} routed to an operation, ${plural(traffic.deliveries, 'webhook delivery', 'webhook deliveries')}, ${traffic.unmatched} under the API's paths matching no operation` +
      ` (${traffic.outside} outside the API passed over, ${traffic.clientClosed} cut short by the client). Walked through the schemas: ${plural(traffic.walked.responses, 'answer')}, ${plural(traffic.walked.requests, 'accepted request body', 'accepted request bodies')}, ${plural(traffic.walked.parameters, 'parameter')} of accepted requests, ${plural(traffic.walked.payloads, 'webhook payload')}.`,
    '',
    '| level | marks | contradicted | confirmed | never exercised |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...LEVELS.map((level) => {
      const c = summary.byLevel[level];
      return `| ${level} | ${c.contradicted + c.confirmed + c.unexercised} | ${c.contradicted} | ${c.confirmed} | ${c.unexercised} |`;
    }),
  ];
  for (const verdict of ['contradicted', 'confirmed', 'unexercised'] as const) {
    const marks = report.marks.filter((m) => m.verdict === verdict);
    if (marks.length === 0) continue;
    lines.push('', `## ${HEADINGS[verdict]} (${marks.length})`, '');
    const inFull = marks.filter((m) => verdict === 'contradicted' || m.level !== 'documented');
    for (const mark of inFull) lines.push(...markLines(mark));
    const brief = marks.filter((m) => !inFull.includes(m));
    if (brief.length > 0) lines.push(`- **documented**, ${HEADINGS[verdict].toLowerCase()}: ${brief.map((m) => `${code(m.name)}${verdict === 'confirmed' ? ` (${m.exercised})` : ''}`).join(', ')}`);
  }
  if (report.unmatched.length > 0) {
    lines.push('', `## Requests no operation of the description matches (${report.unmatched.length})`, '');
    for (const u of report.unmatched) lines.push(`- ${code(`${u.request} → ${u.status}`)} ×${u.count}${u.answered ? ': answered, so the service has an operation the description lacks' : ''}`);
  }
  const contradictedLevels = LEVELS.filter((level) => summary.byLevel[level].contradicted > 0).map((level) => `${summary.byLevel[level].contradicted} ${level}`);
  const answered = report.unmatched.filter((u) => u.answered).length;
  lines.push(
    '',
    report.exitCode === 0
      ? `Result: the traffic contradicts no mark of the description (exit 0).`
      : `Result: the traffic contradicts ${plural(summary.contradicted, 'mark')}${contradictedLevels.length > 0 ? ` (${contradictedLevels.join(', ')})` : ''}${answered > 0 ? `${summary.contradicted > 0 ? ' and' : ''} reaches ${plural(answered, 'operation')} the description lacks` : ''} (exit 1).`,
  );
  return lines.join('\n');
}
