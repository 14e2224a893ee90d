// The contract engine's pieces, without a server: boundary values, the polarity of a request,
// fast-check generation (seeded, own clientIds only), runtime expressions of links, curl lines,
// the safety guard and the guard in front of Prism.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatedRequests } from '../../contract/checks/fuzz.js';
import { evaluate } from '../../contract/checks/stateful.js';
import { describeOperations } from '../../description/operations.js';
import { curlLine, type Exchange } from '../../contract/http.js';
import { caseOf, mutationsOf, polarityOf, type CaseContext, type CaseRequest } from '../../contract/request-cases.js';
import { assertOwnClients, ClientIds } from '../../contract/safety.js';
import { boundaryValues, parameterValid } from '../../contract/schema-values.js';
import { malformedPart } from '../../description/percent-escapes.js';
import { nonEmptyQueryParameters } from '../../mock/prism.js';
import { loadDescription } from '../../description/bundle.js';
import { SchemaValidator } from '../../description/schemas.js';

const document = loadDescription();
const validator = new SchemaValidator(document);
const operations = describeOperations(document);
const op = (id: string) => operations.find((o) => o.operationId === id)!;
const PREFIX = 'contract-r1-7-';
const cases: CaseContext = { document, validator, prefix: PREFIX, token: 'tok' };

const eventsRequest = (query: Record<string, string>, token = 'tok'): CaseRequest => caseOf('base', { pathParams: { token }, query: { clientId: `${PREFIX}a`, ...query } });

describe('boundary values', () => {
  it('of a clientId: at and past each limit, always the run own id (or empty, which names no one)', () => {
    const values = boundaryValues(document, { $ref: '#/components/schemas/ClientId' }, { prefix: PREFIX });
    const labels = values.map((v) => v.label);
    expect(labels).toEqual(expect.arrayContaining(['the maximum length (256)', 'longer than the maximum (257)', 'an empty string', 'non-ASCII text', 'an array instead']));
    for (const { value } of values) {
      const strings = typeof value === 'string' ? [value] : JSON.stringify(value).match(/"[^"]*"/g)?.map((s) => s.slice(1, -1)).filter((s) => s !== 'value') ?? [];
      for (const s of strings) expect(s === '' || s.startsWith(PREFIX), JSON.stringify(value)).toBe(true);
      expect(typeof value).not.toBe('number');
    }
    expect(values.find((v) => v.label === 'the maximum length (256)')?.value).toHaveLength(256);
  });

  it('of an enum: every value and one outside', () => {
    const labels = boundaryValues(document, { $ref: '#/components/schemas/MessageStatus' }).map((v) => v.label);
    expect(labels).toEqual(expect.arrayContaining(['enum value "READ"', 'enum value "DELIVERED"', 'a value outside the enum', 'a number instead']));
  });

  it('of an int64 timestamp: the bounds, a fraction, 2^53 − 1 and past the int64 range', () => {
    const labels = boundaryValues(document, { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }).map((v) => v.label);
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
    const both = caseOf('both', { pathParams: { token: 'tok' }, query: { clientId: `${PREFIX}a`, query: 'hi', event: 'go' } });
    expect(polarityOf(cases, simple, both)).toBe('unspecified');
  });

  it('any other token is refused by a real channel, but only its schema counts against a mock', () => {
    expect(polarityOf(cases, events, eventsRequest({}, 'another'))).toBe('invalid');
    expect(polarityOf({ ...cases, token: undefined }, events, eventsRequest({}, 'another'))).toBe('valid');
  });

  it('the coverage mutations cover every location and what the issue lists', () => {
    const send = op('sendMessage');
    const base = caseOf('base', { pathParams: { token: 'tok' }, query: {}, body: { clientId: `${PREFIX}a`, query: 'hi' } });
    const mutations = mutationsOf(cases, send, [{ clientId: `${PREFIX}a`, query: 'hi' }, { clientId: `${PREFIX}a`, event: 'go' }]);
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
    const statusLabels = mutationsOf(cases, op('setMessageStatuses'), []).map((m) => m.label);
    expect(statusLabels).toEqual(expect.arrayContaining(['body /statuses/0/status: a value outside the enum', 'body /statuses: more items than the maximum (251)']));
  });
});

describe('fuzz generation', () => {
  it('repeats with a seed, and every clientId it generates is the run own', () => {
    const base = eventsRequest({});
    const arbitrary = generatedRequests(cases, op('getEvents'), base, []);
    const first = fc.sample(arbitrary, { seed: 42, numRuns: 50 });
    expect(fc.sample(arbitrary, { seed: 42, numRuns: 50 })).toEqual(first);
    for (const request of first) expect(request.query.clientId?.startsWith(PREFIX)).toBe(true);
    for (const request of fc.sample(generatedRequests(cases, op('sendMessage'), caseOf('b', { pathParams: { token: 'tok' }, query: {} }), []), { seed: 3, numRuns: 50 })) {
      expect(typeof (request.body as { clientId?: unknown }).clientId).toBe('string');
      expect(String((request.body as { clientId?: unknown }).clientId)).toMatch(new RegExp(`^${PREFIX}`));
    }
  });
});

describe('links', () => {
  const step = {
    input: { pathParams: { token: 't', clientId: 'c1' }, query: { all: 'true' }, body: { clientId: 'c1', query: 'hi' } },
    exchange: { request: { method: 'POST', url: 'u' }, response: { status: 200, contentType: 'application/json', headers: {}, text: '', json: { questionId: 'q9', data: { answer: 'a' } } }, durationMs: 1 } as Exchange,
  };

  it('evaluates the runtime expressions the description uses', () => {
    expect(evaluate('$response.body#/questionId', step)).toBe('q9');
    expect(evaluate('$response.body#/data/answer', step)).toBe('a');
    expect(evaluate('$request.body#/clientId', step)).toBe('c1');
    expect(evaluate('$request.path.clientId', step)).toBe('c1');
    expect(evaluate('$request.query.all', step)).toBe('true');
    expect(evaluate('$statusCode', step)).toBe(200);
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
    const ids = new ClientIds('r1');
    const own = ids.create();
    for (const clientId of ['', null, [own], { value: `${own}-x` }, `${own}-é`]) expect(() => assertOwnClients(ids, '/chatapi/t', {}, { clientId })).not.toThrow();
    for (const clientId of [12345, 'user-42', [own, 'user-42']]) expect(() => assertOwnClients(ids, '/chatapi/t', {}, { clientId })).toThrow(/refusing/);
    expect(() => assertOwnClients(ids, `/chatapi/t/client/${own}%E0%A4%A/state`, {}, undefined)).not.toThrow();
    expect(() => assertOwnClients(ids, '/chatapi/t/events', {}, undefined, 'clientId=user-42%E0')).toThrow(/refusing/);
  });

  it('finds what Prism cannot take, and the query parameters that cannot be empty', () => {
    expect(malformedPart('/chatapi/%E0%A4%A/events')).toEqual({ location: 'path', name: '%E0%A4%A', text: '%E0%A4%A' });
    expect(malformedPart('/chatapi/t/events?cid=%ZZ')).toEqual({ location: 'query', name: 'cid', text: 'cid=%ZZ' });
    expect(malformedPart('/chatapi/t/events?query=a+b%20c')).toBeUndefined();
    expect([...nonEmptyQueryParameters(document)].sort()).toEqual(['all', 'cid', 'clientId', 'event', 'fromTimestamp', 'query', 'toTimestamp', 'ts']);
  });
});
