// The contract engine's parts, in process: option rules, safety rules, request building, the rate
// limiter, the judges, the reports, and how the plan follows the description.
import { XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../contract/args.js';
import { UsageError } from '../../contract/io.js';
import { chatApiProfile } from '../../contract/chatapi/profile.js';
import type { CheckResult, RunSettings, VerdictContext } from '../../contract/engine/check.js';
import { exercisedVerdicts } from '../../contract/engine/checks/exercised.js';
import type { Exchange } from '../../contract/engine/exchange.js';
import { CheckSelection, JUDGE_NAMES, judgeExchange } from '../../contract/engine/judges.js';
import { OptionsError, validateOptions } from '../../contract/engine/options.js';
import { makePlan, type Plan } from '../../contract/engine/plan.js';
import { TokenBucket } from '../../contract/engine/rate-limiter.js';
import { summarize, type RunReport } from '../../contract/engine/report.js';
import { junitXml } from '../../contract/engine/reporters/files.js';
import { ndjsonLines } from '../../contract/engine/reporters/ndjson.js';
import { RequestBuilder } from '../../contract/engine/requests/builder.js';
import { assertOwned, bindIds, OwnedIds, secretMasker } from '../../contract/engine/requests/ids.js';
import { gate } from '../../contract/engine/runner.js';
import { SkipReason } from '../../contract/engine/skip.js';
import { Description } from '../../description/index.js';
import type { OperationSpec } from '../../description/operations.js';

const description = Description.load();
const validator = description.schemas;
let operations: readonly OperationSpec[];
let plan: Plan;
const op = (id: string) => operations.find((o) => o.operationId === id)!;
beforeAll(async () => {
  operations = await description.dereferencedOperations();
  plan = makePlan(operations, chatApiProfile());
});

describe('options, the same for the command and contractTests()', () => {
  const base = ['--base-url', 'http://127.0.0.1:1', '--token', 't'];
  const parse = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const line = parseCommandLine(args);
    if (line === 'help') throw new Error('help');
    return { ...line, options: validateOptions(line.input, plan.checkNames, 'flags', env) };
  };

  it('has safe defaults and reads every option', () => {
    const { options: defaults } = parse(base);
    expect(defaults).toMatchObject({ baseUrl: 'http://127.0.0.1:1', token: 't', readOnly: false, stateless: false, ratePerSecond: 20, timeoutMs: 30_000, concurrency: 4 });
    expect(defaults).toMatchObject({ phases: ['examples', 'coverage', 'fuzz', 'stateful'], maxExamples: 25 });
    expect(defaults).not.toHaveProperty('maxResponseTimeMs');
    // A fresh seed every run (printed, so that --seed replays it).
    expect(Number.isInteger(defaults.seed)).toBe(true);
    const chosen = parse([...base, '--phases', 'fuzz,coverage', '--checks', 'not_a_server_error,behaviour', '--exclude-checks', 'webhook', '--seed', '42', '--max-examples', '7', '--max-response-time', '250']);
    expect(chosen.options).toMatchObject({ phases: ['coverage', 'fuzz'], checks: ['not_a_server_error', 'behaviour'], excludeChecks: ['webhook'], seed: 42, maxExamples: 7, maxResponseTimeMs: 250 });
    const all = parse([...base, '--webhook-port', '4000', '--webhook-url', 'https://hooks.example.com/x', '--read-only', '--stateless', '--rate', '2.5', '--timeout', '500', '--junit', 'a.xml', '--json', 'a.json', '--ndjson', 'a.ndjson', '--har', 'a.har']);
    expect(all.options).toMatchObject({ webhookPort: 4000, webhookUrl: 'https://hooks.example.com/x', readOnly: true, stateless: true, ratePerSecond: 2.5, timeoutMs: 500 });
    expect(all.reports).toEqual({ junit: 'a.xml', json: 'a.json', ndjson: 'a.ndjson', har: 'a.har' });
  });

  it('takes the token from the environment', () => {
    expect(parse(['--base-url', 'http://h'], { CHATAPI_CONTRACT_TOKEN: 'env' }).options).toMatchObject({ token: 'env' });
  });

  it.each([
    [[], /--base-url is required/],
    [['--base-url', 'http://h'], /--token is required/],
    [['--base-url', 'ftp://h', '--token', 't'], /http\(s\)/],
    [['--base-url', 'not a url', '--token', 't'], /not a URL/],
    [[...base, '--rate', '0'], /--rate must be a positive number/],
    [[...base, '--timeout', '1.5'], /--timeout must be a positive integer/],
    [[...base, '--webhook-port', '70000'], /--webhook-port must be a port/],
    [[...base, '--webhook-url', 'http://x'], /--webhook-url needs --webhook-port/],
    [[...base, '--phases', 'examples,warp'], /--phases: unknown "warp"/],
    [[...base, '--checks', 'no_such_check'], /--checks: unknown "no_such_check"/],
    [[...base, '--seed', 'abc'], /--seed must be an integer/],
    [[...base, '--max-examples', '0'], /--max-examples must be a positive integer/],
    [['--base-url', 'http://h', '--token', 'a/b'], /cannot contain/],
    [['--base-url', 'http://u:p@h', '--token', 't'], /must not contain credentials/],
  ])('rejects %j with one message', (args, message) => {
    expect(() => parse(args as string[])).toThrow(OptionsError);
    expect(() => parse(args as string[])).toThrow(message);
  });

  it.each([
    [[...base, '--frobnicate'], /Unknown option/],
    [[...base, 'extra'], /positional/],
    [[...base, '--replay', 'f-1'], /--replay needs --from/],
    [[...base, '--from', 'r.json'], /--from goes with --replay/],
  ])('refuses the command line %j', (args, message) => {
    expect(() => parseCommandLine(args as string[])).toThrow(UsageError);
    expect(() => parseCommandLine(args as string[])).toThrow(message);
  });

  it('names what contractTests() was given by its field, and a missing token clearly', () => {
    expect(() => validateOptions({ baseUrl: 'http://h', token: undefined }, plan.checkNames, 'fields', {})).toThrow(/token is required: it is undefined/);
    expect(() => validateOptions({ baseUrl: 'http://h', token: 't', ratePerSecond: -1 }, plan.checkNames, 'fields', {})).toThrow(/^ratePerSecond must be a positive number, not -1$/);
    expect(() => validateOptions({ baseUrl: 'http://h', token: 't', phases: ['warp'] }, plan.checkNames, 'fields', {})).toThrow(/^phases: unknown "warp"/);
  });
});

