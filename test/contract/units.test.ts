// The contract engine's parts, in process: argument rules, safety rules, request building, the
// rate limiter, conformance judgement and the JUnit report.
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../contract/args.js';
import { buildChecks } from '../../contract/checks/index.js';
import { exercisedChecks } from '../../contract/checks/exercised.js';
import type { CheckContext, CheckResult, RunSettings } from '../../contract/checks/types.js';
import { gate } from '../../contract/runner.js';
import { CheckSelection, checkExchange } from '../../contract/conformance.js';
import { describeOperations } from '../../description/operations.js';
import type { Exchange } from '../../contract/http.js';
import { TokenBucket } from '../../contract/rate-limiter.js';
import { summarize, type RunReport } from '../../contract/report.js';
import { junitXml } from '../../contract/reporters/files.js';
import { fixIds, RequestBuilder } from '../../contract/request-builder.js';
import { assertOwnClients, ClientIds, readOnlyOperations, tokenMasker } from '../../contract/safety.js';
import { loadDescription } from '../../description/bundle.js';
import { SchemaValidator } from '../../description/schemas.js';

const document = loadDescription();
const validator = new SchemaValidator(document);
const operations = describeOperations(document);
const op = (id: string) => operations.find((o) => o.operationId === id)!;

describe('arguments', () => {
  const base = ['--base-url', 'http://127.0.0.1:1', '--token', 't'];

  it('has safe defaults and reads every option', () => {
    const defaults = parseCli(base, {});
    expect(defaults).toMatchObject({ baseUrl: 'http://127.0.0.1:1', token: 't', readOnly: false, stateless: false, ratePerSecond: 20, timeoutMs: 30_000 });
    expect(defaults).toMatchObject({ phases: ['examples', 'coverage', 'fuzz', 'stateful'], maxExamples: 25 });
    expect(defaults).not.toHaveProperty('maxResponseTimeMs');
    // A fresh seed every run (printed, so that --seed replays it).
    expect(Number.isInteger((defaults as { seed: number }).seed)).toBe(true);
    const chosen = parseCli([...base, '--phases', 'fuzz,coverage', '--checks', 'not_a_server_error,behaviour', '--exclude-checks', 'webhook', '--seed', '42', '--max-examples', '7', '--max-response-time', '250'], {});
    expect(chosen).toMatchObject({ phases: ['coverage', 'fuzz'], checks: ['not_a_server_error', 'behaviour'], excludeChecks: ['webhook'], seed: 42, maxExamples: 7, maxResponseTimeMs: 250 });
    const all = parseCli([...base, '--webhook-port', '4000', '--webhook-url', 'https://hooks.example.com/x', '--read-only', '--stateless', '--rate', '2.5', '--timeout', '500', '--junit', 'a.xml', '--json', 'a.json'], {});
    expect(all).toMatchObject({ webhookPort: 4000, webhookUrl: 'https://hooks.example.com/x', readOnly: true, stateless: true, ratePerSecond: 2.5, timeoutMs: 500, junit: 'a.xml', json: 'a.json' });
  });

  it('takes the token from the environment', () => {
    expect(parseCli(['--base-url', 'http://h'], { CHATAPI_CONTRACT_TOKEN: 'env' })).toMatchObject({ token: 'env' });
  });

  it.each([
    [[], /--base-url is required/],
    [['--base-url', 'http://h'], /--token is required/],
    [['--base-url', 'ftp://h', '--token', 't'], /http\(s\)/],
    [['--base-url', 'not a url', '--token', 't'], /not a URL/],
    [[...base, '--rate', '0'], /--rate must be a positive number/],
    [[...base, '--timeout', '1.5'], /--timeout must be a positive integer/],
    [[...base, '--webhook-port', '70000'], /at most 65535/],
    [[...base, '--webhook-url', 'http://x'], /--webhook-url needs --webhook-port/],
    [[...base, '--frobnicate'], /Unknown option/],
    [[...base, '--phases', 'examples,warp'], /--phases: unknown "warp"/],
    [[...base, '--checks', 'no_such_check'], /--checks: unknown "no_such_check"/],
    [[...base, '--seed', 'abc'], /--seed must be an integer/],
    [[...base, '--max-examples', '0'], /--max-examples must be a positive integer/],
    [[...base, 'extra'], /positional/],
    [['--base-url', 'http://h', '--token', 'a/b'], /cannot contain/],
    [['--base-url', 'http://u:p@h', '--token', 't'], /must not contain credentials/],
  ])('rejects %j', (args, message) => {
    expect(() => parseCli(args as string[], {})).toThrow(UsageError);
    expect(() => parseCli(args as string[], {})).toThrow(message);
  });
});

