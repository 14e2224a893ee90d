// Issue 13: `contractTests` against a target that breaks the contract: the checks fail as vitest
// tests, each with the violations (and the exchange that showed them) as its failure message, and
// a check the options keep from running is reported skipped with the reason. The suite runs in a
// vitest process of its own, over the compiled module (`npm test` builds first).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packageRoot } from '../../description/bundle.js';
import { runCommand } from '../helpers/run-command.js';

const root = packageRoot();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatapi-contract-vitest-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Assertion {
  ancestorTitles: string[];
  title: string;
  status: string;
  failureMessages: string[];
}

it('fails each broken check with its violations, and skips what the options rule out', async () => {
  const module = pathToFileURL(join(root, 'build', 'contract', 'vitest.js')).href;
  await writeFile(
    join(dir, 'broken.test.mjs'),
    `
import { createServer } from 'node:http';
import { afterAll } from 'vitest';
import { contractTests } from ${JSON.stringify(module)};
// Answers every request 200 with an empty object: valid JSON, never what the description says.
const server = createServer((req, res) => { req.resume(); res.writeHead(200, { 'content-type': 'application/json' }).end('{}'); });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
afterAll(() => new Promise((resolve) => server.close(resolve)));
contractTests(() => ({ baseUrl: 'http://127.0.0.1:' + server.address().port, token: 'chatapi-dev-token', ratePerSecond: 1000, timeoutMs: 2000 }));
`,
  );
  const output = join(dir, 'results.json');
  const result = await runCommand(join(root, 'node_modules', '.bin', 'vitest'), ['run', '--root', dir, '--reporter=json', `--outputFile=${output}`]);
  expect(result.code).toBe(1);
  const report = JSON.parse(await readFile(output, 'utf8')) as { testResults: { assertionResults: Assertion[] }[] };
  const tests = report.testResults.flatMap((file) => file.assertionResults);
  const named = (title: string) => tests.find((t) => t.title === title);

  const examples = named('sendMessage: requests from the examples');
  expect(examples?.ancestorTitles).toEqual(['Chat API contract', 'sendMessage']);
  expect(examples?.status).toBe('failed');
  const message = examples!.failureMessages.join('\n');
  expect(message).toContain('[failed]');
  expect(message).toMatch(/request: +POST http:\/\/127\.0\.0\.1:\d+\/chatapi\/\*+/); // the token masked
  expect(message).toMatch(/response: 200 application\/json +\{\}/);

  // Without a webhook receiver, the webhook checks do not run: skipped, not passed.
  const webhook = tests.filter((t) => t.ancestorTitles[1] === 'receiveChatApiMessage' && t.title.startsWith('webhook'));
  expect(webhook.length).toBeGreaterThan(0);
  expect(webhook.every((t) => t.status === 'skipped')).toBe(true);
  expect(tests.some((t) => t.status === 'passed' && t.ancestorTitles[1] === 'sendMessage' && t.title.includes('requests from'))).toBe(false);
}, 120_000);

/** Runs `contractTests(options)` in a vitest process of its own against a server answering every request with `answer`. */
async function runSuite(name: string, answer: string, options: string): Promise<Assertion[]> {
  const module = pathToFileURL(join(root, 'build', 'contract', 'vitest.js')).href;
  await writeFile(
    join(dir, `${name}.test.mjs`),
    `
import { createServer } from 'node:http';
import { afterAll } from 'vitest';
import { contractTests } from ${JSON.stringify(module)};
const server = createServer((req, res) => { req.resume(); ${answer} });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
afterAll(() => new Promise((resolve) => server.close(resolve)));
contractTests(() => ({ baseUrl: 'http://127.0.0.1:' + server.address().port, ${options} }));
`,
  );
  const output = join(dir, `${name}.json`);
  const result = await runCommand(join(root, 'node_modules', '.bin', 'vitest'), ['run', '--root', dir, `${name}.test.mjs`, '--reporter=json', `--outputFile=${output}`], { CHATAPI_CONTRACT_TOKEN: '' });
  expect(result.code).toBe(1);
  const report = JSON.parse(await readFile(output, 'utf8')) as { testResults: { assertionResults: Assertion[] }[] };
  return report.testResults.flatMap((file) => file.assertionResults);
}

it.each([
  ['token: undefined (the README example with CHATAPI_TOKEN unset)', 'no-token', "res.writeHead(200, { 'content-type': 'application/json' }).end('{}');", 'token: undefined', /contractTests: token is required: it is undefined/],
  ['a token the target refuses', 'refused', "res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'chatapi.token.unknown', message: 'No channel', status: 401 }));", "token: 'not-a-channel'", /the target refused the token \(401 from GET/],
])('a run that cannot be made (%s) is one failing test with the reason, the checks skipped with it', async (_name, file, answer, options, reason) => {
  const tests = await runSuite(file, answer, options);
  const failed = tests.filter((t) => t.status === 'failed');
  expect(failed.map((t) => t.title)).toEqual(['the contract run can be made (options, target, token)']);
  expect(failed[0]!.failureMessages.join('\n')).toMatch(reason);
  expect(failed[0]!.failureMessages.join('\n')).not.toContain('Cannot read properties');
  const checks = tests.filter((t) => t !== failed[0]);
  expect(checks.length).toBeGreaterThan(100);
  expect(checks.every((t) => t.status === 'skipped')).toBe(true);
}, 120_000);
