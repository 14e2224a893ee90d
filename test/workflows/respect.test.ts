// Issue 20: the user journeys of openapi/workflows/chat.arazzo.yaml, run by `redocly respect` (as a
// process, as `npm run workflows` runs it once the bundle is built) against the server stub: every workflow passes, the
// webhook reaches the package's receiver, and the channel token never appears in what Respect
// prints or writes. Behind a proxy that makes the stub lose a saved state, Respect fails.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createWebhookHandler } from '../../client/webhook/index.js';
import { packageRoot } from '../../description/bundle.js';
import { startStub, type ChatApiStub } from '../../server-stub/public-api.js';
import { rewriteJson, startProxy, type RunningProxy } from '../contract/broken-servers/proxy.js';
import { runCommand, type CommandResult } from '../helpers/run-command.js';

const ROOT = packageRoot();
const WORKFLOWS = 'openapi/workflows/chat.arazzo.yaml';
// A token shaped like a real one (the `:` is percent-encoded in some places, not in others).
const TOKEN = 'AbCdEfGh:0123456789abcdef0123456789abcdef01234567';
const workflowIds = (parse(readFileSync(join(ROOT, WORKFLOWS), 'utf8')) as { workflows: { workflowId: string }[] }).workflows.map((w) => w.workflowId);

interface RespectRun extends CommandResult {
  json: { files: Record<string, { executedWorkflows: { workflowId: string; status: string; executedSteps: { stepId: string; status: string; checks: { condition?: string; passed: boolean }[] }[] }[] }> };
  har: string;
  jsonText: string;
}

let dir: string;

/**
 * Respect as `npm run workflows -- …` runs it, with the token given the way the README says: in the
 * environment, not on the command line. (Not through npm: its bundle step would rewrite dist/ under
 * the tests that read it in parallel.)
 */
async function respect(url: string, inputs: string, ...args: string[]): Promise<RespectRun> {
  const json = join(dir, `respect-${Date.now()}.json`);
  const har = join(dir, `respect-${Date.now()}.har`);
  const result = await runCommand('node', ['scripts/redocly.mjs', 'respect', WORKFLOWS, '--server', `chatapi=${url}`, '--server', `stub=${url}`, '--json-output', json, '--har-output', har, '--verbose', ...args], {
    REDOCLY_CLI_RESPECT_INPUT: inputs,
  });
  if (!existsSync(json)) throw new Error(`respect wrote no JSON log (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  const jsonText = readFileSync(json, 'utf8');
  return { ...result, json: JSON.parse(jsonText), jsonText, har: readFileSync(har, 'utf8') };
}

const workflowsOf = (run: RespectRun) => Object.values(run.json.files).flatMap((file) => file.executedWorkflows);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'respect-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the workflows against the stub', () => {
  let stub: ChatApiStub;
  let receiver: Server;
  let receiverUrl: string;
  const received: { questionId: string }[] = [];
  let run: RespectRun;

  beforeAll(async () => {
    receiver = createServer(createWebhookHandler((item) => void received.push(item)));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/chatapi-webhook`;
    stub = await startStub({ token: TOKEN, longPollMs: 500 });
    run = await respect(stub.url, `token=${TOKEN},webhookUrl=${receiverUrl}`);
  }, 90_000);

  afterAll(async () => {
    await stub?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('passes every workflow of the Arazzo file', () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(workflowsOf(run).map((w) => [w.workflowId, w.status])).toEqual(workflowIds.map((id) => [id, 'success']));
    expect(workflowIds).toEqual(['sendAndReadHistory', 'asyncSend', 'asyncReplyDelivered', 'markReadAndCountUnread', 'saveAndLoadState']);
  });

  it('the async reply reached the webhook receiver with the questionId the workflow saw', async () => {
    const delivered = workflowsOf(run).find((w) => w.workflowId === 'asyncReplyDelivered')!;
    expect(delivered.executedSteps.at(-1)).toMatchObject({ stepId: 'webhookDelivered', status: 'success' });
    const deliveries = await stub.deliveries();
    const acknowledged = deliveries.filter((d) => d.state === 'delivered' && d.url === receiverUrl);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(received.map((item) => item.questionId)).toEqual(expect.arrayContaining(acknowledged.map((d) => d.payload[0]!.questionId)));
  });

  it('never shows the token: not in the output, the JSON log or the HAR file', () => {
    const secrets = [TOKEN, encodeURIComponent(TOKEN), TOKEN.split(':')[1]!];
    for (const [name, text] of [
      ['stdout', run.stdout],
      ['stderr', run.stderr],
      ['--json-output', run.jsonText],
      ['--har-output', run.har],
    ] as const) {
      for (const secret of secrets) expect(text.includes(secret), `${name} contains ${secret}`).toBe(false);
    }
    // Masked, not missing: the requests went to /chatapi/<token>/….
    expect(run.stdout).toContain(`Request URL: ${stub.url}/chatapi/********`);
    expect(run.har).toContain('/chatapi/********');
  });
});

describe('the workflows against a broken stub', () => {
  let stub: ChatApiStub;
  let proxy: RunningProxy;

  beforeAll(async () => {
    // The stub forgets a saved state: loading answers {} (valid for the schema, wrong for the journey).
    proxy = await startProxy({ response: rewriteJson((request, response) => request.method === 'GET' && request.path.endsWith('/state') && response.status === 200, () => ({})) });
    stub = await startStub({ token: TOKEN, longPollMs: 500 });
    proxy.upstream = stub.url;
  });
  afterAll(async () => {
    await proxy?.close();
    await stub?.close();
  });

  it('fails the journey the stub breaks, at the step and check that catch it, and still masks the token', async () => {
    const run = await respect(proxy.url, `token=${TOKEN}`, '--workflow', 'saveAndLoadState', '--workflow', 'sendAndReadHistory');
    expect(run.code).not.toBe(0);
    const workflows = workflowsOf(run);
    expect(workflows.map((w) => [w.workflowId, w.status])).toEqual([
      ['sendAndReadHistory', 'success'],
      ['saveAndLoadState', 'error'],
    ]);
    const load = workflows[1]!.executedSteps.find((step) => step.stepId === 'load')!;
    expect(load.checks.filter((check) => !check.passed).map((check) => check.condition)).toEqual(["$response.body#/page == 'checkout'", '$response.body#/cart/1 == 14']);
    // The failure report prints the failed requests: the token is masked there too.
    for (const text of [run.stdout, run.stderr, run.jsonText, run.har]) expect(text.includes(TOKEN.split(':')[1]!)).toBe(false);
  }, 90_000);
});
