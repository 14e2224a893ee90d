// Behaviour the description promises beyond the shape of single responses: what a send leaves in
// the history and the events, how `ts`, `cid`, `all` and the 250 cap filter events, statuses and
// the unread count, and the state store. They need a target that keeps state (not a mock), and
// each works on new clients of the run only.
import { isDeepStrictEqual } from 'node:util';
import type { Check, CheckContext } from '../engine/check.js';
import { Phase } from '../engine/phases.js';
import { draft } from '../engine/requests/draft.js';
import { readEvents, sendQueries, sendQuery, strictlyIncreasing, type ChatResponseBody } from './conversation.js';
import type { ChatEvent, SuccessBody } from './wire.js';


const show = (value: unknown) => JSON.stringify(value);

function behaviour(id: string, name: string, calls: string[], run: Check['run']): Check {
  return { id: `behaviour/${id}`, name, suite: 'behaviour', phase: Phase.Examples, calls, needs: { state: true }, failureCode: 'behaviour', run };
}

async function history(ctx: CheckContext, clientId: string, query: Record<string, string> = {}) {
  const exchange = await ctx.call('getHistory', draft({ path: { clientId }, query }), 'success');
  return { body: ctx.json<SuccessBody<'getHistory'>>(exchange), exchange };
}

async function messageStatus(ctx: CheckContext, clientId: string, questionId: string, expect: readonly number[] | 'success' = 'success') {
  const exchange = await ctx.call('getMessageStatus', draft({ path: { clientId, questionId } }), expect);
  return { body: ctx.json<SuccessBody<'getMessageStatus'>>(exchange), exchange };
}

async function setStatus(ctx: CheckContext, clientId: string, questionId: string, status: string) {
  const exchange = await ctx.call('setMessageStatus', draft({ path: { clientId, questionId }, body: { status } }), 'success');
  return { body: ctx.json<SuccessBody<'setMessageStatus'>>(exchange), exchange };
}

async function unreadCount(ctx: CheckContext, clientId: string) {
  const exchange = await ctx.call('getNotReadCount', draft({ path: { clientId } }), 'success');
  return { count: ctx.json<SuccessBody<'getNotReadCount'>>(exchange).count, exchange };
}

async function loadState(ctx: CheckContext, clientId: string) {
  const exchange = await ctx.call('loadState', draft({ path: { clientId } }), 'success');
  return { state: ctx.json<SuccessBody<'loadState'>>(exchange), exchange };
}

const historyRecordsQuery = behaviour(
  'history-records-query',
  'history: a sent query and its reply are recorded',
  ['sendMessage', 'getHistory'],
  async (ctx) => {
    const clientId = ctx.newId();
    const text = `contract check: history of ${clientId}`;
    const reply = await sendQuery(ctx, clientId, text);
    const { body: h, exchange } = await history(ctx, clientId);
    ctx.expect(h.clientId === clientId, `history of ${clientId} names clientId ${show(h.clientId)}`, exchange, '/clientId');
    ctx.expect(h.totalCount === h.messages.length, `totalCount ${h.totalCount} but ${h.messages.length} messages (no period was given)`, exchange, '/totalCount');
    const client = h.messages.findIndex((m) => m.author === 'CLIENT' && m.questionId === reply.questionId);
    const bot = h.messages.findIndex((m) => m.author === 'BOT' && m.questionId === reply.questionId);
    ctx.expect(client >= 0, `the sent query (CLIENT, questionId ${reply.questionId}) is missing from the history`, exchange, '/messages');
    ctx.expect(bot >= 0, `the bot's reply (BOT, questionId ${reply.questionId}) is missing from the history`, exchange, '/messages');
    if (client < 0) return;
    const sent = h.messages[client]!;
    ctx.expect(sent.text === text, `the query's text is ${show(sent.text)}, expected ${show(text)}`, exchange, `/messages/${client}/text`);
    if (bot >= 0) ctx.expect(client < bot, 'the history is not oldest first: the reply comes before the query', exchange, '/messages');

    // The period: fromTimestamp is inclusive, toTimestamp exclusive (only when messages carry ts).
    if (typeof sent.ts === 'number') {
      const from = await history(ctx, clientId, { fromTimestamp: String(sent.ts) });
      ctx.expect(
        from.body.messages.some((m) => m.author === 'CLIENT' && m.questionId === reply.questionId),
        `fromTimestamp=${sent.ts} (inclusive) leaves out the message with that ts`,
        from.exchange,
        '/messages',
      );
      const to = await history(ctx, clientId, { toTimestamp: String(sent.ts) });
      ctx.expect(
        !to.body.messages.some((m) => m.author === 'CLIENT' && m.questionId === reply.questionId),
        `toTimestamp=${sent.ts} (exclusive) still returns the message with that ts`,
        to.exchange,
        '/messages',
      );
    }
  },
);

