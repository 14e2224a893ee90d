// A project that depends on chatapi-contract imports `chatapi-contract/client` and
// `chatapi-contract/webhook` through the `exports` map and gets both the code and the types.
// The package is laid out as npm would install it: a copy of package.json, the compiled build/
// (tsc with tsconfig.build.json's options) and dist/, in a consumer's node_modules.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../validation/description.js';
import { runCommand } from '../helpers/run-command.js';
import { sendJson, startFakeServer, type FakeServer } from './fake-server.js';

const root = packageRoot();
let work: string;
let consumer: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chatapi-exports-'));
  const installed = join(work, 'node_modules', 'chatapi-contract');
  consumer = join(work, 'app');
  await mkdir(installed, { recursive: true });
  await mkdir(consumer);
  await writeFile(join(installed, 'package.json'), await readFile(join(root, 'package.json')));
  await symlink(join(root, 'dist'), join(installed, 'dist'));
  // The package's own dependencies (openapi-fetch, ajv), as npm would have installed them.
  await symlink(join(root, 'node_modules'), join(installed, 'node_modules'));
  // Only the client's part of the build, so that work in progress elsewhere cannot break this test.
  await writeFile(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.build.json'),
      compilerOptions: { rootDir: root, outDir: join(installed, 'build'), sourceMap: false, typeRoots: [join(root, 'node_modules', '@types')] },
      include: [join(root, 'client')],
      exclude: [],
    }),
  );
  const build = await runCommand('npx', ['tsc', '-p', join(work, 'tsconfig.json')]);
  expect(build.stdout + build.stderr).toBe('');
  expect(build.code).toBe(0);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('package exports', () => {
  it('type-checks a consumer against the published declarations', async () => {
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'app', type: 'module' }));
    await writeFile(
      join(consumer, 'main.ts'),
      [
        "import { createChatApiClient, type ChatResponse } from 'chatapi-contract/client';",
        "import { createWebhookHandler } from 'chatapi-contract/webhook';",
        "const api = createChatApiClient({ baseUrl: 'http://127.0.0.1:1', token: 't' });",
        "export const reply = async (): Promise<ChatResponse | undefined> => { const r = await api.sendMessage({ clientId: 'c', query: 'q' }); return r.ok ? r.data : undefined; };",
        'export const hook = createWebhookHandler((item) => { const text: string = item.data.answer; void text; });',
        '// @ts-expect-error the declarations are real: an unknown method does not compile',
        'void api.sendSms;',
        "// @ts-expect-error deep imports are closed by the exports map",
        "import('chatapi-contract/build/client/index.js');",
      ].join('\n'),
    );
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2023', 'DOM'], strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] },
        files: ['main.ts'],
      }),
    );
    const result = await runCommand('npx', ['tsc', '-p', join(consumer, 'tsconfig.json')]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  describe('at run time', () => {
    let server: FakeServer;
    beforeAll(async () => {
      server = await startFakeServer((_req, res) => sendJson(res, 200, { count: 3 }));
    });
    afterAll(async () => server?.close());

    it('resolves chatapi-contract/client and chatapi-contract/webhook, and keeps the rest private', async () => {
      await writeFile(
        join(consumer, 'run.mjs'),
        `
import { createChatApiClient } from 'chatapi-contract/client';
import { createWebhookHandler } from 'chatapi-contract/webhook';
const api = createChatApiClient({ baseUrl: process.argv[2], token: 'chatapi-dev-token' });
const count = await api.getNotReadCount({ clientId: 'user-42' });
const handler = createWebhookHandler(() => {});
let deep;
try { await import('chatapi-contract/build/client/index.js'); deep = 'importable'; } catch (error) { deep = error.code; }
console.log(JSON.stringify({ ok: count.ok, data: count.data, handler: typeof handler, deep }));
`,
      );
      const result = await runCommand('node', [join(consumer, 'run.mjs'), server.url]);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({ ok: true, data: { count: 3 }, handler: 'function', deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
    });
  });
});

describe('chatapi-contract/client in a browser or React Native', () => {
  it('imports no Node built-in and no package but openapi-fetch, anywhere in its module graph', () => {
    const bare = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      // Type-only imports are followed too: stricter than needed, and simpler.
      for (const { fileName: specifier } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else bare.add(specifier);
      }
    };
    visit(join(root, 'client', 'index.ts'));
    expect([...seen].map((f) => relative(root, f)).some((f) => f.startsWith('client/webhook') || f.startsWith('validation'))).toBe(false);
    const builtins = [...bare].filter((s) => s.startsWith('node:') || builtinModules.includes(s));
    expect(builtins).toEqual([]);
    expect([...bare]).toEqual(['openapi-fetch']);
  });
});
