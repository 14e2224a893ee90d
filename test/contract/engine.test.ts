// The engine's request generation in process: boundary values, polarity, the coverage mutations,
// fuzz generation, style/explode serialisation, links (declared and by name), recorded traffic,
// curl lines and the id guard.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chatApiProfile } from '../../contract/chatapi/profile.js';
import { generatedRequests } from '../../contract/engine/checks/fuzz.js';
import { evaluate, inferredLinks } from '../../contract/engine/checks/stateful.js';
import { curlLine, type Exchange } from '../../contract/engine/exchange.js';
import { mutationsOf, type CaseContext } from '../../contract/engine/requests/cases.js';
import { polarityOf, requestTarget, type RequestDraft } from '../../contract/engine/requests/draft.js';
import { assertOwned, OwnedIds } from '../../contract/engine/requests/ids.js';
import { parameterValid, pathSegment, queryPart, readQueryParameter } from '../../contract/engine/requests/parameters.js';
import { boundaryValues } from '../../contract/engine/requests/values.js';
import { judgeRecorded, Router } from '../../contract/engine/traffic.js';
import { malformedPart } from '../../description/percent-escapes.js';
import { nonEmptyQueryParameters } from '../../mock/prism.js';
import { Description } from '../../description/index.js';
import type { OperationSpec, ParameterSpec } from '../../description/operations.js';

const description = Description.load();
const validator = description.schemas;
const operations: readonly OperationSpec[] = await description.dereferencedOperations();
const op = (id: string) => operations.find((o) => o.operationId === id)!;
const schema = (name: string) => description.valueAt(`#/components/schemas/${name}`) as Record<string, unknown>;
const PREFIX = 'contract-r1-7-';
const cases: CaseContext = { validator, prefix: PREFIX, ownedIds: new Set(['clientId']), credential: { in: 'path', name: 'token', value: 'tok' } };

const eventsRequest = (query: Record<string, string>, token = 'tok'): RequestDraft => ({ label: 'base', path: { token }, query: { clientId: `${PREFIX}a`, ...query }, headers: {} });

describe('boundary values', () => {
  it('of a clientId: at and past each limit, always the run own id (or empty, which names no one)', () => {
    const values = boundaryValues(schema('ClientId'), { prefix: PREFIX });
    const labels = values.map((v) => v.label);
    expect(labels).toEqual(expect.arrayContaining(['the maximum length (256)', 'longer than the maximum (257)', 'an empty string', 'non-ASCII text', 'an array instead', 'the maximum length (256) in astral (😀) characters', 'the maximum length (256) with combining marks']));
    for (const { value } of values) {
      const strings = typeof value === 'string' ? [value] : JSON.stringify(value).match(/"[^"]*"/g)?.map((s) => s.slice(1, -1)).filter((s) => s !== 'value') ?? [];
      for (const s of strings) expect(s === '' || s.startsWith(PREFIX), JSON.stringify(value)).toBe(true);
      expect(typeof value).not.toBe('number');
    }
    expect(values.find((v) => v.label === 'the maximum length (256)')?.value).toHaveLength(256);
    // Non-ASCII at the limit: exactly 256 code points (what maxLength counts), of 2 to 4 bytes each.
    for (const label of ['two-byte (é)', 'three-byte (日)', 'astral (😀)']) {
      const value = values.find((v) => v.label === `the maximum length (256) in ${label} characters`)?.value as string;
      expect([...value]).toHaveLength(256);
      expect(validator.validateSchema('ClientId', value).valid).toBe(true);
    }
    const combining = values.find((v) => v.label === 'the maximum length (256) with combining marks')?.value as string;
    expect([...combining]).toHaveLength(256);
    expect(combining).toMatch(/e\u0301/);
  });

  it('of an enum: every value and one outside', () => {
    const labels = boundaryValues(schema('MessageStatus')).map((v) => v.label);
    expect(labels).toEqual(expect.arrayContaining(['enum value "READ"', 'enum value "DELIVERED"', 'a value outside the enum', 'a number instead']));
  });

  it('of an int64 timestamp: the bounds, a fraction, 2^53 − 1 and past the int64 range', () => {
    const labels = boundaryValues({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }).map((v) => v.label);
    expect(labels).toEqual(expect.arrayContaining(['the minimum (0)', 'below the minimum (-1)', `the maximum (${Number.MAX_SAFE_INTEGER})`, 'above the maximum', 'a fractional number', 'past the int64 range (2^63)']));
  });

  it('reads parameter text as a server does', () => {
    const ts = { type: 'integer', format: 'int64', minimum: 0 };
    const valid = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    expect(parameterValid(ts, '12', valid)).toBe(true);
    expect(parameterValid(ts, '1.5', valid)).toBe(false);
    expect(parameterValid(ts, '9223372036854775807', valid)).toBe(true);
    expect(parameterValid(ts, '9223372036854775808', valid)).toBe(false);
    expect(parameterValid({ type: 'boolean' }, 'yes', () => true)).toBe(false);
  });
});

