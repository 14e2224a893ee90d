// Releases of the description. The bundle of every release is kept in openapi/releases/<info.version>.json,
// so that the description can be compared with what the last release promised:
//   - the gate (run by `npm test`): a change that breaks the apps or the webhook receivers needs
//     info.version raised to a new major (a new minor below 1.0.0, as semver allows);
//   - `npm run release:description`: checks the gate, writes the new release's section at the top
//     of openapi/CHANGELOG.md from the diff, and keeps the new bundle in openapi/releases/.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { diffSides, type DiffResult } from './index.js';
import type { Finding } from './findings.js';
import { bundledSide, DiffInputError, loadSide, Scratch, type DescriptionSide } from './load.js';
import { bundleWithRedocly } from './redocly.js';
import { markdownTable } from './report.js';

export const RELEASES_DIR = 'openapi/releases';
export const CHANGELOG = 'openapi/CHANGELOG.md';
export const SOURCE_ROOT = 'openapi/openapi.yaml';

type Version = [number, number, number];

export function parseVersion(text: string): Version | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export interface Release {
  version: string;
  file: string;
}

/** The kept releases, oldest first. */
export function releases(dir = RELEASES_DIR): Release[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, version: parseVersion(name.replace(/\.json$/, '')) }))
    .filter((entry): entry is { name: string; version: Version } => entry.name.endsWith('.json') && entry.version !== undefined)
    .sort((a, b) => compareVersions(a.version, b.version))
    .map(({ name }) => ({ version: name.replace(/\.json$/, ''), file: join(dir, name) }));
}

/** The version a breaking change needs after `released`: the next major (the next minor before 1.0.0). */
export function breakingVersion(released: string): string {
  const [major, minor] = parseVersion(released) ?? [0, 0, 0];
  return major === 0 ? `0.${minor + 1}.0` : `${major + 1}.0.0`;
}

export interface GateVerdict {
  ok: boolean;
  /** Why not, in one paragraph. */
  reason?: string;
  breaking: Finding[];
}

/** Whether the new side keeps what the released (old) side promised, given its info.version. */
export function releaseGate(result: DiffResult): GateVerdict {
  const breaking = result.findings.filter((f) => f.level === 'breaking');
  const released = parseVersion(result.old.version);
  const current = parseVersion(result.new.version);
  if (!released) return { ok: false, breaking, reason: `the release's info.version ${JSON.stringify(result.old.version)} is not a semantic version` };
  if (!current) return { ok: false, breaking, reason: `info.version ${JSON.stringify(result.new.version)} is not a semantic version (MAJOR.MINOR.PATCH)` };
  if (compareVersions(current, released) < 0) return { ok: false, breaking, reason: `info.version ${result.new.version} is lower than the last release, ${result.old.version}` };
  const needed = parseVersion(breakingVersion(result.old.version))!;
  if (breaking.length > 0 && compareVersions(current, needed) < 0) {
    return {
      ok: false,
      breaking,
      reason:
        `${breaking.length} change${breaking.length > 1 ? 's' : ''} since release ${result.old.version} break${breaking.length > 1 ? '' : 's'} what it promised, ` +
        `but info.version is ${result.new.version}: undo ${breaking.length > 1 ? 'them' : 'it'}, or raise info.version to ${breakingVersion(result.old.version)}.`,
    };
  }
  return { ok: true, breaking };
}

/** The description now: the working tree's source, bundled (or an existing bundle of it). */
async function currentSide(options: ReleaseOptions, scratch: Scratch): Promise<{ side: DescriptionSide; bundle: string }> {
  const bundle = options.bundle ?? scratch.path('current.json');
  if (!options.bundle) await bundleWithRedocly(options.sourceRoot, bundle);
  return { side: bundledSide(bundle, options.sourceRoot), bundle };
}

const LEVEL_HEADINGS = [
  ['breaking', 'Breaking'],
  ['warning', 'Warnings'],
  ['info', 'Other changes'],
] as const;