describe('safety', () => {
  const ids = new OwnedIds('run1');

  it('names its ids contract-<runId>-<n>', () => {
    expect([ids.create(), ids.create()]).toEqual(['contract-run1-1', 'contract-run1-2']);
  });

  it("refuses a request naming another client's id, in the path, the query or the body", () => {
    const names = ['clientId'];
    const request = (parts: Partial<Parameters<typeof assertOwned>[2]>) => ({ path: {}, query: {}, ...parts });
    expect(() => assertOwned(ids, names, request({ path: { clientId: 'contract-run1-1' }, body: { clientId: 'contract-run1-1' } }))).not.toThrow();
    expect(() => assertOwned(ids, names, request({ path: { clientId: 'user-42' } }))).toThrow(/user-42/);
    expect(() => assertOwned(ids, names, request({ query: { clientId: 'user-42' } }))).toThrow(/user-42/);
    expect(() => assertOwned(ids, names, request({ rawQuery: 'clientId=user-42' }))).toThrow(/user-42/);
    expect(() => assertOwned(ids, names, request({ body: { clientId: 'user-42', query: 'x' } }))).toThrow(/user-42/);
    expect(() => assertOwned(ids, names, request({ body: { clientId: ['contract-run1-9'] } }))).not.toThrow();
    expect(() => assertOwned(ids, names, request({ body: { clientId: 12345 } }))).toThrow(/12345/);
  });

  it('takes the read-only operations from the description (x-read-only), the GET that sends a message among the writing ones', () => {
    const readOnly = operations.filter((o) => o.readOnly).map((o) => o.operationId);
    expect(readOnly.sort()).toEqual(['getEvents', 'getHistory', 'getMessageStatus', 'getNotReadCount', 'loadState']);
  });

  it('masks the token, also URL-encoded', () => {
    const mask = secretMasker(['AbCd:ef']);
    expect(mask('/chatapi/AbCd:ef/x and AbCd%3Aef')).toBe('/chatapi/***/x and ***');
  });
});

