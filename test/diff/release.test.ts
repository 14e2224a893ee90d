// Issue 20: the description against its last release. The gate (a breaking change needs a new
// major info.version) is checked here on the working description, so that `npm test` fails when it
// breaks what openapi/releases/ promised; the gate's verdicts and `npm run release:description`
// (CHANGELOG section, kept bundle) are checked on small descriptions in a temporary folder.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUNDLE_JSON, packageRoot } from '../../description/bundle.js';
import { bundledSide, diffSides, loadSide, Scratch, type DescriptionSide } from '../../diff/index.js';
import { breakingVersion, changelogSection, releaseDescription, releaseGate, releases, RELEASES_DIR, SOURCE_ROOT, withSection } from '../../diff/release.js';
import { runCommand } from '../helpers/run-command.js';

const ROOT = packageRoot();
const CORPUS = join(ROOT, 'test', 'diff', 'corpus');

describe('the working description against its last release', () => {
  it('keeps what the last release promised, or raises info.version to a new major', async () => {
    const last = releases(join(ROOT, RELEASES_DIR)).at(-1)!;
    expect(last, 'openapi/releases/ keeps the last release').toBeDefined();
    const scratch = new Scratch();
    try {
      const result = diffSides(await loadSide(last.file, scratch, 'old'), bundledSide(BUNDLE_JSON, join(ROOT, SOURCE_ROOT)));
      const verdict = releaseGate(result);
      const listed = verdict.breaking.map((f) => `  ${f.rule} (${f.who}) ${f.source ? `${f.source.file}:${f.source.line}` : f.pointer}: ${f.message}`).join('\n');
      expect(verdict.ok, `${verdict.reason}\n${listed}\n(see \`npm run diff -- --base main\`, and diff/README.md for the rules)`).toBe(true);
    } finally {
      scratch.dispose();
    }
  });

  it('the kept release is a bundle of the description at that info.version', () => {
    for (const release of releases(join(ROOT, RELEASES_DIR))) {
      const document = JSON.parse(readFileSync(release.file, 'utf8'));
      expect(document.info.version).toBe(release.version);
      expect(JSON.stringify(document)).not.toContain('"$ref":"../'); // bundled: no reference to another file
    }
  });
});

/** A corpus pair's side with another info.version. */
async function side(pair: string, which: 'old' | 'new', version: string, scratch: Scratch): Promise<DescriptionSide> {
  const loaded = await loadSide(join(CORPUS, pair, `${which}.yaml`), scratch, which);
  return { ...loaded, document: { ...loaded.document, info: { ...loaded.document.info, version } } };
}

describe('the gate', () => {
  const scratch = new Scratch();
  afterEach(() => scratch.dispose());
  const verdict = async (pair: string, from: string, to: string) => releaseGate(diffSides(await side(pair, 'old', from, scratch), await side(pair, 'new', to, scratch)));

  it('refuses a breaking change without a new major, and says which version it needs', async () => {
    const refused = await verdict('received-properties', '1.0.0', '1.1.0');
    expect(refused.ok).toBe(false);
    expect(refused.breaking.map((f) => f.rule).sort()).toEqual(['received-property-became-optional', 'received-property-removed']);
    expect(refused.reason).toBe('2 changes since release 1.0.0 break what it promised, but info.version is 1.1.0: undo them, or raise info.version to 2.0.0.');
    expect((await verdict('received-properties', '1.0.0', '2.0.0')).ok).toBe(true);
  });

  it('below 1.0.0 a new minor is enough, as semver allows', async () => {
    expect(breakingVersion('0.3.1')).toBe('0.4.0');
    expect((await verdict('bodies', '0.3.1', '0.3.2')).ok).toBe(false);
    expect((await verdict('bodies', '0.3.1', '0.4.0')).ok).toBe(true);
  });

  it('lets warnings and additions through at any version, never a version that goes back', async () => {
    expect((await verdict('webhooks', '1.2.0', '1.2.0')).ok).toBe(true); // two warnings: not yet released, no bump needed
    expect((await verdict('response-statuses', '1.2.0', '1.1.0')).reason).toBe('info.version 1.1.0 is lower than the last release, 1.2.0');
    expect((await verdict('webhooks', '1.2.0', 'next')).reason).toMatch(/is not a semantic version/);
  });
});

