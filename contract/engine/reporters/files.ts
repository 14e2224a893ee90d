// The report files: JSON (the whole RunReport) and JUnit XML (a testsuite per kind of check, a
// testcase per check, a failure listing its violations with request and response), built with
// fast-xml-parser's XMLBuilder, which escapes attributes and text.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { XMLBuilder } from 'fast-xml-parser';
import type { CheckResult } from '../check.js';
import type { RunReport } from '../report.js';
import { formatFindings } from './console.js';

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export function writeJsonReport(file: string, report: object): void {
  write(file, `${JSON.stringify(report, null, 2)}\n`);
}

/** XML 1.0 forbids most control characters even escaped: drop them from text taken off the wire. */
function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(result: CheckResult): Record<string, unknown> {
  const node: Record<string, unknown> = {
    '@_name': xmlText(result.name),
    '@_classname': `chatapi-contract.${result.suite}`,
    '@_time': seconds(result.durationMs),
  };
  if (result.status === 'failed') {
    node.failure = {
      '@_message': xmlText(result.findings[0]?.message ?? 'failed'),
      '@_type': result.error ? 'incomplete' : (result.findings[0]?.code ?? 'contract-violation'),
      '#text': xmlText(formatFindings(result.findings).join('\n')),
    };
  } else if (result.status === 'not run' || result.status === 'not applicable') {
    node.skipped = { '@_message': xmlText(`${result.status}: ${result.reason ?? ''}`) };
  }
  return node;
}

/** The parts of a report JUnit shows (a contract run's, or judged traffic's). */
export type JunitSource = Pick<RunReport, 'target' | 'startedAt' | 'durationMs' | 'complete' | 'incomplete' | 'summary' | 'checks'>;

export function junitXml(report: JunitSource): string {
  // Suites in the order their first check ran: phase by phase.
  const names = [...new Set(report.checks.map((c) => c.suite))];
  const suites = names
    .map((name) => report.checks.filter((c) => c.suite === name))
    .filter((checks) => checks.length > 0)
    .map((checks) => ({
      '@_name': `chatapi-contract ${checks[0]!.suite}`,
      '@_tests': checks.length,
      '@_failures': checks.filter((c) => c.status === 'failed').length,
      '@_errors': 0,
      '@_skipped': checks.filter((c) => c.status === 'not run' || c.status === 'not applicable').length,
      '@_time': seconds(checks.reduce((sum, c) => sum + c.durationMs, 0)),
      '@_timestamp': report.startedAt.replace(/\.\d+Z$/, ''),
      testcase: checks.map(testcase),
    }));
  if (!report.complete) {
    // A run that did not complete must not read as green in CI, even with no failed check.
    suites.push({
      '@_name': 'chatapi-contract run',
      '@_tests': 1,
      '@_failures': 0,
      '@_errors': 1,
      '@_skipped': 0,
      '@_time': seconds(report.durationMs),
      '@_timestamp': report.startedAt.replace(/\.\d+Z$/, ''),
      testcase: [
        {
          '@_name': 'the run completed',
          '@_classname': 'chatapi-contract.run',
          '@_time': seconds(report.durationMs),
          error: { '@_message': xmlText(report.incomplete ?? 'the run did not complete'), '@_type': 'incomplete' },
        },
      ],
    });
  }
  const s = report.summary;
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  const xml = builder.build({
    testsuites: {
      '@_name': xmlText(`chatapi-contract ${report.target}`),
      '@_tests': s.total + (report.complete ? 0 : 1),
      '@_failures': s.failed,
      '@_errors': report.complete ? 0 : 1,
      '@_skipped': s.notRun + s.notApplicable,
      '@_time': seconds(report.durationMs),
      testsuite: suites,
    },
  }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}

export function writeJunitReport(file: string, report: JunitSource): void {
  write(file, junitXml(report));
}
