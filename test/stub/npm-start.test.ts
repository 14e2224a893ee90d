// `npm start` as a newcomer runs it, in a fresh copy of the working tree: the first start builds
// everything; a start with nothing changed, or with only the environment changed, skips the bundle
// and the docs and recompiles nothing (their outputs stay as they were), and a changed input rebuilds
// only what is made from it. scripts/build.mjs decides; `npm run bench:start` times it.
import { appendFile, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStubCommand } from '../helpers/stub-command.js';
import { copyWorkingTree } from '../helpers/working-tree.js';

let tree: string;

beforeAll(async () => {
  tree = await mkdtemp(join(tmpdir(), 'chatapi-start-'));
  await copyWorkingTree(tree);
});

afterAll(async () => {
  if (tree) await rm(tree, { recursive: true, force: true });
});

const OUTPUTS = ['dist/openapi.json', 'dist/openapi.yaml', 'dist/docs.html', 'dist/control-api.html', 'build/server-stub/main.js', 'build/server-stub/public/render.js', 'client/dist/client/index.js'];

/** When each output was last written. */
async function writtenAt(): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  for (const file of OUTPUTS) times[file] = (await stat(join(tree, file))).mtimeMs;
  return times;
}

/** `npm start` in the copy until its first answer; its build lines (`build: <step> …`). */
async function npmStart(env: NodeJS.ProcessEnv = {}, whileRunning?: (url: string) => Promise<void>): Promise<Record<string, string>> {
  const server = await startStubCommand('npm', ['start'], { cwd: tree, env, timeoutMs: 240_000 });
  try {
    await whileRunning?.(server.url);
    const steps: Record<string, string> = {};
    for (const [, step, what] of server.output().matchAll(/^build: (\S+) (.*)$/gm)) steps[step!] = what!;
    return steps;
  } finally {
    await server.stop();
  }
}

const upToDate = 'up to date (inputs unchanged)';

it('builds at the first start, then skips what did not change: the environment is not an input', async () => {
  const first = await npmStart();
  expect(first.bundle).toMatch(/^built in/);
  expect(first.docs).toMatch(/^built in/);
  expect(first['control-docs']).toMatch(/^built in/);
  const built = await writtenAt();

  // Nothing changed; then the port, the tokens and the long poll changed: nothing is rebuilt.
  for (const env of [{}, { CHATAPI_TOKENS: 'chatapi-dev-token,another-token', CHATAPI_LONG_POLL_MS: '1000', CHATAPI_LOG: 'requests' }]) {
    const again = await npmStart(env);
    // TypeScript is not even started: no file changed since the last compile.
    expect(again).toEqual({ bundle: upToDate, docs: upToDate, 'control-docs': upToDate, compile: 'up to date (no file changed since the last compile)' });
    expect(await writtenAt()).toEqual(built);
  }

  // A file saved without a change (a new modification time, the same content): nothing rebuilt
  // (tsc --build looks, and finds its outputs newer than the description it does not compile).
  const now = new Date();
  await utimes(join(tree, 'openapi', 'openapi.yaml'), now, now);
  expect(await npmStart()).toMatchObject({ bundle: upToDate, docs: upToDate, 'control-docs': upToDate });
  expect(await writtenAt()).toEqual(built);
}, 600_000);

it('rebuilds only what a change is made from: the control API docs for control-api.yaml, the page script for its source', async () => {
  const before = await writtenAt();
  await appendFile(join(tree, 'server-stub', 'control-api.yaml'), '# a comment added by the start test\n');
  await appendFile(join(tree, 'server-stub', 'public', 'render.ts'), '// a comment added by the start test\n');
  let served = '';
  const steps = await npmStart({}, async (url) => {
    served = await (await fetch(`${url}/ui/server-stub/public/render.js`)).text();
  });
  expect(steps).toMatchObject({ bundle: upToDate, docs: upToDate });
  expect(steps['control-docs']).toMatch(/^built in/);
  const after = await writtenAt();
  for (const file of ['dist/openapi.json', 'dist/openapi.yaml', 'dist/docs.html']) expect(after[file], file).toBe(before[file]);
  for (const file of ['dist/control-api.html', 'build/server-stub/public/render.js']) expect(after[file], file).toBeGreaterThan(before[file]!);
  // The stub serves what was rebuilt.
  expect(served).toContain('a comment added by the start test');
}, 300_000);