describe('the polarity of a request is the description word', () => {
  const events = op('getEvents');

  it('valid, invalid, or left to prose', () => {
    expect(polarityOf(cases, events, eventsRequest({}))).toBe('valid');
    expect(polarityOf(cases, events, eventsRequest({ _: '1' }))).toBe('valid');
    expect(polarityOf(cases, events, eventsRequest({ ts: '1.5' }))).toBe('invalid');
    expect(polarityOf(cases, events, eventsRequest({ ts: String(2 ** 53) }))).toBe('invalid');
    expect(polarityOf(cases, events, eventsRequest({ cid: '' }))).toBe('invalid');
    expect(polarityOf(cases, events, { ...eventsRequest({}), rawQuery: 'cid=%E0%A4%A' })).toBe('invalid');
    const simple = op('sendMessageSimple');
    const both: RequestDraft = { label: 'both', path: { token: 'tok' }, query: { clientId: `${PREFIX}a`, query: 'hi', event: 'go' }, headers: {} };
    expect(polarityOf(cases, simple, both)).toBe('unspecified');
  });

  it('any other token is refused by a real channel, but only its schema counts against a mock', () => {
    expect(polarityOf(cases, events, eventsRequest({}, 'another'))).toBe('invalid');
    expect(polarityOf({ validator }, events, eventsRequest({}, 'another'))).toBe('valid');
  });

  it('the coverage mutations cover every location and what the issue lists', () => {
    const send = op('sendMessage');
    const base: RequestDraft = { label: 'base', path: { token: 'tok' }, query: {}, headers: {}, body: { clientId: `${PREFIX}a`, query: 'hi' } };
    const mutations = mutationsOf(cases, send, [{ clientId: `${PREFIX}a`, query: 'hi' }, { clientId: `${PREFIX}a`, event: 'go' }], new Set(['questionId']));
    const labels = mutations.map((m) => m.label);
    for (const expected of [
      'path parameter token: a malformed percent escape',
      'body /query: longer than the maximum (4097)',
      'body /clientId left out',
      'body: matching two oneOf branches',
      'body: matching no oneOf branch (only the common members)',
      'body: sent as text/plain',
      'query: an unknown parameter (a cache-buster)',
    ]) {
      expect(labels).toContain(expected);
    }
    const byLabel = (label: string) => mutations.find((m) => m.label === label)!.apply(base)!;
    expect(polarityOf(cases, send, byLabel('body: matching two oneOf branches'))).toBe('invalid');
    expect(polarityOf(cases, send, byLabel('body: matching no oneOf branch (only the common members)'))).toBe('invalid');
    expect(polarityOf(cases, send, byLabel('body /query: the maximum length (4096)'))).toBe('valid');
    expect(polarityOf(cases, send, byLabel('body /query: the maximum length (4096) in astral (😀) characters'))).toBe('valid');
    expect(polarityOf(cases, send, byLabel('body /query: longer than the maximum (4097) in astral (😀) characters'))).toBe('invalid');
    const statusLabels = mutationsOf(cases, op('setMessageStatuses'), []).map((m) => m.label);
    expect(statusLabels).toEqual(expect.arrayContaining(['body /statuses/0/status: a value outside the enum', 'body /statuses: more items than the maximum (251)']));
  });
});

describe('fuzz generation', () => {
  it('repeats with a seed, and every clientId it generates is the run own', () => {
    const bindings = { token: ['tok'], clientId: [`${PREFIX}a`] };
    const arbitrary = generatedRequests(cases, op('getEvents'), bindings, 'token');
    const first = fc.sample(arbitrary, { seed: 42, numRuns: 50 });
    expect(fc.sample(arbitrary, { seed: 42, numRuns: 50 })).toEqual(first);
    for (const request of first) expect(String(request.query.clientId).startsWith(PREFIX)).toBe(true);
    for (const request of first) expect(request.path.token).toBe('tok');
    for (const request of fc.sample(generatedRequests(cases, op('sendMessage'), bindings, 'token'), { seed: 3, numRuns: 50 })) {
      expect(typeof (request.body as { clientId?: unknown }).clientId).toBe('string');
      expect(String((request.body as { clientId?: unknown }).clientId)).toMatch(new RegExp(`^${PREFIX}`));
    }
  });
});