describe('safety', () => {
  const ids = new ClientIds('run1');

  it('names clients contract-<runId>-<n>', () => {
    expect([ids.create(), ids.create()]).toEqual(['contract-run1-1', 'contract-run1-2']);
  });

  it("refuses a request for another client's id, in the path, the query or the body", () => {
    expect(() => assertOwnClients(ids, '/chatapi/t/client/contract-run1-1/state', {}, { clientId: 'contract-run1-1' })).not.toThrow();
    expect(() => assertOwnClients(ids, '/chatapi/t/client/user-42/state', {}, undefined)).toThrow(/user-42/);
    expect(() => assertOwnClients(ids, '/chatapi/t/events', { clientId: 'user-42' }, undefined)).toThrow(/user-42/);
    expect(() => assertOwnClients(ids, '/chatapi/t', {}, { clientId: 'user-42', query: 'x' })).toThrow(/user-42/);
    expect(() => assertOwnClients(ids, '/chatapi/t', {}, { clientId: ['contract-run1-9'] })).not.toThrow();
  });

  it('takes the read-only operations from the description (x-read-only), the GET that sends a message among the writing ones', () => {
    const readOnly = readOnlyOperations(operations);
    expect([...readOnly].sort()).toEqual(['getEvents', 'getHistory', 'getMessageStatus', 'getNotReadCount', 'loadState']);
    expect(readOnly.has('sendMessageSimple')).toBe(false);
    // An operation without the mark counts as writing.
    const unmarked = { ...operations[0]!, operationId: 'someFutureOperation', readOnly: false };
    expect(readOnlyOperations([unmarked]).size).toBe(0);
  });

  it('masks the token, also URL-encoded', () => {
    const mask = tokenMasker('AbCd:ef');
    expect(mask('/chatapi/AbCd:ef/x and AbCd%3Aef')).toBe('/chatapi/***/x and ***');
  });
});

