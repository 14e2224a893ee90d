// Issue 13: the two packages as users get them. The working tree is copied (no build/, no dist/),
// `npm run release` runs there (npm pack of both, so `prepack` must build everything) and prints the
// install line, which is run as printed in fresh projects outside the repository: a front end with
// the client alone, and a toolkit user with both. Everything below runs in those projects.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../description/bundle.js';
import { openBrowser } from '../browser/harness.js';
import { startStubCommand } from '../helpers/stub-command.js';
import { copyWorkingTree } from '../helpers/working-tree.js';

const repo = packageRoot();
let work: string;
/** The consumer of the client package alone. */
let front: string;
/** The consumer of the toolkit (and vitest, typescript: a test suite of its own). */
let app: string;
let tarballs: { root: string; client: string };

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, REDOCLY_TELEMETRY: 'off', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function mustRun(command: string, args: string[], cwd: string, timeoutMs?: number): Promise<Run> {
  const result = await run(command, args, cwd, { timeoutMs });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} in ${cwd} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** npm's flags for the tests' installs: from the cache, no audit or funding notices. */
const OFFLINE = ['--prefer-offline', '--no-audit', '--no-fund'];
/** What npm said while installing the toolkit with the line `npm run release` printed. */
let toolkitInstall: Run;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chatapi-package-'));
  const source = join(work, 'source');
  await copyWorkingTree(source);
  const release = await mustRun('npm', ['run', '-s', 'release'], source, 300_000);
  const line = /^\s*(npm install --save-dev \S+ \S+)\s*$/m.exec(release.stdout)?.[1];
  if (!line) throw new Error(`npm run release printed no install line:\n${release.stdout}`);
  const [client, root] = line.split(' ').slice(-2) as [string, string];
  tarballs = { root, client };
  const { version } = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string };
  expect(tarballs).toEqual({ root: join(source, 'release', `chatapi-contract-${version}.tgz`), client: join(source, 'release', `chatapi-contract-client-${version}.tgz`) });

  front = join(work, 'front');
  app = join(work, 'app');
  for (const dir of [front, app]) {
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: dir === app ? 'app' : 'front', private: true, type: 'module' }));
  }
  const [, installed] = await Promise.all([
    mustRun('npm', ['install', ...OFFLINE, '--loglevel=error', tarballs.client], front),
    // The printed line, as printed (npm's own log level: its warnings are checked below).
    mustRun('sh', ['-c', `${line} ${OFFLINE.join(' ')}`], app, 300_000),
  ]);
  toolkitInstall = installed;
  // The consumer's own test tools.
  await mustRun('npm', ['install', '--save-dev', ...OFFLINE, '--loglevel=error', 'vitest@4.1.12', 'typescript@5.9.3', '@types/node@20.19.0'], app, 300_000);
}, 480_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Packages npm installed in a project (every package.json of node_modules, nested ones included). */
async function installedPackages(dir: string): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', '--all', '--parseable'], dir);
  return stdout
    .split('\n')
    .filter((line) => line.includes('node_modules'))
    .map((line) => line.slice(line.lastIndexOf('node_modules/') + 'node_modules/'.length));
}

/** The content type a served path must have, by what it is. */
function expectedType(path: string): RegExp {
  if (path === '/_stub/') return /^application\/json/; // the control API's index of operations
  if (path.endsWith('/') || path.endsWith('.html') || path === '/docs' || path === '/_stub/docs') return /^text\/html/;
  if (/\.m?js$/.test(path)) return /^(text|application)\/javascript/;
  const byExtension: Record<string, RegExp> = { css: /^text\/css/, svg: /^image\/svg\+xml/, wav: /^audio\/(x-)?wav/, pdf: /^application\/pdf/, json: /^application\/json/, yaml: /^application\/yaml/ };
  return byExtension[/\.(\w+)$/.exec(path)?.[1] ?? ''] ?? /^$/; // anything else: named here first
}

