// `npm run bench:diff`: what `chatapi-contract diff` covers and costs, measured in one run.
//   1. the rule corpus: pairs, rules, rules covered;
//   2. this repository's history: every commit that touched openapi/ against its first parent,
//      what the diff reports (and, side by side, how many `major` changes Redocly's experimental
//      diff reports with diff-recommended);
//   3. time of a diff on the bundle (the last release against dist/openapi.json): in process,
//      as a command (`chatapi-contract diff`, from build/), Redocly's `diff` on the same files, and
//      `--base HEAD` (two Redocly bundles and a worktree).
// Needs `npm run build`. Writes reports/bench/DIFF.md (and bench/DIFF.md with BENCH_RECORD=1).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BUNDLE_JSON, packageRoot, type OpenApiDocument } from '../description/bundle.js';
import { diffDocuments, RULE_IDS, type Finding } from '../diff/index.js';
import { withWorktree } from '../diff/git-ref.js';
import { bundleWithRedocly } from '../diff/redocly.js';
import { releases } from '../diff/release.js';
import { writeBenchResults } from './lib/results.js';

const root = packageRoot();
const scratch = mkdtempSync(join(tmpdir(), 'chatapi-bench-diff-'));
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

function corpus(): string {
  const dir = join(root, 'test', 'diff', 'corpus');
  const pairs = readdirSync(dir);
  const expected = pairs.flatMap((pair) => parse(readFileSync(join(dir, pair, 'expected.yaml'), 'utf8')) as { rule: string }[]);
  const covered = new Set(expected.map((f) => f.rule));
  const missing = RULE_IDS.filter((rule) => !covered.has(rule));
  return [
    '## The rule corpus',
    '',
    `${pairs.length} before/after pairs in test/diff/corpus/ pin ${expected.length} findings; ${covered.size} of the ${RULE_IDS.length} rules are covered${missing.length ? ` (missing: ${missing.join(', ')})` : ''}; ${pairs.filter((p) => (parse(readFileSync(join(dir, p, 'expected.yaml'), 'utf8')) as unknown[]).length === 0).length} pairs expect no finding.`,
  ].join('\n');
}

/** The bundle of openapi/ at a commit (cached), made by Redocly in a temporary worktree with that commit's own config. */
const bundles = new Map<string, string>();
async function bundleAt(commit: string): Promise<string> {
  let file = bundles.get(commit);
  if (!file) {
    const output = join(scratch, `${commit}.json`);
    await withWorktree(root, commit, (tree) => bundleWithRedocly(join(tree, 'openapi', 'openapi.yaml'), output));
    bundles.set(commit, (file = output));
  }
  return file;
}

function redoclyMajors(before: string, after: string): number {
  const config = join(scratch, 'redocly-diff.yaml');
  writeFileSync(config, 'extends:\n  - diff-recommended\n');
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'redocly.mjs'), 'diff', before, after, '--config', config, '--format', 'json', '--fail-on', 'none'], { encoding: 'utf8' });
  return (JSON.parse(run.stdout) as { summary: { major: number } }).summary.major;
}

const tally = (findings: Finding[]) => `${findings.filter((f) => f.level === 'breaking').length} / ${findings.filter((f) => f.level === 'warning').length} / ${findings.filter((f) => f.level === 'info').length}`;

function breakdown(findings: Finding[]): string {
  const byRule = new Map<string, number>();
  for (const f of findings.filter((f) => f.level !== 'info')) byRule.set(`${f.rule} (${f.who})`, (byRule.get(`${f.rule} (${f.who})`) ?? 0) + 1);
  return [...byRule].map(([rule, n]) => (n > 1 ? `${rule} ×${n}` : rule)).join(', ') || '—';
}

