// Issue 20: `chatapi-contract diff` as users run it: exit codes, the five report formats, bad input
// (exit 2 with a message, never a stack trace), the source line of a finding in the multi-file
// description, and `--base REF` in a real git repository, whose temporary worktree is gone
// afterwards, also when the ref cannot be read.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../contract/io.js';
import { main as contractMain } from '../../contract/main.js';
import { BUNDLE_JSON, packageRoot } from '../../description/bundle.js';
import { main } from '../../diff/command.js';
import { SourceMap } from '../../diff/source-map.js';
import { runCommand } from '../helpers/run-command.js';

const ROOT = packageRoot();
const CORPUS = join(ROOT, 'test', 'diff', 'corpus');
const pair = (name: string) => [join(CORPUS, name, 'old.yaml'), join(CORPUS, name, 'new.yaml')];

async function diff(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (line) => out.push(line), err: (line) => err.push(line) };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('exit codes and --fail-on', () => {
  it('exits 1 on a breaking change, 0 when there is none at --fail-on or above', async () => {
    expect((await diff(...pair('bodies'))).code).toBe(1);
    expect((await diff(...pair('webhooks'))).code).toBe(0); // two warnings
    expect((await diff(...pair('webhooks'), '--fail-on', 'warning')).code).toBe(1);
    expect((await diff(...pair('ref-became-alternative'), '--fail-on', 'warning')).code).toBe(0); // info only
    expect((await diff(...pair('ref-sibling-moved'))).out).toContain('No change to what the description promises.');
  });

  it('is reached through chatapi-contract diff and listed in its help', async () => {
    const out: string[] = [];
    const io: Io = { out: (line) => out.push(line), err: (line) => out.push(line) };
    expect(await contractMain(['diff', ...pair('bodies'), '--format', 'json'], io)).toBe(1);
    expect(JSON.parse(out.join('\n')).summary).toEqual({ breaking: 2, warning: 0, info: 0 });
    out.length = 0;
    expect(await contractMain(['help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/^ {2}diff +compare two versions of the description/m);
  });
});

describe('report formats', () => {
  it('text names the level, rule, who breaks, source line, pointer and operations', async () => {
    const { out } = await diff(...pair('enum-value-added'));
    expect(out).toContain('WARNING  received-enum-value-added (receiver: the back end receiving webhooks)');
    expect(out).toContain('  `Status` gained the value "ARCHIVED".');
    expect(out).toMatch(/ {2}\S*corpus\/enum-value-added\/new\.yaml:49 {2}#\/components\/schemas\/Status\/enum \(new\)/);
    expect(out).toContain('  in onStatusChanged (webhook statusChanged)');
    expect(out.split('\n').at(-1)).toBe('0 breaking, 2 warnings, 1 info');
  });

  it('json has every field of every finding', async () => {
    const report = JSON.parse((await diff(...pair('received-properties'), '--format', 'json')).out);
    expect(report.old.version).toBe('1.0.0');
    expect(report.summary).toEqual({ breaking: 2, warning: 1, info: 2 });
    expect(report.findings[0]).toEqual({
      rule: 'received-property-became-optional',
      level: 'breaking',
      who: 'caller',
      message: '`Thing.name` is no longer required.',
      pointer: '#/components/schemas/Thing/properties/name',
      side: 'new',
      source: { file: expect.stringMatching(/received-properties\/new\.yaml$/), line: 24 },
      operations: ['getThing (GET /things/{id})'],
    });
  });

  it('junit fails a testcase per finding at --fail-on and passes the others', async () => {
    const xml = (await diff(...pair('media-types'), '--format', 'junit')).out;
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(xml);
    const suite = parsed.testsuites.testsuite;
    expect(suite['@_tests']).toBe('4');
    expect(suite['@_failures']).toBe('2');
    const failed = suite.testcase.filter((c: any) => c.failure).map((c: any) => c.failure['@_type']);
    expect(failed.sort()).toEqual(['received-media-type-removed', 'sent-media-type-removed']);
    const warned = new XMLParser({ ignoreAttributes: false }).parse((await diff(...pair('media-types'), '--format', 'junit', '--fail-on', 'warning')).out);
    expect(warned.testsuites.testsuite['@_failures']).toBe('3');
  });

  it('github annotates the changed line: error, warning or notice', async () => {
    const lines = (await diff(...pair('enum-value-removed'), '--format', 'github')).out.split('\n');
    expect(lines[0]).toMatch(/^::error file=\S*enum-value-removed\/new\.yaml,line=49,title=sent-enum-value-removed \(caller\)::`Status` lost the value "ARCHIVED"\. In setStatus \(POST \/messages\/\{id\}\/status\)\. #\/components\/schemas\/Status\/enum$/);
    expect(lines.filter((l) => l.startsWith('::notice ')).length).toBe(2);
  });

  it('markdown is a table for a pull request, and --output writes any format to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diff-output-'));
    try {
      const file = join(dir, 'nested', 'diff.md');
      const { code, out } = await diff(...pair('operations'), '--format', 'markdown', '--output', file);
      expect(code).toBe(1);
      expect(out).toBe('');
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('1 breaking, 0 warnings, 1 info');
      expect(text).toContain('| breaking | `operation-removed` | caller | getB (GET /b) was removed. |');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input exits 2 with a message', () => {
  it.each([
    [['only-one.yaml'], /give two descriptions, OLD and NEW/],
    [['a', 'b', '--format', 'xml'], /--format must be one of text, markdown, json, junit, github, not "xml"/],
    [['a', 'b', '--fail-on', 'info'], /--fail-on must be one of breaking, warning/],
    [['a', 'b', '--root', 'x.yaml'], /--root goes with --base/],
    [['a', 'b', '--nope'], /Unknown option '--nope'/],
  ])('%j', async (argv, message) => {
    const { code, err } = await diff(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toContain('Usage: chatapi-contract diff OLD NEW');
  });

  it('a missing file, a file that is not a description, a root Redocly cannot bundle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diff-bad-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"name": "x"}');
      writeFileSync(join(dir, 'broken.yaml'), 'openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    $ref: missing/path.yaml\n');
      const [old] = pair('bodies');
      expect(await diff(old!, join(dir, 'nope.yaml'))).toMatchObject({ code: 2, err: expect.stringContaining('nope.yaml: no such file') });
      expect(await diff(old!, join(dir, 'package.json'))).toMatchObject({ code: 2, err: expect.stringContaining('is not an OpenAPI 3 description') });
      const broken = await diff(old!, join(dir, 'broken.yaml'));
      expect(broken.code).toBe(2);
      expect(broken.err).toMatch(/^chatapi-contract diff: Redocly could not bundle \S*broken\.yaml:/);
      expect(broken.err).not.toMatch(/\bat .*\.(js|ts):\d+/); // no stack trace
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('source lines in the multi-file description', () => {
  const lineOf = (file: string, text: string) => readFileSync(join(ROOT, file), 'utf8').split('\n').indexOf(text) + 1;
  const map = () => new SourceMap(JSON.parse(readFileSync(BUNDLE_JSON, 'utf8')), join(ROOT, 'openapi', 'openapi.yaml'), (file) => file.slice(ROOT.length + 1));

  it('maps a pointer of the bundle to the file and line it came from', () => {
    const source = map();
    expect(source.locate('#/components/schemas/ChatResponse/properties/blockForm')).toEqual({ file: 'openapi/components/schemas/ChatResponse.yaml', line: lineOf('openapi/components/schemas/ChatResponse.yaml', '  blockForm:') });
    expect(source.locate('#/paths/~1chatapi~1{token}~1events/get/responses/200')).toEqual({ file: 'openapi/paths/chatapi_{token}_events.yaml', line: lineOf('openapi/paths/chatapi_{token}_events.yaml', "    '200':") });
    expect(source.locate('#/webhooks/chatApiMessage/post/responses/204')).toEqual({ file: 'openapi/webhooks/chatApiMessage.yaml', line: lineOf('openapi/webhooks/chatApiMessage.yaml', "    '204':") });
    // Added by a decorator (no source of its own): the line of the operation it belongs to.
    expect(source.locate('#/paths/~1chatapi~1{token}~1events/get/x-codeSamples/0')).toEqual({ file: 'openapi/paths/chatapi_{token}_events.yaml', line: lineOf('openapi/paths/chatapi_{token}_events.yaml', 'get:') });
  });
});

describe('--base REF, in a git repository', () => {
  let repo: string;
  // As `npm run diff` runs it: one node process with tsx's loader (a signal reaches the command itself).
  const command = [process.execPath, '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, join(ROOT, 'contract', 'main.ts'), 'diff'] as const;

  /** The command as a process, with a temporary folder of its own: what it leaves there is `leftovers`. */
  async function runIn(cwd: string, ...argv: string[]) {
    const temp = mkdtempSync(join(tmpdir(), 'diff-tmp-'));
    try {
      const result = await runCommand(command[0], [...command.slice(1), ...argv], { TMPDIR: temp }, cwd);
      // tsx keeps its cache there too: only what the command makes counts.
      return { ...result, leftovers: readdirSync(temp).filter((name) => name.startsWith('chatapi-diff')) };
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'diff-repo-'));
    git('init', '--quiet');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    // A multi-file description: the root and a schema of its own file, with Redocly's own config.
    mkdirSync(join(repo, 'api', 'schemas'), { recursive: true });
    cpSync(join(CORPUS, 'received-properties', 'old.yaml'), join(repo, 'api', 'openapi.yaml'));
    const root = readFileSync(join(repo, 'api', 'openapi.yaml'), 'utf8');
    const at = root.indexOf('components:');
    writeFileSync(join(repo, 'api', 'openapi.yaml'), root.slice(0, at).replace("$ref: '#/components/schemas/Thing'", '$ref: schemas/Thing.yaml'));
    writeFileSync(join(repo, 'api', 'schemas', 'Thing.yaml'), 'type: object\nrequired: [id, name]\nproperties:\n  id: {type: string}\n  name: {type: string}\n');
    // A Redocly plugin that imports a package: the ref's worktree must find the repository's node_modules.
    mkdirSync(join(repo, 'plugins'));
    writeFileSync(join(repo, 'plugins', 'uses-yaml.js'), "import { stringify } from 'yaml';\nexport default () => ({ id: 'uses-yaml', decorators: { oas3: { stamp: () => ({ Info: { leave(info) { info['x-stamp'] = stringify(1).trim(); } } }) } } });\n");
    writeFileSync(join(repo, 'redocly.yaml'), 'extends: [minimal]\nplugins: [./plugins/uses-yaml.js]\ndecorators:\n  uses-yaml/stamp: on\n');
    writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
    symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'v1');
    git('tag', 'v1');
    // The working tree: id removed, a status added.
    writeFileSync(join(repo, 'api', 'schemas', 'Thing.yaml'), 'type: object\nrequired: [name]\nproperties:\n  name: {type: string}\n  status: {type: string, enum: [new, done]}\n');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('bundles the ref in a temporary worktree, reports lines on both sides, and removes the worktree', async () => {
    const run = await runIn(repo, '--base', 'v1', '--root', 'api/openapi.yaml', '--format', 'json');
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.old.label).toBe('v1:api/openapi.yaml');
    expect(report.findings.map((f: any) => [f.rule, f.side, `${f.source.file}:${f.source.line}`])).toEqual([
      ['received-property-removed', 'old', 'v1:api/schemas/Thing.yaml:4'],
      ['received-property-added', 'new', 'api/schemas/Thing.yaml:5'],
    ]);
    expect(git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(run.leftovers).toEqual([]);
    // The link the worktree borrowed went with it; what it pointed to is intact.
    expect(existsSync(join(ROOT, 'node_modules', 'yaml', 'package.json'))).toBe(true);
  }, 60_000);

  it('removes the worktree when the ref has no description there, and names what is missing', async () => {
    const run = await runIn(repo, '--base', 'v1', '--root', 'elsewhere/openapi.yaml', 'api/openapi.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('chatapi-contract diff: v1 has no elsewhere/openapi.yaml (give its place with --root)');
    expect(git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(run.leftovers).toEqual([]);
  }, 60_000);

  it('removes the worktree when the description at the ref does not bundle', async () => {
    writeFileSync(join(repo, 'broken.yaml'), 'openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    $ref: missing.yaml\n');
    git('add', 'broken.yaml');
    git('commit', '--quiet', '-m', 'broken');
    const run = await runIn(repo, '--base', 'HEAD', '--root', 'broken.yaml', 'api/openapi.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Redocly could not bundle');
    expect(git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(run.leftovers).toEqual([]);
  }, 60_000);

  it('removes the worktree when interrupted while it reads the ref', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'diff-tmp-'));
    try {
      const child = spawn(command[0], [...command.slice(1), '--base', 'v1', '--root', 'api/openapi.yaml'], { cwd: repo, env: { ...process.env, TMPDIR: temp }, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
      // SIGTERM once the worktree is there (it is being bundled then).
      const deadline = Date.now() + 30_000;
      while (!/^worktree .*chatapi-diff-ref-/m.test(git('worktree', 'list', '--porcelain')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(git('worktree', 'list', '--porcelain')).toMatch(/chatapi-diff-ref-/);
      child.kill('SIGTERM');
      expect(await exited).not.toBe(0);
      expect(git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
      expect(readdirSync(temp).filter((name) => name.startsWith('chatapi-diff'))).toEqual([]);
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }, 60_000);

  it('says so when the ref names no commit', async () => {
    const run = await runIn(repo, '--base', 'no-such-branch', '--root', 'api/openapi.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`chatapi-contract diff: --base no-such-branch: no such commit, branch or tag in ${repo}`);
  }, 60_000);
});
