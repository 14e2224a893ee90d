// Sync POST and GET, async POST, and the scripted bot's answers, through HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_BOT_SCRIPT } from '../../server-stub/index.js';
import { expectError, expectSchema, startTestStub, type TestStub } from './helpers.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let stub: TestStub;
beforeAll(async () => {
  stub = await startTestStub();
});
afterAll(() => stub.close());
beforeEach(async () => {
  await stub.api.reset();
});

describe('POST /chatapi/{token}', () => {
  it('answers a text query with the full reply envelope', async () => {
    const before = Date.now();
    const { status, body } = await stub.api.send({ clientId: 'u1', query: 'hello' });
    expect(status).toBe(200);
    expectSchema('ChatResponse', body);
    expect(body).toMatchObject({
      token: stub.tokens[0],
      clientId: 'u1',
      blockForm: false,
      data: {
        nlpClass: '/Hello',
        confidence: 1,
        replies: [{ type: 'text', text: 'Hello, tester.', state: '/Hello' }],
        answer: 'Hello, tester.',
        newSessionStarted: true,
        endSession: false,
        debugData: [],
      },
    });
    expect(body.questionId).toMatch(UUID);
    expect(body.timestamp).toMatch(TIMESTAMP);
    // UTC without a zone, within the request's time.
    const at = Date.parse(`${body.timestamp}Z`);
    expect(at).toBeGreaterThanOrEqual(before - 5);
    expect(at).toBeLessThanOrEqual(Date.now() + 5);
    expect(body).not.toHaveProperty('cid');
  });

  it('gives every reply a unique questionId and starts a session only once', async () => {
    const first = await stub.api.send({ clientId: 'u2', query: 'hello' });
    const second = await stub.api.send({ clientId: 'u2', query: 'hello' });
    expect(first.body.questionId).not.toBe(second.body.questionId);
    expect(first.body.data.newSessionStarted).toBe(true);
    expect(second.body.data.newSessionStarted).toBe(false);
  });

  it('echoes cid and joins text replies with a blank line', async () => {
    const { body } = await stub.api.send({ clientId: 'u3', query: 'two texts', cid: 'tab-1' });
    expectSchema('ChatResponse', body);
    expect(body.cid).toBe('tab-1');
    expect(body.data.nlpClass).toBe('/Multi/Class');
    expect(body.data.confidence).toBe(0.5);
    expect(body.data.answer).toBe('First.\n\nSecond.');
    expect(body.data.replies.map((r: { type: string }) => r.type)).toEqual(['text', 'image', 'text']);
    expect(body.data.replies.every((r: { state: string }) => r.state === '/Multi')).toBe(true);
  });

  it('matches events, regular expressions with groups, and falls back to the catch-all', async () => {
    const event = await stub.api.send({ clientId: 'u4', event: 'chatOpened', data: { page: '/' } });
    expect(event.body.data.nlpClass).toBe('/Start');
    const regex = await stub.api.send({ clientId: 'u4', query: 'order 42' });
    expect(regex.body.data).toMatchObject({ nlpClass: '/Order', confidence: 0.9, answer: 'Order 42 (42) for u4.' });
    const other = await stub.api.send({ clientId: 'u4', query: 'what is this' });
    expect(other.body.data).toMatchObject({ nlpClass: '/CatchAll', confidence: -0.011, answer: 'Echo: what is this' });
    const unknownEvent = await stub.api.send({ clientId: 'u4', event: 'somethingElse' });
    expect(unknownEvent.body.data.answer).toBe('Echo: event:somethingElse');
  });

  it('reports endSession, and the next message starts a new session', async () => {
    await stub.api.send({ clientId: 'u5', query: 'hello' });
    const bye = await stub.api.send({ clientId: 'u5', query: 'bye' });
    expect(bye.body.data.endSession).toBe(true);
    const again = await stub.api.send({ clientId: 'u5', query: 'hello' });
    expect(again.body.data.newSessionStarted).toBe(true);
  });

  it('sets blockForm only for replies with buttons on a channel that blocks text input', async () => {
    const off = await stub.api.send({ clientId: 'u6', query: 'buttons' });
    expect(off.body.blockForm).toBe(false);
    const settings = await stub.api.settings({ blockTextInputWithButtons: true });
    expect(settings.body).toEqual({ token: stub.tokens[0], webhookUrl: null, blockTextInputWithButtons: true });
    const on = await stub.api.send({ clientId: 'u6', query: 'buttons' });
    expect(on.body.blockForm).toBe(true);
    const noButtons = await stub.api.send({ clientId: 'u6', query: 'hello' });
    expect(noButtons.body.blockForm).toBe(false);
  });
});