const historyEmpty = behaviour('history-new-client', "history: a new client's history is empty", ['getHistory'], async (ctx) => {
  const clientId = ctx.newId();
  const { body: h, exchange } = await history(ctx, clientId);
  ctx.expect(h.messages.length === 0 && h.totalCount === 0, `a new client has ${h.messages.length} messages (totalCount ${h.totalCount})`, exchange, '/messages');
});

const sendEchoes = behaviour('send-echoes', 'sendMessage: the reply is addressed to the client and echoes cid', ['sendMessage'], async (ctx) => {
  const clientId = ctx.newId();
  const cid = `contract-${ctx.settings.runId}-tab`;
  const exchange = await ctx.call('sendMessage', draft({ body: { clientId, query: 'contract check: echo', cid } }), 'success');
  const reply = ctx.json<ChatResponseBody>(exchange);
  ctx.expect(reply.clientId === clientId, `the reply names clientId ${show(reply.clientId)}, expected ${clientId}`, exchange, '/clientId');
  ctx.expect(reply.cid === cid, `the reply's cid is ${show(reply.cid)}, expected the sent ${cid}`, exchange, '/cid');
});

const simpleSendRecorded = behaviour(
  'simple-send',
  'sendMessageSimple: the reply is addressed to the client and the query is recorded',
  ['sendMessageSimple', 'getHistory'],
  async (ctx) => {
    const clientId = ctx.newId();
    const text = 'contract check: simplified send';
    const exchange = await ctx.call('sendMessageSimple', draft({ query: { clientId, query: text } }), 'success');
    const reply = ctx.json<ChatResponseBody>(exchange);
    ctx.expect(reply.clientId === clientId, `the reply names clientId ${show(reply.clientId)}, expected ${clientId}`, exchange, '/clientId');
    const { body: h, exchange: read } = await history(ctx, clientId);
    ctx.expect(
      h.messages.some((m) => m.author === 'CLIENT' && m.questionId === reply.questionId && m.text === text),
      `the query sent with the simplified method (questionId ${reply.questionId}) is missing from the history`,
      read,
      '/messages',
    );
  },
);

/** The events of one question, by kind. */
function ofQuestion(events: ChatEvent[], questionId: string, type: string): number {
  return events.findIndex((e) => e.type === type && e.event.questionId === questionId);
}

const eventsPublishReply = behaviour('events-all', 'events: with all=true a request and its reply are published, oldest first', ['sendMessage', 'getEvents'], async (ctx) => {
  const clientId = ctx.newId();
  const reply = await sendQuery(ctx, clientId, 'contract check: events', `contract-${ctx.settings.runId}-tab-a`);
  const { events, exchange } = await readEvents(ctx, clientId, { all: true, ts: 0 });
  const request = ofQuestion(events, reply.questionId, 'clientRequest');
  const response = ofQuestion(events, reply.questionId, 'botResponse');
  ctx.expect(request >= 0, `no clientRequest event with questionId ${reply.questionId}`, exchange, '/events');
  ctx.expect(response >= 0, `no botResponse event with questionId ${reply.questionId} (the reply)`, exchange, '/events');
  if (request >= 0 && response >= 0) ctx.expect(request < response, 'the reply comes before its request: events are not oldest first', exchange, '/events');
  ctx.expect(strictlyIncreasing(events), 'the events ts do not strictly increase (oldest first)', exchange, '/events');
  const foreign = events.findIndex((e) => e.event.clientId !== undefined && e.event.clientId !== clientId);
  ctx.expect(foreign < 0, `an event of another client (${show(events[foreign]?.event.clientId)}) is returned`, exchange, `/events/${foreign}/event/clientId`);
});

