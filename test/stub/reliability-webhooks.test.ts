// Webhook deliveries through a receiver outage (refused connections, 5xx, a hanging receiver) and
// after it: nothing lost, in order per client; deliveries that exhaust their attempts are kept,
// listed and replayed. Short timings stand in for the defaults (which ride out a minute).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, expectError, expectSchema, request, sleep, startTestStub, type TestStub } from './helpers.js';

type Mode = 'up' | '503' | 'hang' | 'down';

/** A receiver whose behaviour can be switched; `down` closes its listener (connections refused). */
async function switchableReceiver() {
  const ok: { deliveryId: string; attempt: number; items: { clientId: string; questionId: string }[] }[] = [];
  const hanging: ServerResponse[] = [];
  let mode: Mode = 'up';
  let requests = 0;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      requests++;
      if (mode === 'hang') return void hanging.push(res);
      if (mode !== 'up') return void res.writeHead(503).end();
      const body = JSON.parse(text) as { clientId: string; questionId: string }[];
      expectSchema('WebhookPayload', body);
      ok.push({ deliveryId: String(req.headers['x-chatapi-delivery']), attempt: Number(req.headers['x-chatapi-attempt']), items: body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const listening = () => server.listening;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    ok,
    requests: () => requests,
    async set(next: Mode) {
      if (next === 'down' && listening()) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      } else if (next !== 'down' && !listening()) {
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      }
      if (next !== 'hang') for (const res of hanging.splice(0)) res.destroy();
      mode = next;
    },
    async close() {
      for (const res of hanging.splice(0)) res.destroy();
      if (listening()) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

let stub: TestStub | undefined;
let receiver: Awaited<ReturnType<typeof switchableReceiver>> | undefined;
afterEach(async () => {
  await stub?.close();
  await receiver?.close();
  stub = receiver = undefined;
});

/**
 * The questionIds the receiver accepted for a client, in the order it first accepted them: delivery
 * is at least once (a 200 that comes after the attempt's timeout is sent again), so a repeat is fine.
 */
const acceptedFor = (clientId: string) => [
  ...new Set(
    receiver!.ok
      .flatMap((r) => r.items)
      .filter((item) => item.clientId === clientId)
      .map((item) => item.questionId),
  ),
];

describe('a receiver outage', () => {
  it('loses nothing: refused, 5xx and hanging for a while, then every reply arrives, in order per client', async () => {
    receiver = await switchableReceiver();
    stub = await startTestStub({ webhookUrl: receiver.url, webhookRetry: { attempts: 60, baseDelayMs: 10, maxDelayMs: 80, timeoutMs: 300 } });
    const sent = new Map<string, string[]>();
    const send = async (clientId: string, i: number) => {
      // Async replies and operator replies both go to the webhook, in one order per client.
      const result = i % 3 === 2 ? await stub!.api.operatorReply(clientId, { text: `operator ${i}` }) : await stub!.api.sendAsync({ clientId, query: `message ${i}` });
      expect(result.status, result.text).toBe(200);
      sent.set(clientId, [...(sent.get(clientId) ?? []), result.body.questionId as string]);
    };
    const clients = ['a', 'b', 'c'];
    let i = 0;
    // Each phase of the outage in turn, with replies sent during each.
    for (const mode of ['down', '503', 'hang'] as const) {
      await receiver.set(mode);
      for (let n = 0; n < 4; n++) for (const clientId of clients) await send(clientId, i++);
      await sleep(400);
    }
    const pending = await stub.api.deliveries({ state: 'pending' });
    expect(pending.status).toBe(200);
    expect(pending.body.deliveries.length).toBe(clients.length * 12);
    expect(receiver.ok).toHaveLength(0);
    expect(receiver.requests()).toBeGreaterThan(0);

    await receiver.set('up');
    await eventually(() => (clients.every((clientId) => acceptedFor(clientId).length === 12) ? true : undefined), 10_000);
    for (const clientId of clients) expect(acceptedFor(clientId)).toEqual(sent.get(clientId));
    // Those that waited had more than one attempt, counted in the header.
    expect(Math.max(...receiver.ok.map((r) => r.attempt))).toBeGreaterThan(1);
    const stats = await stub.api.stats();
    expect(stats.body.deliveries).toEqual({ pending: 0, delivered: clients.length * 12, failed: 0 });
    const listed = await stub.api.deliveries({ token: stub.tokens[0]!, state: 'delivered' });
    expect(listed.body.deliveries.every((d: { clientId: string }) => clients.includes(d.clientId))).toBe(true);
  });

  it('waits at most maxDelayMs between attempts', async () => {
    receiver = await switchableReceiver();
    await receiver.set('503');
    // Without the ceiling the waits would be 50+100+200+400+800 ms; with it, 50+100+100+100+100.
    stub = await startTestStub({ webhookUrl: receiver.url, webhookRetry: { attempts: 6, baseDelayMs: 50, maxDelayMs: 100, timeoutMs: 1_000 } });
    const accepted = await stub.api.sendAsync({ clientId: 'ceiling', query: 'hello' });
    const failed = await eventually(async () => {
      const list = await stub!.api.deliveries({ questionId: accepted.body.questionId, state: 'failed' });
      return list.body.deliveries[0] as { attempts: { at: string }[] } | undefined;
    }, 10_000);
    expect(failed.attempts).toHaveLength(6);
    const times = failed.attempts.map((a) => Date.parse(a.at));
    const gaps = times.slice(1).map((t, n) => t - times[n]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(45);
    // The last gaps would be 400 and 800 ms uncapped.
    expect(gaps[3]! + gaps[4]!).toBeLessThan(700);
  });
});

describe('deliveries that exhaust their attempts', () => {
  it('are kept with those queued behind them, listed as failed, and replayed in order', async () => {
    receiver = await switchableReceiver();
    await receiver.set('503');
    stub = await startTestStub({ webhookUrl: receiver.url, webhookRetry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, timeoutMs: 500 } });
    const ids: string[] = [];
    for (let n = 0; n < 4; n++) ids.push((await stub.api.sendAsync({ clientId: 'x', query: `m${n}` })).body.questionId);
    const other = (await stub.api.sendAsync({ clientId: 'y', query: 'other' })).body.questionId as string;

    const failed = await eventually(async () => {
      const list = await stub!.api.deliveries({ state: 'failed' });
      return list.body.deliveries.length === 5 ? (list.body.deliveries as { id: string; clientId: string; payload: { questionId: string }[]; attempts: unknown[]; error?: string }[]) : undefined;
    }, 10_000);
    const ofX = failed.filter((d) => d.clientId === 'x');
    expect(ofX.map((d) => d.payload[0]!.questionId)).toEqual(ids);
    // The first used its attempts; the ones behind it failed with it, without an attempt of their own.
    expect(ofX[0]!.attempts).toHaveLength(3);
    for (const behind of ofX.slice(1)) {
      expect(behind.attempts).toHaveLength(0);
      expect(behind.error).toMatch(/earlier delivery/);
    }
    expect(receiver.ok).toHaveLength(0);

    // An id that is not a failed delivery: 404, and nothing replayed.
    const bad = await request('POST', `${stub.url}/_stub/deliveries/replay`, { json: { ids: [ofX[0]!.id, 'no-such-delivery'] } });
    expectError(bad, 404, 'stub.delivery.not_failed');
    expect((await stub.api.deliveries({ state: 'failed' })).body.deliveries).toHaveLength(5);

    await receiver.set('up');
    const replayed = await request('POST', `${stub.url}/_stub/deliveries/replay`, { json: { ids: ofX.map((d) => d.id) } });
    expect(replayed.status, replayed.text).toBe(200);
    expect(replayed.body.deliveries.map((d: { id: string }) => d.id)).toEqual(ofX.map((d) => d.id));
    await eventually(() => (acceptedFor('x').length === 4 ? true : undefined), 5_000);
    expect(acceptedFor('x')).toEqual(ids);
    // The same delivery ids as before (a receiver can drop duplicates by them); a new round of attempts.
    expect([...new Set(receiver.ok.map((r) => r.deliveryId))]).toEqual(ofX.map((d) => d.id));
    expect(receiver.ok[0]!.attempt).toBe(4);
    // The other client's failed delivery was not in the selection.
    expect(acceptedFor('y')).toEqual([]);
    const all = await request('POST', `${stub.url}/_stub/deliveries/replay`, { json: {} });
    expect(all.body.deliveries).toHaveLength(1);
    await eventually(() => (acceptedFor('y').length === 1 ? true : undefined), 5_000);
    expect(acceptedFor('y')).toEqual([other]);
    const stats = await stub.api.stats();
    expect(stats.body.deliveries).toEqual({ pending: 0, delivered: 5, failed: 0 });
  });

  it('rejects a malformed replay request with the Error schema', async () => {
    stub = await startTestStub();
    expectError(await request('POST', `${stub.url}/_stub/deliveries/replay`, { json: { ids: [] } }), 400, 'chatapi.request.invalid');
    expectError(await request('POST', `${stub.url}/_stub/deliveries/replay`, { json: { everything: true } }), 400, 'chatapi.request.invalid');
    expectError(await request('GET', `${stub.url}/_stub/deliveries?state=lost`), 400, 'chatapi.request.invalid');
  });
});