describe('GET /chatapi/{token}', () => {
  it('answers a query given as query parameters', async () => {
    const { status, body } = await stub.api.get('/?clientId=g1&query=hello');
    expect(status).toBe(200);
    expectSchema('ChatResponse', body);
    expect(body.data.answer).toBe('Hello, tester.');
  });

  it('reads a `+` as a space and accepts reserved characters in the text, as forms encode them', async () => {
    const { status, body } = await stub.api.get(`?clientId=g1&${new URLSearchParams({ query: 'what is 2+2? a/b & c' })}`);
    expect(status).toBe(200);
    expectSchema('ChatResponse', body);
    expect(body.data.answer).toContain('what is 2+2? a/b & c');
  });

  it('answers an event given as a query parameter', async () => {
    const { body } = await stub.api.get('?clientId=g1&event=chatOpened');
    expect(body.data.nlpClass).toBe('/Start');
  });

  it('needs exactly one of query and event', async () => {
    const neither = await stub.api.get('?clientId=g1');
    expectError(neither, 400, 'chatapi.request.invalid');
    expect(neither.body.violations).toEqual([expect.objectContaining({ location: 'query', path: 'query' })]);
    const both = await stub.api.get('?clientId=g1&query=a&event=b');
    expectError(both, 400, 'chatapi.request.invalid');
    expect(both.body.violations).toEqual([expect.objectContaining({ location: 'query', path: 'event' })]);
  });
});

describe('POST /chatapi/{token}/async', () => {
  it('answers with the questionId only, and records the reply', async () => {
    const { status, body } = await stub.api.sendAsync({ clientId: 'a1', query: 'hello' });
    expect(status).toBe(200);
    expectSchema('AsyncAccepted', body);
    expect(Object.keys(body)).toEqual(['questionId']);
    const history = await stub.api.history('a1');
    expect(history.body.messages.map((m: { questionId: string }) => m.questionId)).toEqual([body.questionId, body.questionId]);
  });
});

describe('the demo bot', () => {
  let demo: TestStub;
  beforeAll(async () => {
    demo = await startTestStub({ botScriptPath: DEMO_BOT_SCRIPT });
  });
  afterAll(() => demo.close());

  it.each([
    ['/start', '/Start', ['text', 'buttons']],
    ['buttons', '/Buttons', ['text', 'buttons']],
    ['image', '/Image', ['image']],
    ['file', '/File', ['text', 'file']],
    ['carousel', '/Carousel', ['carousel']],
    ['remind me', '/RemindMe', ['text', 'timeout']],
    ['operator', '/Operator', ['text', 'switch']],
    ['weather in Paris', '/Weather', ['text']],
    ['something else', '/CatchAll', ['text']],
  ])('answers %j from %s with %j', async (query, state, types) => {
    const { status, body } = await demo.api.send({ clientId: `demo-${state}`, query });
    expect(status).toBe(200);
    expectSchema('ChatResponse', body);
    expect(body.data.nlpClass).toBe(state);
    expect(body.data.replies.map((r: { type: string }) => r.type)).toEqual(types);
  });

  it('greets the chatOpened event and echoes in the catch-all', async () => {
    const opened = await demo.api.send({ clientId: 'demo-e', event: 'chatOpened' });
    expect(opened.body.data.nlpClass).toBe('/Start');
    const echo = await demo.api.send({ clientId: 'demo-e', query: 'anything at all' });
    expect(echo.body.data.answer).toBe('You said: anything at all');
    const weather = await demo.api.send({ clientId: 'demo-e', query: 'weather in Saint-Malo' });
    expect(weather.body.data.answer).toBe('It is always sunny in Saint-Malo (this is a stub).');
  });
});