const eventsDefaultFilter = behaviour('events-default', 'events: without all=true only operator replies are returned', ['sendMessage', 'getEvents'], async (ctx) => {
  const clientId = ctx.newId();
  await sendQuery(ctx, clientId, 'contract check: default filter');
  const { events, exchange } = await readEvents(ctx, clientId, { ts: 0 });
  const other = events.findIndex((e) => e.type !== 'operatorResponse');
  ctx.expect(other < 0, `the default filter returned a ${show(events[other]?.type)} event`, exchange, `/events/${other}/type`);
});

const eventsCid = behaviour('events-cid', "events: cid leaves out the connection's own requests and replies", ['sendMessage', 'getEvents'], async (ctx) => {
  const clientId = ctx.newId();
  const mine = `contract-${ctx.settings.runId}-tab-a`;
  const other = `contract-${ctx.settings.runId}-tab-b`;
  const own = await sendQuery(ctx, clientId, 'contract check: from this tab', mine);
  const foreign = await sendQuery(ctx, clientId, 'contract check: from another tab', other);
  const { events, exchange } = await readEvents(ctx, clientId, { all: true, ts: 0, cid: mine });
  const leaked = events.findIndex((e) => e.event.questionId === own.questionId);
  ctx.expect(leaked < 0, `cid=${mine} still returns the ${show(events[leaked]?.type)} event of a request sent with that cid`, exchange, `/events/${leaked}`);
  ctx.expect(ofQuestion(events, foreign.questionId, 'botResponse') >= 0, `cid=${mine} leaves out the reply to a request from another cid`, exchange, '/events');
});

const eventsTs = behaviour('events-ts', 'events: ts returns only strictly newer events', ['sendMessage', 'getEvents'], async (ctx) => {
  const clientId = ctx.newId();
  const [, second] = await sendQueries(ctx, clientId, 2, 'contract check: ts');
  const all = await readEvents(ctx, clientId, { all: true, ts: 0 });
  if (!ctx.expect(all.events.length > 0, 'all=true&ts=0 returned no event after two queries', all.exchange, '/events')) return;
  const first = all.events[0];
  if (!ctx.expect(typeof first?.ts === 'number', 'the events carry no ts to page with', all.exchange, '/events/0/ts')) return;
  const since = first!.ts!;
  const newer = await readEvents(ctx, clientId, { all: true, ts: since });
  const stale = newer.events.findIndex((e) => typeof e.ts !== 'number' || e.ts <= since);
  ctx.expect(stale < 0, `ts=${since} returned an event with ts ${show(newer.events[stale]?.ts)} (not strictly newer)`, newer.exchange, `/events/${stale}/ts`);
  ctx.expect(ofQuestion(newer.events, second!, 'botResponse') >= 0, `ts=${since} leaves out the newer reply ${second}`, newer.exchange, '/events');
});

/** Enough requests for more than 250 events (each publishes a clientRequest and a botResponse). */
const CAP = 250;
const CAP_SENDS = 126;

const eventsCap = behaviour('events-cap', `events: at most ${CAP} per response, oldest first, paged with ts`, ['sendMessage', 'getEvents'], async (ctx) => {
  const clientId = ctx.newId();
  const sent = await sendQueries(ctx, clientId, CAP_SENDS, 'contract check: cap');
  const wanted = new Set(sent.flatMap((q) => [`clientRequest ${q}`, `botResponse ${q}`]));
  const seen = new Set<string>();
  let ts = 0;
  let previous = -1;
  for (let page = 0; page < 10 && [...wanted].some((k) => !seen.has(k)); page++) {
    const { events, exchange } = await readEvents(ctx, clientId, { all: true, ts });
    ctx.expect(events.length <= CAP, `a page of ${events.length} events (at most ${CAP})`, exchange, '/events');
    if (!ctx.expect(events.length > 0, `paging stopped with ${seen.size} of ${wanted.size} events`, exchange, '/events')) return;
    for (const [i, e] of events.entries()) {
      const key = `${e.type} ${e.event.questionId}`;
      if (!ctx.expect(typeof e.ts === 'number' && e.ts > previous, `event ${i} of page ${page + 1} is not newer than the one before (ts ${show(e.ts)} after ${previous})`, exchange, `/events/${i}/ts`)) return;
      ctx.expect(!seen.has(key), `${key} is returned twice while paging`, exchange, `/events/${i}`);
      seen.add(key);
      previous = e.ts!;
    }
    ts = previous;
  }
  const missing = [...wanted].filter((k) => !seen.has(k));
  ctx.expect(missing.length === 0, `paging with ts never returned ${missing.length} events, e.g. ${missing[0]}`);
});