describe('links', () => {
  const step = {
    request: { path: { token: 't', clientId: 'c1' }, query: { all: 'true' }, headers: {}, body: { clientId: 'c1', query: 'hi' } } as RequestDraft,
    exchange: { request: { method: 'POST', url: 'u' }, response: { status: 200, contentType: 'application/json', headers: { location: '/x' }, text: '', json: { questionId: 'q9', data: { answer: 'a' } } }, startedAt: 0, durationMs: 1 } as Exchange,
  };

  it('evaluates the runtime expressions the description uses', () => {
    expect(evaluate('$response.body#/questionId', step)).toBe('q9');
    expect(evaluate('$response.body#/data/answer', step)).toBe('a');
    expect(evaluate('$request.body#/clientId', step)).toBe('c1');
    expect(evaluate('$request.path.clientId', step)).toBe('c1');
    expect(evaluate('$request.query.all', step)).toBe('true');
    expect(evaluate('$statusCode', step)).toBe(200);
    expect(evaluate('$response.header.Location', step)).toBe('/x');
    expect(evaluate('a constant', step)).toBe('a constant');
  });

  it('every link of the description names an operation and parameters it has', () => {
    for (const o of operations) {
      for (const link of o.responses.flatMap((r) => r.links)) {
        const target = op(link.operationId);
        expect(target, link.name).toBeDefined();
        for (const name of Object.keys(link.parameters)) expect(target.parameters.map((p) => `${p.in}.${p.name}`)).toContain(name);
      }
    }
  });
});

describe('curl lines, the safety guard and the Prism guard', () => {
  it('reproduces a request in a shell, quotes included', () => {
    const line = curlLine({ method: 'POST', url: "http://127.0.0.1:1/chatapi/***?q=it's", contentType: 'application/json', body: { query: "it's" } });
    expect(line).toBe(`curl -sS -i -X POST 'http://127.0.0.1:1/chatapi/***?q=it'\\''s' -H 'content-type: application/json' --data-raw '{"query":"it'\\''s"}'`);
  });

  it('lets through values that name no other client, refuses any that could', () => {
    const ids = new OwnedIds('r1');
    const own = ids.create();
    const names = ['clientId'];
    for (const clientId of ['', null, [own], { value: `${own}-x` }, `${own}-é`]) expect(() => assertOwned(ids, names, { path: {}, query: {}, body: { clientId } })).not.toThrow();
    for (const clientId of [12345, 'user-42', [own, 'user-42']]) expect(() => assertOwned(ids, names, { path: {}, query: {}, body: { clientId } })).toThrow(/refusing/);
    expect(() => assertOwned(ids, names, { path: {}, rawPath: { clientId: `${own}%E0%A4%A` }, query: {} })).not.toThrow();
    expect(() => assertOwned(ids, names, { path: {}, query: {}, rawQuery: 'clientId=user-42%E0' })).toThrow(/refusing/);
  });

  it('finds what Prism cannot take, and the query parameters that cannot be empty', () => {
    expect(malformedPart('/chatapi/%E0%A4%A/events')).toEqual({ location: 'path', name: '%E0%A4%A', text: '%E0%A4%A' });
    expect(malformedPart('/chatapi/t/events?cid=%ZZ')).toEqual({ location: 'query', name: 'cid', text: 'cid=%ZZ' });
    expect(malformedPart('/chatapi/t/events?query=a+b%20c')).toBeUndefined();
    expect([...nonEmptyQueryParameters(description.document)].sort()).toEqual(['all', 'cid', 'clientId', 'event', 'fromTimestamp', 'query', 'toTimestamp', 'ts']);
  });
});