/** The CHANGELOG section of a release, from the diff against the previous one. */
export function changelogSection(version: string, date: string, result: DiffResult | undefined): string {
  const lines = [`## ${version} — ${date}`, ''];
  if (!result) {
    lines.push('The first release of the description kept in `openapi/releases/`: the baseline later releases are compared with.');
  } else if (result.findings.length === 0) {
    lines.push(`Compared with ${result.old.version}: no change to what the description promises (wording, examples or docs only).`);
  } else {
    const c = result.counts;
    lines.push(`Compared with ${result.old.version} by \`chatapi-contract diff\`: ${c.breaking} breaking, ${c.warning} warning${c.warning === 1 ? '' : 's'}, ${c.info} other.`);
    for (const [level, title] of LEVEL_HEADINGS) {
      const findings = result.findings.filter((f) => f.level === level);
      if (findings.length > 0) lines.push('', `### ${title}`, '', markdownTable(findings));
    }
  }
  return `${lines.join('\n')}\n`;
}

const CHANGELOG_HEAD = `# Changelog of the Chat API description

Written by \`npm run release:description\` from \`chatapi-contract diff\` between each release and the
one before it. Each release's bundle is kept in \`openapi/releases/<version>.json\`; \`npm test\` fails
when the description breaks what the last one promised and \`info.version\` was not raised to a new
major. Levels and rules: \`diff/README.md\`.
`;

/** Puts a section above the newest one (after the file's introduction). */
export function withSection(changelog: string | undefined, section: string): string {
  const text = changelog ?? CHANGELOG_HEAD;
  const first = text.search(/^## /m);
  return first < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, first)}${section}\n${text.slice(first)}`;
}

export interface ReleaseOptions {
  sourceRoot: string;
  releasesDir: string;
  changelog: string;
  date: string;
  /** A bundle already made from sourceRoot (else Redocly bundles it). */
  bundle?: string;
  dryRun?: boolean;
}

export interface ReleaseOutcome {
  code: number;
  message: string;
  section?: string;
}

export async function releaseDescription(options: ReleaseOptions): Promise<ReleaseOutcome> {
  const scratch = new Scratch();
  try {
    const { side, bundle } = await currentSide(options, scratch);
    const version = side.document.info.version;
    if (!parseVersion(version)) return { code: 2, message: `info.version ${JSON.stringify(version)} is not a semantic version (MAJOR.MINOR.PATCH)` };
    const previous = releases(options.releasesDir).at(-1);
    let result: DiffResult | undefined;
    if (previous) {
      if (compareVersions(parseVersion(version)!, parseVersion(previous.version)!) <= 0) {
        return { code: 2, message: `info.version is ${version} and the last release is ${previous.version}: raise info.version in ${options.sourceRoot} first.` };
      }
      result = diffSides(await loadSide(previous.file, scratch, 'old'), side);
      const verdict = releaseGate(result);
      if (!verdict.ok) return { code: 1, message: `Not released: ${verdict.reason}\n${verdict.breaking.map((f) => `  ${f.rule}: ${f.message}`).join('\n')}` };
    }
    const section = changelogSection(version, options.date, result);
    const target = join(options.releasesDir, `${version}.json`);
    if (!options.dryRun) {
      mkdirSync(options.releasesDir, { recursive: true });
      copyFileSync(bundle, target);
      writeFileSync(options.changelog, withSection(existsSync(options.changelog) ? readFileSync(options.changelog, 'utf8') : undefined, section));
    }
    return { code: 0, message: `${options.dryRun ? 'Would release' : 'Released'} description ${version}: ${target} and ${options.changelog}.`, section };
  } catch (error) {
    if (error instanceof DiffInputError) return { code: 2, message: error.message };
    throw error;
  } finally {
    scratch.dispose();
  }
}

const USAGE = `Usage: npm run release:description -- [--date YYYY-MM-DD] [--dry-run]

Releases the description at its current info.version: checks it against the last release in
${RELEASES_DIR}/ (a breaking change needs a new major), writes the release's section at the top of
${CHANGELOG} and keeps its bundle as ${RELEASES_DIR}/<version>.json. --dry-run prints the section only.`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { date: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const date = values.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    console.error(`--date must be YYYY-MM-DD, not ${JSON.stringify(date)}`);
    return 2;
  }
  const outcome = await releaseDescription({ sourceRoot: SOURCE_ROOT, releasesDir: RELEASES_DIR, changelog: CHANGELOG, date, dryRun: values['dry-run'] });
  if (outcome.section && values['dry-run']) console.log(outcome.section);
  (outcome.code === 0 ? console.log : console.error)(outcome.message);
  return outcome.code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
