// What the contract engine's coverage and fuzz phases found in the stub, each reproduced here as a
// request a real client sends, and fixed (the choices are in openapi/DECISIONS.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectSchema, request, startTestStub, type TestStub } from './helpers.js';

let stub: TestStub;
let base: string;
beforeAll(async () => {
  stub = await startTestStub({ longPollMs: 300 });
  base = `${stub.url}/chatapi/${stub.tokens[0]}`;
});
afterAll(() => stub.close());

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('unknown query parameters are ignored, as a JVM web stack ignores them', () => {
  it.each([
    ['GET', '/events?clientId=c-cache&_=1764072733262'],
    ['GET', '/client/c-cache/history?nocache=1'],
    ['GET', '/client/c-cache/state?v=2'],
    ['GET', '/client/c-cache/message-not-read-count?_=1'],
  ])('%s %s → 200', async (method, suffix) => {
    expect((await request(method, `${base}${suffix}`)).status).toBe(200);
  });
});

describe('malformed percent escapes are a 400 that says where, and store nothing', () => {
  it('in a query value: 400 malformed_escape naming the parameter, and no message is sent', async () => {
    const result = await request('GET', `${base}?clientId=c-escape&query=caf%E9`);
    expectError(result, 400, 'chatapi.request.malformed_escape');
    expect(result.body.violations).toEqual([expect.objectContaining({ location: 'query', path: 'query' })]);
    expect(result.body.message).toMatch(/malformed percent escape/);
    const history = await request('GET', `${base}/client/c-escape/history`);
    expect(history.body.messages).toEqual([]);
  });

  it('in a path segment: 400 with a message, never an empty one', async () => {
    const result = await request('GET', `${base}/client/c%E0%A4%A/state`);
    expectError(result, 400, 'chatapi.request.malformed_escape');
    expect(result.body.message).toContain('%E0%A4%A');
    expect(result.body.violations[0]).toMatchObject({ location: 'path' });
  });

  it('leaves well-formed escapes and + alone', async () => {
    const result = await request('GET', `${base}?clientId=c-plus&query=caf%C3%A9+au+lait`);
    expect(result.status).toBe(200);
    const history = await request('GET', `${base}/client/c-plus/history`);
    expect(history.body.messages[0].text).toBe('café au lait');
  });
});

describe('a numeric clientId is read as its decimal text', () => {
  it('POST with "clientId": 12345 → 200, answered with the string "12345", and recorded for that client', async () => {
    const result = await request('POST', base, json({ clientId: 12345, query: 'hello from PHP' }));
    expect(result.status).toBe(200);
    expect(result.body.clientId).toBe('12345');
    expectSchema('ChatResponse', result.body);
    const history = await request('GET', `${base}/client/12345/history`);
    expect(history.body.messages.map((m: { text?: string }) => m.text)).toContain('hello from PHP');
  });
});

describe('timestamps past 2^53 − 1 are refused', () => {
  it.each(['/events?clientId=c-ts&ts=9007199254740993', '/client/c-ts/history?fromTimestamp=9223372036854775808', '/events?clientId=c-ts&ts=1.5'])('GET %s → 400', async (suffix) => {
    expectError(await request('GET', `${base}${suffix}`), 400, 'chatapi.request.invalid');
  });

  it('the largest safe integer is accepted', async () => {
    expect((await request('GET', `${base}/events?clientId=c-ts&ts=9007199254740991`)).status).toBe(200);
  });
});

describe('query and event exclude each other in the schema', () => {
  it('a body with both is a 400, not a 500 (an event with a query array crashed the async send)', async () => {
    expectError(await request('POST', `${base}/async`, json({ clientId: 'c-both', event: 'chatOpened', query: ['item'] })), 400, 'chatapi.request.invalid');
    expectError(await request('POST', base, json({ clientId: 'c-both', event: 'chatOpened', query: 'hi' })), 400, 'chatapi.request.invalid');
  });

  it('the first complaint about a oneOf body names the real problem, not the other branch', async () => {
    const result = await request('POST', base, json({ clientId: 'c-one', query: '' }));
    expectError(result, 400, 'chatapi.request.invalid');
    expect(result.body.violations[0]).toMatchObject({ location: 'body', path: '/query' });
    expect(result.body.violations[0].message).toMatch(/fewer than 1 characters/);
  });
});

describe('a batch of statuses naming an unknown message', () => {
  it('404 points at the member of the body that named it', async () => {
    const reply = await request('POST', base, json({ clientId: 'c-batch', query: 'hi' }));
    const result = await request(
      'POST',
      `${base}/client/c-batch/message-statuses`,
      json({ statuses: [{ questionId: reply.body.questionId, status: 'READ' }, { questionId: 'no-such-message', status: 'READ' }] }),
    );
    expectError(result, 404, 'chatapi.message.not_found');
    expect(result.body.violations).toEqual([expect.objectContaining({ location: 'body', path: '/statuses/1/questionId' })]);
  });
});

describe('an empty path segment', () => {
  it.each(['/client//state', '/client//message-not-read-count'])('GET %s → the documented 404', async (suffix) => {
    expectError(await request('GET', `${base}${suffix}`), 404, 'chatapi.route.not_found');
  });
});