const asyncPublished = behaviour('async-event', 'sendMessageAsync: returns an id and the reply is published as an event', ['sendMessageAsync', 'getEvents'], async (ctx) => {
  const clientId = ctx.newId();
  const exchange = await ctx.call('sendMessageAsync', draft({ body: { clientId, query: 'contract check: async' } }), 'success');
  const { questionId } = ctx.json<SuccessBody<'sendMessageAsync'>>(exchange);
  const deadline = Date.now() + ctx.settings.timeoutMs;
  let ts = 0;
  while (Date.now() < deadline) {
    const { events } = await readEvents(ctx, clientId, { all: true, ts });
    if (ofQuestion(events, questionId, 'botResponse') >= 0) return;
    ts = events.reduce((latest, e) => Math.max(latest, e.ts ?? latest), ts);
  }
  ctx.expect(false, `no botResponse event with the async questionId ${questionId} within ${ctx.settings.timeoutMs} ms`);
});

const statusesRoundTrip = behaviour(
  'statuses-round-trip',
  'statuses: a status set one by one or in a batch is read back',
  ['sendMessage', 'getMessageStatus', 'setMessageStatus', 'setMessageStatuses'],
  async (ctx) => {
    const clientId = ctx.newId();
    const { questionId } = await sendQuery(ctx, clientId, 'contract check: statuses');
    const initial = await messageStatus(ctx, clientId, questionId);
    ctx.expect(initial.body.questionId === questionId, `the status names questionId ${show(initial.body.questionId)}`, initial.exchange, '/questionId');
    const set = await setStatus(ctx, clientId, questionId, 'DELIVERED');
    ctx.expect(set.body.status === 'DELIVERED', `setting DELIVERED answers ${show(set.body.status)}`, set.exchange, '/status');
    const afterOne = await messageStatus(ctx, clientId, questionId);
    ctx.expect(afterOne.body.status === 'DELIVERED', `after setting DELIVERED the status reads ${show(afterOne.body.status)}`, afterOne.exchange, '/status');
    const batch = await ctx.call('setMessageStatuses', draft({ path: { clientId }, body: { statuses: [{ questionId, status: 'READ' }] } }), 'success');
    const result = ctx.json<SuccessBody<'setMessageStatuses'>>(batch);
    ctx.expect(
      result.statuses.some((s) => s.questionId === questionId && s.status === 'READ'),
      `the batch answer does not list ${questionId} as READ`,
      batch,
      '/statuses',
    );
    const afterBatch = await messageStatus(ctx, clientId, questionId);
    ctx.expect(afterBatch.body.status === 'READ', `after the batch set READ the status reads ${show(afterBatch.body.status)}`, afterBatch.exchange, '/status');
  },
);

const unreadFalls = behaviour(
  'statuses-unread',
  'statuses: the unread count matches the history and falls as messages are READ',
  ['sendMessage', 'getHistory', 'getNotReadCount', 'setMessageStatus', 'setMessageStatuses'],
  async (ctx) => {
    const clientId = ctx.newId();
    const [first, second] = await sendQueries(ctx, clientId, 2, 'contract check: unread');
    const { body: h } = await history(ctx, clientId);
    const expected = h.messages.filter((m) => (m.author === 'BOT' || m.author === 'OPERATOR') && m.status !== 'READ').length;
    const before = await unreadCount(ctx, clientId);
    ctx.expect(before.count === expected, `unread count ${before.count}, but the history has ${expected} BOT/OPERATOR messages not READ`, before.exchange, '/count');
    await setStatus(ctx, clientId, first!, 'READ');
    const afterOne = await unreadCount(ctx, clientId);
    ctx.expect(afterOne.count === before.count - 1, `after one message was set READ the count is ${afterOne.count}, expected ${before.count - 1}`, afterOne.exchange, '/count');
    await ctx.call('setMessageStatuses', draft({ path: { clientId }, body: { statuses: [{ questionId: second!, status: 'READ' }] } }), 'success');
    const afterTwo = await unreadCount(ctx, clientId);
    ctx.expect(afterTwo.count === before.count - 2, `after a second message was set READ (batch) the count is ${afterTwo.count}, expected ${before.count - 2}`, afterTwo.exchange, '/count');
  },
);