describe('npm run release:description', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A folder with release 1.0.0 of a corpus pair kept, and its new side as the source at `version`. */
  function project(pair: string, version: string) {
    dir = mkdtempSync(join(tmpdir(), 'release-'));
    const old = parse(readFileSync(join(CORPUS, pair, 'old.yaml'), 'utf8'));
    cpSync(join(ROOT, 'openapi', 'CHANGELOG.md'), join(dir, 'CHANGELOG.md'));
    const releasesDir = join(dir, 'releases');
    mkdirSync(releasesDir);
    writeFileSync(join(releasesDir, '1.0.0.json'), JSON.stringify(old));
    writeFileSync(join(dir, 'openapi.yaml'), readFileSync(join(CORPUS, pair, 'new.yaml'), 'utf8').replace('version: 1.0.0', `version: ${version}`));
    return { sourceRoot: join(dir, 'openapi.yaml'), releasesDir, changelog: join(dir, 'CHANGELOG.md'), date: '2026-12-10' };
  }

  it('writes the section on top of the CHANGELOG and keeps the new bundle', async () => {
    const options = project('webhooks', '1.1.0');
    const outcome = await releaseDescription(options);
    expect(outcome.code, outcome.message).toBe(0);
    const changelog = readFileSync(options.changelog, 'utf8');
    expect(changelog.indexOf('## 1.1.0 — 2026-12-10')).toBeGreaterThan(0);
    expect(changelog.indexOf('## 1.1.0 — 2026-12-10')).toBeLessThan(changelog.indexOf('## 1.0.0'));
    expect(changelog).toContain('Compared with 1.0.0 by `chatapi-contract diff`: 0 breaking, 2 warnings, 0 other.');
    expect(changelog).toContain('| warning | `webhook-added` | receiver | onMessageRead (webhook messageRead) was added. | `');
    const kept = JSON.parse(readFileSync(join(options.releasesDir, '1.1.0.json'), 'utf8'));
    expect(kept.info.version).toBe('1.1.0');
    expect(Object.keys(kept.webhooks)).toEqual(['messageRead']);
  }, 30_000);

  it('refuses a breaking change without a new major, and writes nothing', async () => {
    const options = project('bodies', '1.1.0');
    const before = readFileSync(options.changelog, 'utf8');
    const outcome = await releaseDescription(options);
    expect(outcome.code).toBe(1);
    expect(outcome.message).toMatch(/^Not released: 2 changes since release 1\.0\.0 break what it promised, but info\.version is 1\.1\.0: undo them, or raise info\.version to 2\.0\.0\./);
    expect(readFileSync(options.changelog, 'utf8')).toBe(before);
    expect(readdirSync(options.releasesDir)).toEqual(['1.0.0.json']);
  }, 30_000);

  it('asks for a raised info.version first', async () => {
    const outcome = await releaseDescription(project('webhooks', '1.0.0'));
    expect(outcome.code).toBe(2);
    expect(outcome.message).toContain('info.version is 1.0.0 and the last release is 1.0.0: raise info.version');
  }, 30_000);

  it('runs as the npm script: on this repository it names the version to raise', async () => {
    const result = await runCommand('npm', ['run', '-s', 'release:description', '--', '--dry-run']);
    const last = releases(join(ROOT, RELEASES_DIR)).at(-1)!.version;
    const current = JSON.parse(readFileSync(BUNDLE_JSON, 'utf8')).info.version;
    if (current === last) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`info.version is ${current} and the last release is ${last}: raise info.version in ${SOURCE_ROOT} first.`);
    } else {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`## ${current} — `);
    }
    expect(existsSync(join(ROOT, RELEASES_DIR, `${current}.json`))).toBe(current === last);
  }, 60_000);

  it('sections go above the newest, below the introduction', () => {
    const text = withSection('# Title\n\nIntro.\n\n## 1.0.0 — d\n\nFirst.\n', changelogSection('1.1.0', 'd2', undefined));
    expect(text.indexOf('## 1.1.0')).toBeLessThan(text.indexOf('## 1.0.0'));
    expect(text.startsWith('# Title\n\nIntro.\n\n## 1.1.0 — d2')).toBe(true);
  });
});