describe('request building', () => {
  const bindings = { token: ['tok'], clientId: ['contract-r-1'], questionId: ['q-1', 'q-2'] };
  let builder: RequestBuilder;
  beforeAll(() => {
    builder = new RequestBuilder({ validator, ownedIds: new Set(['clientId']), resourceNames: new Set(['questionId']), prefix: 'contract-r-' });
  });

  it('puts the run’s ids into examples and never names one resource twice in a list', () => {
    const bound = bindIds({ clientId: 'user-42', statuses: [{ questionId: 'a' }, { questionId: 'b' }, { questionId: 'c' }] }, bindings, new Set(['questionId']));
    expect(bound).toEqual({ clientId: 'contract-r-1', statuses: [{ questionId: 'q-1' }, { questionId: 'q-2' }] });
  });

  it('builds valid requests from every operation’s examples and schemas (fast-check), with own ids only', () => {
    const ids = new OwnedIds('r');
    for (const o of operations.filter((o) => o.kind === 'path')) {
      for (const request of [...builder.fromExamples(o, bindings), ...builder.fromSchemas(o, bindings)]) {
        if (o.requestBody) expect(validator.validate(o.requestBody.schemaPointer, request.body).violations, `${o.operationId} ${request.label}`).toEqual([]);
        expect(() => assertOwned(ids, ['clientId'], request)).not.toThrow();
        expect(request.path.token).toBe('tok');
      }
    }
  });

  it('generates the same data every run (seeded)', () => {
    expect(builder.fromSchemas(op('sendMessage'), bindings)).toEqual(builder.fromSchemas(op('sendMessage'), bindings));
  });

  it('derives bodies the description forbids', () => {
    const valid = { clientId: 'contract-r-1', query: 'Hello' };
    const labels = builder.invalidBodies(op('sendMessage'), valid).map((b) => b.label);
    expect(labels).toEqual(['without /clientId', '/clientId as an array', 'an array instead of an object']);
    for (const { body } of builder.invalidBodies(op('sendMessage'), valid)) {
      expect(validator.validate(op('sendMessage').requestBody!.schemaPointer, body).valid).toBe(false);
    }
    expect(builder.invalidBodies(op('saveState'), { any: 'object' }).map((b) => b.label)).toEqual(['an array instead of an object']);
  });
});

