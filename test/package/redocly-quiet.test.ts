// Issue 13: `npm start` and `npm test` run Redocly through scripts/redocly.mjs, which drops the
// boxed notices Redocly prints at every step but keeps its real errors and its exit code.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommand } from '../helpers/run-command.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatapi-redocly-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a successful bundle prints no box, and says what it made', async () => {
  const out = join(dir, 'bundle.yaml');
  const result = await runCommand('node', ['scripts/redocly.mjs', 'bundle', 'chatapi', '-o', out]);
  expect(result.code).toBe(0);
  const output = result.stdout + result.stderr;
  expect(output).not.toMatch(/[╔║╚]/);
  expect(output).not.toContain('Node.js');
  expect(output).toContain(`Created a bundle for openapi/openapi.yaml at ${out}`);
});

it("a broken description still shows Redocly's errors, and fails", async () => {
  const broken = join(dir, 'broken.yaml');
  await writeFile(broken, 'openapi: 3.1.0\ninfo:\n  version: 1\npaths:\n  /x:\n    get:\n      responses: {}\n');
  const result = await runCommand('node', ['scripts/redocly.mjs', 'lint', broken]);
  expect(result.code).not.toBe(0);
  const output = result.stdout + result.stderr;
  expect(output).not.toContain('Node.js 20 support is ending');
  expect(output).toMatch(/title/); // info.title is required
  expect(output).toMatch(/error/i);
});