describe('parameters on the wire, by style and explode', () => {
  const param = (name: string, where: ParameterSpec['in'], style: string, explode: boolean, type: string): ParameterSpec => ({ name, in: where, required: false, style, explode, schema: type === 'array' ? { type, items: { type: 'integer' } } : type === 'object' ? { type, properties: { a: { type: 'integer' }, b: { type: 'string' } } } : { type }, schemaPointer: '', examples: [] });

  it('serialises arrays and objects as OpenAPI says, instead of dropping them', () => {
    expect(queryPart(param('ids', 'query', 'form', true, 'array'), ['1', '2'])).toBe('ids=1&ids=2');
    expect(queryPart(param('ids', 'query', 'form', false, 'array'), ['1', '2'])).toBe('ids=1,2');
    expect(queryPart(param('ids', 'query', 'pipeDelimited', false, 'array'), ['1', '2'])).toBe('ids=1|2');
    expect(queryPart(param('f', 'query', 'deepObject', true, 'object'), { a: '1', b: 'x y' })).toBe('f[a]=1&f[b]=x%20y');
    expect(queryPart(param('f', 'query', 'form', true, 'object'), { a: '1', b: 'x' })).toBe('a=1&b=x');
    expect(pathSegment(param('ids', 'path', 'simple', false, 'array'), ['1', '2'])).toBe('1,2');
    expect(pathSegment(param('ids', 'path', 'label', false, 'array'), ['1', '2'])).toBe('.1,2');
    expect(pathSegment(param('ids', 'path', 'matrix', true, 'array'), ['1', '2'])).toBe(';ids=1;ids=2');
    expect(pathSegment(param('id', 'path', 'simple', false, 'string'), 'a/b c')).toBe('a%2Fb%20c');
  });

  it('reads them back as a server does, and judges their items by their schema', () => {
    const pairs: Array<[string, string]> = [['ids', '1'], ['ids', '2'], ['f[a]', '3'], ['f[b]', 'x']];
    expect(readQueryParameter(param('ids', 'query', 'form', true, 'array'), pairs)).toEqual(['1', '2']);
    expect(readQueryParameter(param('f', 'query', 'deepObject', true, 'object'), pairs)).toEqual({ a: '3', b: 'x' });
    const ids = param('ids', 'query', 'form', true, 'array');
    expect(parameterValid(ids.schema, ['1', '2'], (v) => Array.isArray(v) && v.every(Number.isInteger))).toBe(true);
    expect(parameterValid(ids.schema, ['1', 'x'], () => true)).toBe(false);
  });

  it('builds the request line with every parameter where its style puts it', () => {
    const op = { operationId: 'x', path: '/a/{ids}', parameters: [param('ids', 'path', 'simple', false, 'array'), param('q', 'query', 'form', true, 'array')] } as unknown as OperationSpec;
    expect(requestTarget(op, { path: { ids: ['1', '2'] }, query: { q: ['a', 'b'], extra: 'e' }, headers: {} })).toBe('/a/1,2?q=a&q=b&extra=e');
  });
});

describe('links inferred by name', () => {
  it('feeds a questionId an answer carries into every {questionId} parameter, not the run-owned ids', () => {
    const links = inferredLinks(op('sendMessageAsync'), operations, chatApiProfile());
    expect(links.map((l) => l.operationId).sort()).toEqual(['getMessageStatus', 'setMessageStatus']);
    expect(links[0]!.parameters).toEqual({ 'path.questionId': '$response.body#/questionId' });
    // Array items (events, history) are not followed by name: there may be none to follow.
    expect(inferredLinks(op('getHistory'), operations, chatApiProfile())).toEqual([]);
  });
});

describe('recorded traffic, judged like the run', () => {
  const exchange = (method: string, path: string, status: number, json: unknown, body?: unknown): Exchange => ({
    request: { method, url: `http://127.0.0.1:1${path}`, ...(body !== undefined ? { contentType: 'application/json', body } : {}) },
    response: { status, contentType: 'application/json', headers: {}, text: JSON.stringify(json), json },
    startedAt: 0,
    durationMs: 3,
  });

  it('routes by the templates, reads the request back, and runs the same judges', () => {
    const router = new Router(operations);
    expect(router.prefix).toBe('/chatapi/');
    const ok = judgeRecorded(router, exchange('GET', '/chatapi/***/client/c1/message-not-read-count', 200, { count: 1 }), { validator });
    expect(ok).toMatchObject({ operationId: 'getNotReadCount', findings: [] });
    const broken = judgeRecorded(router, exchange('GET', '/chatapi/***/client/c1/message-not-read-count', 200, { count: '1' }), { validator });
    expect(broken.findings.map((f) => f.code)).toEqual(['schema_violation']);
    const badRequest = judgeRecorded(router, exchange('POST', '/chatapi/***', 200, { questionId: 'q' }, { query: 'no client' }), { validator });
    expect(badRequest.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['request_violation', 'negative_data_accepted']));
    expect(judgeRecorded(router, exchange('GET', '/chatapi/***/nothing/here', 404, {}), { validator }).findings.map((f) => f.code)).toEqual(['unknown_operation']);
    expect(judgeRecorded(router, exchange('PUT', '/chatapi/***/client/c1/history', 200, {}), { validator }).findings.map((f) => f.code)).toEqual(['unsupported_method']);
    expect(judgeRecorded(router, exchange('GET', '/playground/app.js', 200, {}), { validator })).toMatchObject({ match: { kind: 'outside' }, findings: [] });
  });
});