/** What a page or module served at `path` loads from the stub: src/href, the import map, relative imports. */
function localReferences(path: string, type: string, body: string): string[] {
  // The rendered docs are one self-contained file: nothing to follow.
  if (path === '/docs' || path === '/_stub/docs') return [];
  const refs: string[] = [];
  if (type.startsWith('text/html')) {
    for (const m of body.matchAll(/\s(?:src|href)="([^"#]+)"/g)) refs.push(m[1]!);
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(body)?.[1];
    if (importMap) refs.push(...Object.values((JSON.parse(importMap) as { imports: Record<string, string> }).imports));
  } else if (/javascript/.test(type)) {
    for (const m of body.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) refs.push(m[1]!);
  }
  return refs.filter((ref) => ref.startsWith('/') || ref.startsWith('.')).map((ref) => new URL(ref, `http://stub${path}`).pathname);
}

/** Every file of a folder, recursively. */
async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('the tarballs', () => {
  it('are complete and lean: the compiled code, the bundle and the docs; no sources, tests or benchmarks', async () => {
    const list = async (tarball: string) => (await mustRun('tar', ['-tzf', tarball], work)).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    const root = await list(tarballs.root);
    for (const file of [
      ...['build/server-stub/public-api.js', 'build/contract/vitest.js', 'build/client/webhook/index.js', 'dist/openapi.json', 'dist/openapi.yaml', 'dist/docs.html', 'dist/control-api.html'],
      ...['server-stub/control-api.yaml', 'server-stub/bots/demo-bot.yaml', 'bin/chatapi-stub.js', 'build/server-stub/public/playground.js', 'server-stub/public/playground.html', 'server-stub/public/operator.html', 'server-stub/public/style.css', 'server-stub/public/assets/cat.svg'],
    ]) {
      expect(root).toContain(file);
    }
    expect(root.filter((f) => /^(test|bench|\.ci|openapi|client\/[^/]+\.ts|build\/bench)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts') || f.endsWith('.map'))).toEqual([]);
    const client = await list(tarballs.client);
    expect(client).toContain('dist/client/index.js');
    expect(client).toContain('dist/client/index.d.ts');
    expect(client).toContain('dist/generated/chatapi.d.ts');
    expect(client.filter((f) => f.includes('webhook') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  it('pass publint and "are the types wrong" (ESM only)', async () => {
    for (const tarball of [tarballs.root, tarballs.client]) {
      const lint = await run(join(repo, 'node_modules', '.bin', 'publint'), ['run', tarball, '--strict'], work);
      expect(lint.code, lint.stdout + lint.stderr).toBe(0);
      // ESM only, so CommonJS resolutions are out of scope; openapi.yaml is data, not a module.
      const exclude = tarball === tarballs.root ? ['--exclude-entrypoints', './openapi.yaml'] : [];
      const attw = await run(join(repo, 'node_modules', '.bin', 'attw'), [tarball, '--profile', 'esm-only', '--no-emoji', '--no-color', ...exclude], work);
      expect(attw.code, attw.stdout + attw.stderr).toBe(0);
    }
  }, 60_000);

  it('the client package installs openapi-fetch and nothing heavy (at most 10 packages)', async () => {
    const packages = await installedPackages(front);
    expect(packages).toContain('@chatapi-contract/client');
    expect(packages).toContain('openapi-fetch');
    expect(packages.length).toBeLessThanOrEqual(10);
  });

  it('install with the printed line without an install script of ours or a native build: no prepare, no better-sqlite3', async () => {
    // npm 11 lists every dependency whose install scripts (preinstall, install, postinstall, and
    // prepare for a tarball) it was not told to run; ours must not be among them.
    expect(toolkitInstall.stdout + toolkitInstall.stderr).not.toMatch(/install-scripts|prepare|patch-package|better-sqlite3|node-gyp/);
    const packages = await installedPackages(app);
    expect(packages).toContain('chatapi-contract');
    expect(packages).not.toContain('better-sqlite3');
    const manifest = JSON.parse(await readFile(join(app, 'node_modules', 'chatapi-contract', 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => /^(pre|post)?(install|prepare)$/.test(name))).toEqual([]);
  });

  it('the installed toolkit reads nothing from this repository', async () => {
    const installed = join(app, 'node_modules', 'chatapi-contract');
    for (const file of await filesOf(installed)) {
      expect((await readFile(file, 'utf8')).includes(repo), file).toBe(false);
    }
  });
});

describe('imported from a consumer', () => {
  it('in a .mjs file: the client (both packages), the webhook receiver, the stub and the bundle; deep imports closed', async () => {
    await writeFile(
      join(app, 'imports.mjs'),
      `
import * as fromToolkit from 'chatapi-contract/client';
import * as fromClient from '@chatapi-contract/client';
import { createWebhookHandler, webhookMiddleware } from 'chatapi-contract/webhook';
import { startStub } from 'chatapi-contract/stub';
import description from 'chatapi-contract/openapi.json' with { type: 'json' };
import { createRequire } from 'node:module';
const yaml = createRequire(import.meta.url).resolve('chatapi-contract/openapi.yaml');
let deep;
try { await import('chatapi-contract/build/server-stub/index.js'); deep = 'importable'; } catch (error) { deep = error.code; }
console.log(JSON.stringify({
  same: fromToolkit.createChatApiClient === fromClient.createChatApiClient,
  client: typeof fromClient.createChatApiClient,
  follow: typeof fromClient.followEvents,
  webhook: [typeof createWebhookHandler, typeof webhookMiddleware],
  stub: typeof startStub,
  openapi: description.openapi,
  yaml: yaml.endsWith('openapi.yaml'),
  deep,
}));
`,
    );
    const result = await run('node', ['imports.mjs'], app);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      same: true,
      client: 'function',
      follow: 'function',
      webhook: ['function', 'function'],
      stub: 'function',
      openapi: '3.1.0',
      yaml: true,
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  const consumerTs = [
    "import { createChatApiClient, type ChatResponse } from 'chatapi-contract/client';",
    "import { createChatApiClient as fromClient, type Reply } from '@chatapi-contract/client';",
    "import { createWebhookHandler } from 'chatapi-contract/webhook';",
    "import { startStub, type ChatApiStub } from 'chatapi-contract/stub';",
    "import { contractTests, type ContractTestOptions } from 'chatapi-contract/vitest';",
    "const api = createChatApiClient({ baseUrl: 'http://127.0.0.1:1', token: 't' });",
    "export const same: typeof fromClient = createChatApiClient;",
    'export const reply = async (): Promise<ChatResponse | undefined> => { const r = await api.sendMessage({ clientId: "c", query: "q" }); return r.ok ? r.data : undefined; };',
    'export const hook = createWebhookHandler((item) => { const text: string = item.data.answer; void text; });',
    'export const stub: Promise<ChatApiStub> = startStub({ port: 0, longPollMs: 1000 });',
    "export const replies: Reply[] = [{ type: 'text', text: 'hi' }];",
    "export const options: ContractTestOptions = { baseUrl: 'http://127.0.0.1:1', token: 't', webhookPort: 0 };",
    'export const register: typeof contractTests = contractTests;',
    '// @ts-expect-error the declarations are real: an unknown method does not compile',
    'void api.sendSms;',
    '// @ts-expect-error startStub takes no such option',
    'void startStub({ colour: 1 });',
  ].join('\n');

  for (const resolution of ['NodeNext', 'Bundler'] as const) {
    it(`type-checks a .ts consumer with moduleResolution ${resolution}`, async () => {
      const dir = join(app, `ts-${resolution.toLowerCase()}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'main.ts'), consumerTs);
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
            moduleResolution: resolution,
            target: 'ES2022',
            lib: ['ES2023', 'DOM'],
            strict: true,
            noEmit: true,
            // The packages' own declarations are checked too, not only the consumer's use of them.
            skipLibCheck: false,
            types: ['node'],
          },
          files: ['main.ts'],
        }),
      );
      const result = await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], app);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    }, 60_000);
  }

  it('the client type-checks for a browser (Bundler, no Node types) from the client package alone', async () => {
    await writeFile(
      join(front, 'main.ts'),
      [
        "import { createChatApiClient, followEvents, type ChatEvent } from '@chatapi-contract/client';",
        "const api = createChatApiClient({ baseUrl: 'https://bot.jaicp.com', token: 't' });",
        'export async function first(signal: AbortSignal): Promise<ChatEvent | undefined> {',
        "  for await (const event of api.followEvents({ clientId: 'c', signal })) return event;",
        '  return undefined;',
        '}',
        'void followEvents;',
      ].join('\n'),
    );
    await writeFile(
      join(front, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', lib: ['ES2023', 'DOM'], strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['main.ts'] }),
    );
    const result = await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', join(front, 'tsconfig.json')], front);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);
});

describe('the commands, through npx', () => {
  it('npx chatapi-contract --help prints the usage', async () => {
    const result = await run('npx', ['--no-install', 'chatapi-contract', '--help'], app);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: chatapi-contract \[run\] --base-url URL --token TOKEN/);
    expect(result.stdout).toContain('chatapi-contract help');
  });

  it('npx chatapi-stub --port 0 --token … answers a send, lists its real server in /docs, and stops on SIGTERM', async () => {
    const child = spawn('npx', ['--no-install', 'chatapi-stub', '--port', '0', '--token', 'my-token', '--long-poll-ms', '500'], { cwd: app, env: { ...process.env, CHATAPI_WEBHOOK_URL: '' } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const found = /Chat API server stub on (http:\/\/\S+)/.exec(stdout);
        if (found) resolve(found[1]!);
      });
      child.once('exit', () => reject(new Error(`chatapi-stub exited:\n${stdout}\n${stderr}`)));
    });
    try {
      expect(stdout).toContain('long poll 500 ms');
      const send = await fetch(`${url}/chatapi/my-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'npx-user', query: '/start' }) });
      expect(send.status).toBe(200);
      const body = (await send.json()) as { clientId: string; data: { replies: unknown[] } };
      expect(body.clientId).toBe('npx-user');
      expect(body.data.replies.length).toBeGreaterThan(0);
      // The printed control API address answers.
      const controlLine = /Control API\s+(\S+)/.exec(stdout)![1]!;
      const control = await fetch(controlLine);
      expect(control.status).toBe(200);
      expect(((await control.json()) as { operations: { operationId: string }[] }).operations.map((o) => o.operationId)).toContain('injectOperatorReply');
      const docs = await (await fetch(`${url}/docs`)).text();
      expect(docs).toContain(url);
      expect(docs).not.toContain('http://127.0.0.1:3000');
    } finally {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM'); // to npx, not to the stub: npx runs it under a shell
      await exited;
    }
    // The stub ends with npx and frees its port.
    const deadline = Date.now() + 5000;
    let answering = true;
    while (answering && Date.now() < deadline) {
      answering = await fetch(`${url}/`).then(() => true, () => false);
      if (answering) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answering).toBe(false);
  }, 60_000);

  it('npx chatapi-stub serves every page and asset its banner and the demo bot name, each 200 with its content type, and the pages work in Chromium', async () => {
    const stub = await startStubCommand('npx', ['--no-install', 'chatapi-stub', '--port', '0'], { cwd: app });
    const served: string[] = [];
    try {
      const banner = stub.output();
      // The banner's addresses, but the Chat API's own (an API, not a page).
      const fromBanner = [...banner.matchAll(/http:\/\/127\.0\.0\.1:\d+(\/[^\s'",)]*)/g)].map((m) => m[1]!).filter((path) => !path.startsWith('/chatapi/'));
      expect(fromBanner).toEqual(expect.arrayContaining(['/docs', '/playground/', '/operator/', '/openapi.json', '/openapi.yaml', '/_stub/', '/_stub/openapi.yaml', '/_stub/docs']));
      // Every address of the installed demo bot's script: its images, audio, files and links.
      const script = await readFile(join(app, 'node_modules', 'chatapi-contract', 'server-stub', 'bots', 'demo-bot.yaml'), 'utf8');
      const fromBot = [...script.matchAll(/\{\{stubUrl\}\}(\/[^\s'"#]*)/g)].map((m) => m[1]!);
      expect(fromBot).toEqual(expect.arrayContaining(['/assets/cat.svg', '/assets/chime.wav', '/assets/price-list.pdf', '/docs', '/_stub/docs']));

      // Each page, then what it loads (scripts, style sheet, import map, the modules' imports), once.
      const queue = [...new Set([...fromBanner, ...fromBot])];
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        if (served.some((line) => line.startsWith(`${path} `))) continue;
        const response = await fetch(stub.url + path);
        const type = response.headers.get('content-type') ?? '';
        const body = await response.text();
        expect(`${path} ${response.status}`).toBe(`${path} 200`);
        expect(type, path).toMatch(expectedType(path));
        served.push(`${path} ${response.status} ${type}`);
        for (const ref of localReferences(path, type, body)) if (!queue.includes(ref)) queue.push(ref);
      }
      // The pages' scripts and the client they import are among them, from the installed packages.
      expect(served.map((line) => line.split(' ')[0])).toEqual(expect.arrayContaining(['/ui/server-stub/public/playground.js', '/ui/server-stub/public/operator.js', '/ui/server-stub/public/render.js', '/ui/client/index.js', '/ui/vendor/openapi-fetch.mjs', '/ui/static/style.css']));
      expect(await (await fetch(`${stub.url}/_stub/docs`)).text()).toContain('Chat API server stub: control API');

      // And in a browser: the playground holds a conversation with the bot's image; the console shows it.
      const browser = await openBrowser();
      try {
        const page = await browser.newPage();
        await page.goto(`${stub.url}/playground/?clientId=installed`);
        await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
        await page.getByRole('textbox', { name: 'Message' }).fill('image');
        await page.getByRole('button', { name: 'Send', exact: true }).click();
        await expect.poll(() => page.locator('.reply-image img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0).catch(() => false)).toBe(true);
        const console = await browser.newPage();
        await console.goto(`${stub.url}/operator/?clientId=installed`);
        await console.getByRole('heading', { name: 'Conversation with installed' }).waitFor();
        expect(browser.scriptErrors).toEqual([]);
        expect(browser.offMachine).toEqual([]);
      } finally {
        await browser.close();
      }
    } finally {
      await stub.stop();
      // The list, for the record (reports/ is git-ignored).
      await mkdir(join(repo, 'reports'), { recursive: true });
      await writeFile(join(repo, 'reports', 'package-served.txt'), served.join('\n') + '\n');
    }
  }, 120_000);

  it('npx chatapi-stub with CHATAPI_STORE=sqlite: and no better-sqlite3 says, in one line, how to get it', async () => {
    const result = await run('npx', ['--no-install', 'chatapi-stub', '--port', '0'], app, { env: { CHATAPI_STORE: 'sqlite:./stub.db' } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`chatapi stub: CHATAPI_STORE: cannot use the SQLite database ${join(app, 'stub.db')}: better-sqlite3 is not installed (the SQLite store needs it): npm install better-sqlite3@12.11.1`);
  });

  it('npx chatapi-stub rejects a bad flag with its name and the usage', async () => {
    const result = await run('npx', ['--no-install', 'chatapi-stub', '--long-poll-ms', 'soon'], app);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--long-poll-ms: expected a non-negative integer, got "soon"');
    expect(result.stderr).toContain('Usage: chatapi-stub');
  });

  it('npx chatapi-contract diff compares descriptions with what the package ships (no Redocly needed for bundles)', async () => {
    const bundle = join(app, 'node_modules', 'chatapi-contract', 'dist', 'openapi.json');
    const same = await run('npx', ['--no-install', 'chatapi-contract', 'diff', bundle, bundle], app);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('No change to what the description promises.');
    const changed = JSON.parse(await readFile(bundle, 'utf8'));
    changed.components.schemas.ChatResponse.required = changed.components.schemas.ChatResponse.required.filter((name: string) => name !== 'timestamp');
    await writeFile(join(app, 'changed.json'), JSON.stringify(changed, null, 2));
    const broken = await run('npx', ['--no-install', 'chatapi-contract', 'diff', bundle, 'changed.json', '--format', 'json'], app);
    expect(broken.code, broken.stderr).toBe(1);
    expect(JSON.parse(broken.stdout).findings.map((f: { rule: string; who: string }) => `${f.rule} ${f.who}`)).toEqual(['received-property-became-optional caller', 'received-property-became-optional receiver']);
  });

  it('npx chatapi-mock says how to get Prism, which is an optional peer', async () => {
    const result = await run('npx', ['--no-install', 'chatapi-mock'], app);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('npm install --save-dev @stoplight/prism-cli@5.14.2');
  });
});

describe('in the consumer', () => {
  it('the webhook receiver validates payloads against the packaged description', async () => {
    await writeFile(
      join(app, 'receiver.mjs'),
      `
import { createServer } from 'node:http';
import { createWebhookHandler } from 'chatapi-contract/webhook';
import description from 'chatapi-contract/openapi.json' with { type: 'json' };
const received = [];
const server = createServer(createWebhookHandler((item) => { received.push(item.questionId); }));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = 'http://127.0.0.1:' + server.address().port + '/';
const post = async (body) => { const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }); return { status: r.status, body: await r.json() }; };
// The description's own example of an async reply: a payload the receiver must take.
const valid = description.components.examples.WebhookAsyncReply.value;
const good = await post(valid);
const bad = await post([{ clientId: 'c' }]);
server.close();
console.log(JSON.stringify({ good, bad: { status: bad.status, error: bad.body.error, violations: bad.body.violations.length }, received }));
`,
    );
    const result = await run('node', ['receiver.mjs'], app);
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { good: { status: number }; bad: { status: number; error: string; violations: number }; received: string[] };
    expect(out.bad).toMatchObject({ status: 400, error: 'chatapi.webhook.invalid' });
    expect(out.bad.violations).toBeGreaterThan(0);
    expect(out.good, result.stdout).toEqual({ status: 200, body: { received: 1, duplicates: 0 } });
    const bundle = JSON.parse(await readFile(join(app, 'node_modules', 'chatapi-contract', 'dist', 'openapi.json'), 'utf8')) as { components: { examples: { WebhookAsyncReply: { value: { questionId: string }[] } } } };
    expect(out.received).toEqual(bundle.components.examples.WebhookAsyncReply.value.map((item) => item.questionId));
  });

  it('the webhook receiver needs no description on disk: it validates with dist/openapi.json gone', async () => {
    const bundlePath = join(app, 'node_modules', 'chatapi-contract', 'dist', 'openapi.json');
    const bundle = JSON.parse(await readFile(bundlePath, 'utf8')) as { components: { examples: Record<string, { value: { questionId: string }[] }> } };
    const payloads = ['WebhookAsyncReply', 'WebhookOperatorReply'].map((name) => bundle.components.examples[name]!.value);
    await writeFile(
      join(app, 'receiver-offline.mjs'),
      `
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createWebhookHandler } from 'chatapi-contract/webhook';
const bundleGone = !existsSync(${JSON.stringify(bundlePath)});
const received = [];
const server = createServer(createWebhookHandler((item) => { received.push(item.questionId); }));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = 'http://127.0.0.1:' + server.address().port + '/';
const post = async (body) => { const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }); return { status: r.status, body: await r.json() }; };
const good = [];
for (const payload of ${JSON.stringify(payloads)}) good.push(await post(payload));
const bad = await post([{ clientId: 'c', timestamp: 'yesterday' }]);
server.close();
console.log(JSON.stringify({ bundleGone, good, bad, received }));
`,
    );
    await rename(bundlePath, `${bundlePath}.away`);
    let result: Run;
    try {
      result = await run('node', ['receiver-offline.mjs'], app);
    } finally {
      await rename(`${bundlePath}.away`, bundlePath);
    }
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { bundleGone: boolean; good: { status: number; body: unknown }[]; bad: { status: number; body: { error: string; violations: { location: string; path: string; message: string }[] } }; received: string[] };
    expect(out.bundleGone).toBe(true);
    expect(out.good).toEqual(payloads.map((payload) => ({ status: 200, body: { received: payload.length, duplicates: 0 } })));
    expect(out.received).toEqual(payloads.flat().map((item) => item.questionId));
    expect(out.bad.status).toBe(400);
    expect(out.bad.body.error).toBe('chatapi.webhook.invalid');
    expect(out.bad.body.violations.map((v) => v.path)).toEqual(expect.arrayContaining(['/0/questionId', '/0/timestamp']));
    expect(out.bad.body.violations.every((v) => v.location === 'body' && typeof v.message === 'string')).toBe(true);
  });

  it("runs startStub() and contractTests() in the consumer's own vitest suite", async () => {
    await mkdir(join(app, 'tests'), { recursive: true });
    await writeFile(
      join(app, 'tests', 'stub.test.ts'),
      `
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createChatApiClient } from 'chatapi-contract/client';
import { startStub, type ChatApiStub } from 'chatapi-contract/stub';

let stub: ChatApiStub;
beforeAll(async () => { stub = await startStub({ longPollMs: 500 }); });
afterAll(() => stub.close());

it('talks to the stub and drives it through the control API', async () => {
  const api = createChatApiClient({ baseUrl: stub.url, token: stub.token });
  const sent = await api.sendMessage({ clientId: 'user-1', query: '/start' });
  expect(sent.ok).toBe(true);
  const op = await stub.operatorReply('user-1', 'Hello from Anna');
  expect(op.data.replies).toEqual([expect.objectContaining({ type: 'text', text: 'Hello from Anna' })]);
  const events = await api.getEvents({ clientId: 'user-1', all: true });
  expect(events.ok && events.data.events.some((e) => e.type === 'operatorResponse')).toBe(true);
  expect((await stub.setWebhookUrl('http://127.0.0.1:9/hook')).webhookUrl).toBe('http://127.0.0.1:9/hook');
  expect(await stub.deliveries()).toEqual(expect.any(Array));
  await stub.reset();
  const history = await api.getHistory({ clientId: 'user-1' });
  expect(history.ok && history.data.messages).toEqual([]);
});
`,
    );
    await writeFile(
      join(app, 'tests', 'contract.test.ts'),
      `
import { afterAll } from 'vitest';
import { startStub } from 'chatapi-contract/stub';
import { contractTests } from 'chatapi-contract/vitest';

const stub = await startStub({ longPollMs: 1000, webhookRetry: { attempts: 3, baseDelayMs: 50, timeoutMs: 2000 } });
afterAll(() => stub.close());
contractTests({ baseUrl: stub.url, token: stub.token, ratePerSecond: 1000, webhookPort: 0, onWebhookReceiver: async (url) => { await stub.setWebhookUrl(url); } });
`,
    );
    const result = await run(join(app, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=json', '--outputFile=results.json', '--dir', 'tests'], app, { timeoutMs: 240_000 });
    const report = JSON.parse(await readFile(join(app, 'results.json'), 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      testResults: { name: string; assertionResults: { ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }[] }[];
    };
    const failures = report.testResults.flatMap((file) => file.assertionResults.filter((t) => t.status === 'failed').map((t) => `${t.ancestorTitles.join(' > ')} > ${t.title}\n${t.failureMessages.join('\n')}`));
    expect(failures, result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    const contract = report.testResults.find((file) => file.name.endsWith('contract.test.ts'))!.assertionResults;
    // A describe per operation, an it per check, all of them run: the webhook checks included.
    expect(contract.length).toBeGreaterThan(60);
    expect(contract.every((t) => t.status === 'passed')).toBe(true);
    const groups = new Set(contract.map((t) => t.ancestorTitles.join(' > ')));
    expect(groups).toContain('Chat API contract > sendMessage');
    expect(groups).toContain('Chat API contract > receiveChatApiMessage');
  }, 300_000);
});