const batchAtomic = behaviour(
  'statuses-atomic',
  'statuses: a batch naming an unknown message is 404 and changes nothing',
  ['sendMessage', 'getMessageStatus', 'setMessageStatuses'],
  async (ctx) => {
    const clientId = ctx.newId();
    const { questionId } = await sendQuery(ctx, clientId, 'contract check: atomic batch');
    const before = await messageStatus(ctx, clientId, questionId);
    const target = before.body.status === 'READ' ? 'DELIVERED' : 'READ';
    const unknown = `contract-${ctx.settings.runId}-no-such-message`;
    await ctx.call(
      'setMessageStatuses',
      draft({ path: { clientId }, body: { statuses: [{ questionId, status: target }, { questionId: unknown, status: target }] } }),
      [404],
    );
    const after = await messageStatus(ctx, clientId, questionId);
    ctx.expect(after.body.status === before.body.status, `the failed batch changed ${questionId} from ${before.body.status} to ${after.body.status}`, after.exchange, '/status');
  },
);

const unknownMessage = behaviour('statuses-unknown', 'statuses: an unknown message is 404', ['getMessageStatus'], async (ctx) => {
  const clientId = ctx.newId();
  await ctx.call('getMessageStatus', draft({ path: { clientId, questionId: `contract-${ctx.settings.runId}-no-such-message` } }), [404]);
});

const unreadNewClient = behaviour('statuses-new-client', 'statuses: a new client has nothing unread', ['getNotReadCount'], async (ctx) => {
  const { count, exchange } = await unreadCount(ctx, ctx.newId());
  ctx.expect(count === 0, `a new client has ${count} unread messages`, exchange, '/count');
});

/** A state with what a JSON store might mangle: nesting, unicode, numbers, null, empty values. */
const TRICKY_STATE = {
  'key with spaces/and~pointer chars': true,
  unicode: 'привет 👋 ünïcødé',
  numbers: [0, -1, 3.25, 1e21, Number.MAX_SAFE_INTEGER],
  nested: { empty: {}, list: [], nothing: null, deeper: { text: '' } },
};

const stateRoundTrip = behaviour('state-round-trip', 'state: a saved state is loaded unchanged and replaced by the next save', ['saveState', 'loadState', 'getEvents'], async (ctx) => {
  const clientId = ctx.newId();
  const example = ctx.operation('saveState').requestBody?.examples[0]?.value ?? { contract: true };
  for (const state of [example, TRICKY_STATE]) {
    await ctx.call('saveState', draft({ path: { clientId }, body: state }), 'success');
    const { state: loaded, exchange } = await loadState(ctx, clientId);
    ctx.expect(isDeepStrictEqual(loaded, state), `saved ${show(state)} but loaded ${show(loaded)}`, exchange, '');
  }
  // Saving publishes a widgetStateChange event to the client's other connections.
  const { events, exchange } = await readEvents(ctx, clientId, { all: true, ts: 0 });
  const changes = events.filter((e) => e.type === 'widgetStateChange');
  ctx.expect(
    changes.some((e) => isDeepStrictEqual((e.event as { state?: unknown }).state, TRICKY_STATE)),
    `no widgetStateChange event carries the saved state (${changes.length} widgetStateChange events)`,
    exchange,
    '/events',
  );
});

const stateNewClient = behaviour('state-new-client', "state: a new client's state is {}", ['loadState'], async (ctx) => {
  const { state, exchange } = await loadState(ctx, ctx.newId());
  ctx.expect(isDeepStrictEqual(state, {}), `a new client's state is ${show(state)}`, exchange, '');
});

export function behaviourChecks(): Check[] {
  return [
    historyRecordsQuery,
    historyEmpty,
    sendEchoes,
    simpleSendRecorded,
    eventsPublishReply,
    eventsDefaultFilter,
    eventsCid,
    eventsTs,
    eventsCap,
    asyncPublished,
    statusesRoundTrip,
    unreadFalls,
    batchAtomic,
    unknownMessage,
    unreadNewClient,
    stateRoundTrip,
    stateNewClient,
  ];
}