describe('rate limiter', () => {
  it('starts at most `rate` requests per second', async () => {
    const bucket = new TokenBucket(50);
    const started = performance.now();
    await Promise.all(Array.from({ length: 11 }, () => bucket.take()));
    // The first goes at once, the other ten 20 ms apart.
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('gives up when the run is cut short', async () => {
    const bucket = new TokenBucket(1);
    await bucket.take();
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

describe('judges', () => {
  const exchange = (status: number, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}): Exchange => ({
    request: { method: 'GET', url: 'http://x/chatapi/***/client/c/message-not-read-count' },
    response: { status, contentType, headers, text: JSON.stringify(body), json: body },
    startedAt: 0,
    durationMs: 1,
  });

  it('accepts a documented status with a valid body', () => {
    expect(judgeExchange(validator, op('getNotReadCount'), exchange(200, { count: 1 }), 'success')).toEqual([]);
  });

  it('names the JSON pointer, the request and the response of a schema violation', () => {
    const [v] = judgeExchange(validator, op('getNotReadCount'), exchange(200, { count: '1' }), 'success');
    expect(v).toMatchObject({ pointer: '/count', message: 'response body /count: must be integer (NotReadCount)', request: { method: 'GET' }, response: { status: 200 } });
  });

  it('reports undocumented statuses, 5xx for bad input, and wrong content types', () => {
    const count = op('getNotReadCount');
    expect(judgeExchange(validator, count, exchange(202, { count: 1 }), 'success')[0]).toMatchObject({ code: 'undocumented_status', check: 'status_code_conformance' });
    expect(judgeExchange(validator, count, exchange(202, { count: 1 }), 'success')[0]!.message).toMatch(/^status 202 is not documented for getNotReadCount \(documented: 200, 400, 401, 404/);
    const five = judgeExchange(validator, op('sendMessage'), exchange(500, { error: 'e', message: 'm' }), 'client-error').map((v) => v.code);
    expect(five).toEqual(['server_error', 'undocumented_status']);
    expect(judgeExchange(validator, count, exchange(200, { count: 1 }, 'text/html'), 'success').map((v) => v.code)).toEqual(['content_type']);
  });

  it('judges the polarity: negative data accepted, positive data rejected, a documented 404 for an id that names nothing', () => {
    const count = op('getNotReadCount');
    expect(judgeExchange(validator, count, exchange(200, { count: 1 }), 'client-error').map((v) => v.code)).toEqual(['negative_data_accepted']);
    const rejected = exchange(400, { error: 'chatapi.request.invalid', message: 'm' });
    expect(judgeExchange(validator, count, rejected, 'valid').map((v) => v.code)).toEqual(['positive_data_rejected']);
    const status = op('getMessageStatus');
    const missing = exchange(404, { error: 'chatapi.message.not_found', message: 'm' });
    expect(judgeExchange(validator, status, missing, 'valid')).toEqual([]);
    expect(judgeExchange(validator, status, missing, 'success').map((v) => v.code)).toEqual(['positive_data_rejected']);
  });

  it('wants an Allow header on a 405 (RFC 9110)', () => {
    const refused = (headers: Record<string, string>) => judgeExchange(validator, op('getNotReadCount'), exchange(405, { error: 'e', message: 'm' }, 'application/json', headers), 'documented', { selection: new CheckSelection(JUDGE_NAMES, { only: ['allow_header_on_405'] }) });
    expect(refused({}).map((v) => v.code)).toEqual(['method_not_allowed_without_allow']);
    expect(refused({ allow: 'GET' })).toEqual([]);
  });

  it('checks declared response headers and the response-time limit, and runs only the chosen judges', () => {
    const count = op('getNotReadCount');
    const withHeader = { ...count, responses: count.responses.map((r) => (r.key === '200' ? { ...r, headers: [{ name: 'X-Request-Id', required: true }] } : r)) };
    expect(judgeExchange(validator, withHeader, exchange(200, { count: 1 }), 'success').map((v) => v.code)).toEqual(['missing_header']);
    const slow = { ...exchange(200, { count: 1 }), durationMs: 900 };
    expect(judgeExchange(validator, count, slow, 'success', { maxResponseTimeMs: 500 }).map((v) => v.code)).toEqual(['slow_response']);
    expect(judgeExchange(validator, count, slow, 'success')).toEqual([]);
    const only = new CheckSelection(JUDGE_NAMES, { only: ['not_a_server_error'] });
    expect(judgeExchange(validator, count, exchange(202, { count: '1' }), 'success', { selection: only })).toEqual([]);
    expect(() => new CheckSelection(JUDGE_NAMES, { exclude: ['no_such_check'] })).toThrow(/unknown check "no_such_check"/);
  });
});

describe('reports', () => {
  const checks: CheckResult[] = [
    { id: 'a', name: 'a <passing> & "quoted" check', suite: 'positive', status: 'passed', intended: [], durationMs: 5, exercised: [], succeeded: [], requests: 1, findings: [] },
    { id: 'b', name: 'b', suite: 'negative', status: 'failed', intended: [], durationMs: 5, exercised: [], succeeded: [], requests: 1, findings: [{ id: 'f-1', code: 'server_error', message: 'bad \u0001 <body>', response: { status: 500, contentType: null, headers: {}, text: ']]> \u0000' } }] },
    { id: 'c', name: 'c', suite: 'webhook', status: 'not run', reason: 'no receiver', intended: [], durationMs: 0, exercised: [], succeeded: [], requests: 0, findings: [] },
  ];
  const report = { target: 'http://x', startedAt: new Date().toISOString(), durationMs: 10, complete: true, exitCode: 1, summary: summarize(checks), notices: [], warnings: ['w'], checks } as unknown as RunReport;

  it('JUnit: well-formed XML with a testcase per check, whatever the wire sent', () => {
    const xml = junitXml(report);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<testsuites name="chatapi-contract http://x" tests="3" failures="1" errors="0" skipped="1"');
    expect(xml).toContain('<failure message="bad  &lt;body&gt;" type="server_error">');
    expect(xml).toContain('<skipped message="not run: no receiver"');
  });

  it('NDJSON: the run, a line per check and per finding (with its id), the warnings and the summary', () => {
    const lines = ndjsonLines(report).map((line) => JSON.parse(line) as { type: string; id?: string; checkId?: string });
    expect(lines.map((l) => l.type)).toEqual(['run', 'check', 'check', 'finding', 'check', 'warning', 'summary']);
    expect(lines[3]).toMatchObject({ type: 'finding', checkId: 'b', id: 'f-1', code: 'server_error' });
  });
});

describe('the plan follows the description', () => {
  const settings = (): RunSettings => ({ runId: 'r', readOnly: false, stateless: false, timeoutMs: 1000, phases: ['examples', 'coverage', 'fuzz', 'stateful'] as RunSettings['phases'], selection: new CheckSelection(plan.checkNames), seed: 1, maxExamples: 5 });

  it('has positive, unknown-token, coverage, fuzz and exercised checks for every operation, and a links check for every operation with links', () => {
    const ids = [...plan.checks, ...plan.verdicts].map((c) => c.id);
    for (const o of operations) {
      expect(ids, o.operationId).toContain(`exercised/${o.operationId}`);
      if (o.kind === 'path') {
        expect(ids).toEqual(expect.arrayContaining([`${o.operationId}/examples`, `${o.operationId}/schemas`, `${o.operationId}/unknown-token`, `${o.operationId}/coverage`, `${o.operationId}/fuzz`]));
      }
    }
    expect(ids.filter((id) => id.endsWith('/links')).sort()).toEqual(['saveState/links', 'sendMessage/links', 'setMessageStatus/links']);
    expect(ids.filter((id) => id.startsWith('unsupported-methods'))).toHaveLength(new Set(operations.filter((o) => o.kind === 'path').map((o) => o.path)).size);
  });

  it('infers links by name: a questionId an answer carries feeds the operations that take one', () => {
    const byName = plan.checks.filter((c) => c.id.endsWith('/links-by-name')).map((c) => c.id);
    expect(byName).toEqual(expect.arrayContaining(['sendMessageAsync/links-by-name', 'sendMessageSimple/links-by-name']));
    expect(plan.checks.find((c) => c.id === 'sendMessageAsync/links-by-name')!.name).toMatch(/getMessageStatus, setMessageStatus/);
  });

  it('has no Chat API operation in the engine: the profile brings them', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const root = join(import.meta.dirname, '../../contract/engine');
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const names = [...operations.map((o) => o.operationId), 'clientId', 'questionId', '/chatapi/', 'chatapi.'];
    for (const file of files(root)) {
      const code = readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      for (const name of names) expect(code.includes(name), `${file} names ${name}`).toBe(false);
    }
  });

  it('fails the coverage of an operation no check exercised, naming it', async () => {
    const unknown = { ...op('getHistory'), operationId: 'listArchives', path: '/chatapi/{token}/archives' };
    const [verdict] = exercisedVerdicts([unknown]);
    const found: string[] = [];
    const ctx = {
      settings: settings(),
      results: [{ status: 'passed', exercised: ['getHistory'], intended: ['getHistory'] }],
      expect: (ok: boolean, message: string) => (ok || found.push(message), ok),
      note: () => undefined,
    } as unknown as VerdictContext;
    expect(await verdict!.run(ctx)).toBeUndefined();
    expect(found).toEqual(['no check that ran got an answer from listArchives (GET /chatapi/{token}/archives)']);
  });

  it('keeps checks out of runs only for a reason the user chose, saying which', () => {
    const readOnly = new Set(operations.filter((o) => o.readOnly).map((o) => o.operationId));
    const history = plan.checks.find((c) => c.id === 'behaviour/history-records-query')!;
    const webhook = plan.checks.find((c) => c.suite === 'webhook')!;
    const s = settings();
    expect(gate(history, s, true, readOnly)).toBeUndefined();
    expect(gate(history, { ...s, stateless: true }, true, readOnly)).toEqual({ reason: SkipReason.Stateless });
    expect(gate(history, { ...s, readOnly: true }, true, readOnly)).toEqual({ reason: SkipReason.ReadOnly, detail: 'would call sendMessage' });
    expect(gate(webhook, s, false, readOnly)).toEqual({ reason: SkipReason.NoWebhookReceiver });
    expect(gate(history, { ...s, phases: ['fuzz'] as RunSettings['phases'] }, true, readOnly)).toEqual({ reason: SkipReason.PhaseOff, detail: 'examples' });
    expect(gate(history, { ...s, selection: new CheckSelection(plan.checkNames, { exclude: ['behaviour'] }) }, true, readOnly)).toEqual({ reason: SkipReason.NotChosen, detail: 'behaviour' });
  });
});