async function history(): Promise<string> {
  const commits = git('log', '--format=%h %p|%s', '--', 'openapi/').split('\n').reverse();
  const rows: string[] = [];
  for (const line of commits) {
    const [hashes = '', ...text] = line.split('|');
    const [sha = '', parent, ...otherParents] = hashes.trim().split(' ');
    const subject = `${otherParents.length > 0 ? '(merge, against its first parent) ' : ''}${text.join('|').slice(0, 70).replace(/\|/g, '/')}`;
    if (!parent || spawnSync('git', ['cat-file', '-e', `${parent}:openapi/openapi.yaml`], { cwd: root }).status !== 0) {
      rows.push(`| ${sha} | ${subject}… | (creates the description) | | |`);
      continue;
    }
    const [before, after] = [await bundleAt(parent), await bundleAt(sha)];
    const findings = diffDocuments(JSON.parse(readFileSync(before, 'utf8')) as OpenApiDocument, JSON.parse(readFileSync(after, 'utf8')) as OpenApiDocument);
    rows.push(`| ${sha} | ${subject}… | ${tally(findings)} | ${breakdown(findings)} | ${redoclyMajors(before, after)} |`);
  }
  return [
    "## This repository's history",
    '',
    'Each commit that touched openapi/ (`git log -- openapi/`, oldest first) against its (first) parent, both bundled by Redocly from their own worktree. Columns: breaking / warning / info findings; the breaking and warning rules (who breaks); the `major` changes Redocly 2.77 `diff` (diff-recommended) reports for the same pair.',
    '',
    '| commit | subject | ours: B / W / I | breaking and warning rules | Redocly majors |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function timeCommand(command: string, args: string[], runs: number): { median: number; code: number | null } {
  const times: number[] = [];
  let code: number | null = null;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    code = spawnSync(command, args, { cwd: root, stdio: 'ignore', env: { ...process.env, REDOCLY_TELEMETRY: 'off' } }).status;
    times.push(performance.now() - started);
  }
  return { median: median(times), code };
}

async function timing(): Promise<string> {
  const release = releases(join(root, 'openapi', 'releases')).at(-1)!.file;
  const oldDoc = JSON.parse(readFileSync(release, 'utf8')) as OpenApiDocument;
  const newDoc = JSON.parse(readFileSync(BUNDLE_JSON, 'utf8')) as OpenApiDocument;
  const inProcess: number[] = [];
  let findings = 0;
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    findings = diffDocuments(oldDoc, newDoc).length;
    inProcess.push(performance.now() - started);
  }
  // A change in a widely shared schema, so that the source map is built and used too.
  const changed = structuredClone(newDoc);
  const schemas = changed.components!.schemas as Record<string, { properties: Record<string, unknown> }>;
  delete schemas.ChatResponse!.properties.blockForm;
  const changedFile = join(scratch, 'changed.json');
  writeFileSync(changedFile, JSON.stringify(changed, null, 2));
  const config = join(scratch, 'redocly-diff.yaml');
  writeFileSync(config, 'extends:\n  - diff-recommended\n');
  const cli = join(root, 'bin', 'chatapi-contract.js');
  const ours = timeCommand(process.execPath, [cli, 'diff', release, changedFile], 5);
  const redocly = timeCommand(process.execPath, [join(root, 'scripts', 'redocly.mjs'), 'diff', release, changedFile, '--config', config, '--fail-on', 'none'], 5);
  const base = timeCommand(process.execPath, [cli, 'diff', '--base', 'HEAD'], 3);
  return [
    '## Time of a diff on the bundle',
    '',
    `The last release (${release.slice(root.length + 1)}) against dist/openapi.json (${(JSON.stringify(newDoc).length / 1024).toFixed(0)} KiB as compact JSON, ${findings} findings), and against a copy with \`ChatResponse.blockForm\` removed (shared by 3 responses and the webhook: 2 findings, each with its source line from the release file). The machine is shared: compare the ratio, measured side by side, more than the figures.`,
    '',
    '| what | median |',
    '| --- | --- |',
    `| in process: \`diffDocuments\` on the two parsed bundles (30 runs) | ${ms(median(inProcess))} |`,
    `| \`chatapi-contract diff RELEASE CHANGED\` (build/, a process, with the source lines; 5 runs, exit ${ours.code}) | ${ms(ours.median)} |`,
    `| \`redocly diff RELEASE CHANGED\` with diff-recommended (a process; 5 runs) | ${ms(redocly.median)} |`,
    `| ratio, ours / Redocly's | ${(ours.median / redocly.median).toFixed(2)} |`,
    `| \`chatapi-contract diff --base HEAD\` (a worktree, two Redocly bundles; 3 runs, exit ${base.code}) | ${ms(base.median)} |`,
  ].join('\n');
}

try {
  const sections = [`# chatapi-contract diff: coverage, history, time`, '', `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform}, Node ${process.version}.`, '', corpus(), '', await history(), '', await timing(), ''];
  const markdown = sections.join('\n');
  console.log(markdown);
  for (const file of writeBenchResults('DIFF.md', markdown)) console.error(`written: ${file}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