describe('request building', () => {
  const builder = new RequestBuilder(document, validator);
  const ids = { token: 'tok', clientId: 'contract-r-1', questionIds: ['q-1', 'q-2'] };

  it('puts the run’s ids into examples and never sets one message twice', () => {
    const fixed = fixIds({ clientId: 'user-42', statuses: [{ questionId: 'a' }, { questionId: 'b' }, { questionId: 'c' }] }, ids);
    expect(fixed).toEqual({ clientId: 'contract-r-1', statuses: [{ questionId: 'q-1' }, { questionId: 'q-2' }] });
  });

  it('builds valid requests from every operation’s examples and schemas, with own ids only', () => {
    for (const o of operations.filter((o) => o.kind === 'path')) {
      for (const input of [...builder.fromExamples(o, ids), ...builder.fromSchemas(o, ids)]) {
        if (o.requestBody) expect(validator.validate(o.requestBody.schemaPointer, input.body).violations, `${o.operationId} ${input.label}`).toEqual([]);
        expect(() => assertOwnClients(new ClientIds('r'), `/client/${input.pathParams.clientId ?? 'contract-r-1'}`, input.query, input.body)).not.toThrow();
      }
    }
  });

  it('generates the same data every run (seeded)', () => {
    expect(builder.fromSchemas(op('sendMessage'), ids)).toEqual(builder.fromSchemas(op('sendMessage'), ids));
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

describe('conformance', () => {
  const exchange = (status: number, body: unknown, contentType = 'application/json'): Exchange => ({
    request: { method: 'GET', url: 'http://x/chatapi/***/client/c/message-not-read-count' },
    response: { status, contentType, headers: {}, text: JSON.stringify(body), json: body },
    durationMs: 1,
  });
  const count = op('getNotReadCount');

  it('accepts a documented status with a valid body', () => {
    expect(checkExchange(validator, count, exchange(200, { count: 1 }), 'success')).toEqual([]);
  });

  it('names the JSON pointer, the request and the response of a schema violation', () => {
    const [v] = checkExchange(validator, count, exchange(200, { count: '1' }), 'success');
    expect(v).toMatchObject({ pointer: '/count', message: 'response body /count: must be integer (NotReadCount)', request: { method: 'GET' }, response: { status: 200 } });
  });

  it('reports undocumented statuses, 5xx for bad input, and wrong content types', () => {
    expect(checkExchange(validator, count, exchange(202, { count: 1 }), 'success')[0]).toMatchObject({ code: 'undocumented_status', check: 'status_code_conformance' });
    expect(checkExchange(validator, count, exchange(202, { count: 1 }), 'success')[0]!.message).toMatch(/^status 202 is not documented for getNotReadCount \(documented: 200, 400, 401, 404/);
    const five = checkExchange(validator, op('sendMessage'), exchange(500, { error: 'e', message: 'm' }), 'client-error').map((v) => v.code);
    expect(five).toEqual(['server_error', 'undocumented_status']);
    expect(checkExchange(validator, count, exchange(200, { count: 1 }, 'text/html'), 'success').map((v) => v.code)).toEqual(['content_type']);
  });

  it('judges the polarity: negative data accepted, positive data rejected, a documented 404 for an id that names nothing', () => {
    expect(checkExchange(validator, count, exchange(200, { count: 1 }), 'client-error').map((v) => v.code)).toEqual(['negative_data_accepted']);
    const rejected = exchange(400, { error: 'chatapi.request.invalid', message: 'm' });
    expect(checkExchange(validator, count, rejected, 'valid').map((v) => v.code)).toEqual(['positive_data_rejected']);
    const status = op('getMessageStatus');
    const missing = exchange(404, { error: 'chatapi.message.not_found', message: 'm' });
    expect(checkExchange(validator, status, missing, 'valid')).toEqual([]);
    expect(checkExchange(validator, status, missing, 'success').map((v) => v.code)).toEqual(['positive_data_rejected']);
  });

  it('checks declared response headers and the response-time limit, and runs only the chosen judges', () => {
    const withHeader = { ...count, responses: count.responses.map((r) => (r.key === '200' ? { ...r, headers: [{ name: 'X-Request-Id', required: true }] } : r)) };
    expect(checkExchange(validator, withHeader, exchange(200, { count: 1 }), 'success').map((v) => v.code)).toEqual(['missing_header']);
    const slow = { ...exchange(200, { count: 1 }), durationMs: 900 };
    expect(checkExchange(validator, count, slow, 'success', { maxResponseTimeMs: 500 }).map((v) => v.code)).toEqual(['slow_response']);
    expect(checkExchange(validator, count, slow, 'success')).toEqual([]);
    const only = new CheckSelection({ only: ['not_a_server_error'] });
    expect(checkExchange(validator, count, exchange(202, { count: '1' }), 'success', { selection: only })).toEqual([]);
    expect(() => new CheckSelection({ exclude: ['no_such_check'] })).toThrow(/unknown check "no_such_check"/);
  });
});

describe('JUnit report', () => {
  it('is well-formed XML with a testcase per check, whatever the wire sent', () => {
    const checks: CheckResult[] = [
      { id: 'a', name: 'a <passing> & "quoted" check', kind: 'operation', status: 'passed', durationMs: 5, exercised: [], requests: 1, violations: [] },
      { id: 'b', name: 'b', kind: 'negative', status: 'failed', durationMs: 5, exercised: [], requests: 1, violations: [{ code: 'server_error', message: 'bad \u0001 <body>', response: { status: 500, contentType: null, headers: {}, text: ']]> \u0000' } }] },
      { id: 'c', name: 'c', kind: 'webhook', status: 'not run', reason: 'no receiver', durationMs: 0, exercised: [], requests: 0, violations: [] },
    ];
    const report = {
      target: 'http://x',
      startedAt: new Date().toISOString(),
      durationMs: 10,
      complete: true,
      summary: summarize(checks),
      checks,
    } as RunReport;
    const xml = junitXml(report);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<testsuites name="chatapi-contract http://x" tests="3" failures="1" errors="0" skipped="1"');
    expect(xml).toContain('<failure message="bad  &lt;body&gt;" type="server_error">');
    expect(xml).toContain('<skipped message="not run: no receiver"');
  });
});

describe('the suite follows the description', () => {
  const settings: RunSettings = {
    baseUrl: 'http://x',
    token: 't',
    runId: 'r',
    readOnly: false,
    stateless: false,
    timeoutMs: 1000,
    phases: ['examples', 'coverage', 'fuzz', 'stateful'],
    selection: new CheckSelection(),
    seed: 1,
    maxExamples: 5,
  };

  it('has positive, unknown-token, coverage, fuzz and exercised checks for every operation, and a links check for every operation with links', () => {
    const ids = buildChecks(operations).map((c) => c.id);
    for (const o of operations) {
      expect(ids, o.operationId).toContain(`exercised/${o.operationId}`);
      if (o.kind === 'path') {
        expect(ids).toEqual(expect.arrayContaining([`${o.operationId}/examples`, `${o.operationId}/schemas`, `${o.operationId}/unknown-token`, `${o.operationId}/coverage`, `${o.operationId}/fuzz`]));
      }
    }
    expect(ids.filter((id) => id.endsWith('/links')).sort()).toEqual(['saveState/links', 'sendMessage/links', 'setMessageStatus/links']);
    expect(ids.filter((id) => id.startsWith('unsupported-methods'))).toHaveLength(new Set(operations.filter((o) => o.kind === 'path').map((o) => o.path)).size);
  });

  it('fails the coverage of an operation no check exercised, naming it', async () => {
    const unknown = { ...op('getHistory'), operationId: 'listArchives', path: '/chatapi/{token}/archives' };
    const [check] = exercisedChecks([unknown]);
    const violations: string[] = [];
    const ctx = {
      settings,
      results: [{ status: 'passed', exercised: ['getHistory'] }],
      expect: (ok: boolean, message: string) => (ok || violations.push(message), ok),
      note: () => undefined,
    } as unknown as CheckContext;
    expect(await check!.run(ctx)).toBeUndefined();
    expect(violations).toEqual(['no check that ran got an answer from listArchives (GET /chatapi/{token}/archives)']);
  });

  it('keeps checks out of runs that cannot show them, saying why', () => {
    const readOnly = readOnlyOperations(operations);
    const [history] = buildChecks(operations).filter((c) => c.id === 'behaviour/history-records-query');
    const [webhook] = buildChecks(operations).filter((c) => c.kind === 'webhook');
    expect(gate(history!, settings, true, readOnly)).toBeUndefined();
    expect(gate(history!, { ...settings, stateless: true }, true, readOnly)).toEqual({ status: 'not applicable', reason: 'needs a target that keeps state (--stateless)' });
    expect(gate(history!, { ...settings, readOnly: true }, true, readOnly)).toEqual({ status: 'not run', reason: '--read-only: would call sendMessage' });
    expect(gate(webhook!, settings, false, readOnly)).toEqual({ status: 'not run', reason: 'no webhook receiver (give --webhook-port)' });
    expect(gate(history!, { ...settings, phases: ['fuzz'] }, true, readOnly)).toEqual({ status: 'not run', reason: 'the examples phase is off (--phases)' });
    expect(gate(history!, { ...settings, selection: new CheckSelection({ exclude: ['behaviour'] }) }, true, readOnly)).toEqual({
      status: 'not run',
      reason: 'the check behaviour is not chosen (--checks, --exclude-checks)',
    });
  });
});
