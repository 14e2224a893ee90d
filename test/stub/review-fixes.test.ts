// Regressions found in review: each was reproduced against the stub before it was fixed.
import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { EventBus } from '../../server-stub/events.js';
import { MemoryStore } from '../../server-stub/store/memory.js';
import { expectError, request, startTestStub, type TestStub } from './helpers.js';

let stub: TestStub;
beforeAll(async () => {
  stub = await startTestStub({ longPollMs: 400 });
});
afterAll(() => stub.close());

describe('a JSON body that is empty', () => {
  it.each(['', '/async', '/client/c-empty/state'])('POST /chatapi/{token}%s → 400 malformed_json, and nothing is stored', async (suffix) => {
    const result = await request('POST', `${stub.url}/chatapi/${stub.tokens[0]}${suffix}`, { headers: { 'content-type': 'application/json' } });
    expectError(result, 400, 'chatapi.request.malformed_json');
    const state = await request('GET', `${stub.url}/chatapi/${stub.tokens[0]}/client/c-empty/state`);
    expect(state.body).toEqual({});
    const events = await request('GET', `${stub.url}/chatapi/${stub.tokens[0]}/events?clientId=c-empty&all=true&ts=0`);
    expect(events.status).toBe(200);
    expect(events.body.events).toEqual([]);
  });
});

describe('events', () => {
  it("shows an async reply to the connection that sent the request (it never got it synchronously), but not that connection's own request", async () => {
    const accepted = await stub.api.sendAsync({ clientId: 'c-async', query: 'hello', cid: 'tab-1' });
    expect(accepted.status).toBe(200);
    const result = await request('GET', `${stub.url}/chatapi/${stub.tokens[0]}/events?clientId=c-async&all=true&cid=tab-1&ts=0`);
    expect(result.body.events.map((e: { type: string }) => e.type)).toEqual(['botResponse']);
    expect(result.body.events[0].event.questionId).toBe(accepted.body.questionId);
  });

  it('does not let a far-future ts hide later events from calls without ts', async () => {
    const future = await request('GET', `${stub.url}/chatapi/${stub.tokens[0]}/events?clientId=c-future&ts=99999999999999`);
    expect(future.body.events).toEqual([]);
    await stub.api.operatorReply('c-future', { text: 'still here' });
    const next = await request('GET', `${stub.url}/chatapi/${stub.tokens[0]}/events?clientId=c-future`);
    expect(next.body.events.map((e: { type: string }) => e.type)).toEqual(['operatorResponse']);
  });

  it('answers a long poll whose timeout fires in the same timer pass as a publish with that event, not []', async () => {
    const store = new MemoryStore();
    const bus = new EventBus(store);
    store.listen({ events: (token, clientId) => bus.changed(token, clientId), desk: () => undefined, deliveries: () => undefined });
    const reply = { token: 't', clientId: 'c', questionId: 'q', timestamp: '2026-01-01T00:00:00.000', data: { replies: [], answer: 'hi' } };
    // Created first with the same delay, so it runs just before the waiter's timeout, in the same pass.
    setTimeout(() => {
      const unit = store.unit();
      unit.appendEvent('t', 'c', { type: 'operatorResponse', ts: 1, event: reply });
      void unit.commit();
    }, 30);
    const found = await bus.wait('t', 'c', { all: false, afterTs: 0 }, 30);
    expect(found.events).toEqual([{ type: 'operatorResponse', ts: 1, event: reply }]);
  });
});
