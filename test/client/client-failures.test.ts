// What the client does when the server misbehaves in ways the stub never does: no server, no
// answer, HTML error pages, broken JSON. Every case is a typed result, never a throw.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createChatApiClient, isClientFailure } from '../../client/index.js';
import { closedPort, sendJson, startFakeServer, type FakeServer } from './fake-server.js';

const TOKEN = 'AbCdEfGh:0123456789abcdef0123456789abcdef01234567';
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('client failures without an HTTP answer', () => {
  it('a refused connection is a client.network failure with status 0', async () => {
    const api = createChatApiClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, token: TOKEN });
    const result = await api.getNotReadCount({ clientId: 'user-42' });
    expect(result).toMatchObject({ ok: false, status: 0, response: undefined, error: { error: 'client.network' } });
    expect(isClientFailure(result)).toBe(true);
    expect(result.ok ? '' : result.error.message).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('no answer within timeoutMs is a client.timeout failure', async () => {
    server = await startFakeServer(() => undefined);
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN, timeoutMs: 150 });
    const started = Date.now();
    const result = await api.sendMessage({ clientId: 'user-42', query: 'Hello' });
    expect(result).toMatchObject({ ok: false, status: 0, error: { error: 'client.timeout' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2000);
    // A per-call timeout overrides the client's.
    const quick = Date.now();
    const patient = createChatApiClient({ baseUrl: server.url, token: TOKEN, timeoutMs: 5_000 });
    expect((await patient.loadState({ clientId: 'user-42' }, { timeoutMs: 30 })).status).toBe(0);
    // Far under that client's own 5 s, so the per-call timeout was used.
    expect(Date.now() - quick).toBeLessThan(1_000);
  });

  it('an abort, before or during the call, is a client.aborted failure', async () => {
    server = await startFakeServer(() => undefined);
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const pre = await api.getHistory({ clientId: 'user-42' }, { signal: AbortSignal.abort() });
    expect(pre).toMatchObject({ ok: false, status: 0, error: { error: 'client.aborted' } });
    const controller = new AbortController();
    const pending = api.saveState({ clientId: 'user-42', state: { open: true } }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ ok: false, status: 0, error: { error: 'client.aborted' } });
  });

  it('gives getEvents longPollMs on top of timeoutMs', async () => {
    server = await startFakeServer((_req, res) => {
      setTimeout(() => sendJson(res, 200, { events: [] }), 250);
    });
    const held = createChatApiClient({ baseUrl: server.url, token: TOKEN, longPollMs: 300, timeoutMs: 100 });
    expect(await held.getEvents({ clientId: 'user-42' })).toMatchObject({ ok: true, status: 200, data: { events: [] } });
    const impatient = createChatApiClient({ baseUrl: server.url, token: TOKEN, longPollMs: 0, timeoutMs: 100 });
    expect(await impatient.getEvents({ clientId: 'user-42' })).toMatchObject({ ok: false, error: { error: 'client.timeout' } });
  });

  it('a 2xx body that is not JSON is a client.invalid_response failure', async () => {
    server = await startFakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"questionId": ');
    });
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    expect(await api.sendMessageAsync({ clientId: 'user-42', query: 'Hello' })).toMatchObject({
      ok: false,
      status: 0,
      error: { error: 'client.invalid_response' },
    });
  });

  it('leaves no abort listener behind on a long-lived signal', async () => {
    server = await startFakeServer((_req, res) => sendJson(res, 200, { count: 0 }));
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await api.getNotReadCount({ clientId: 'user-42' }, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('client results for HTTP errors', () => {
  it('an undocumented status with an HTML body becomes an Error-shaped, flagged failure', async () => {
    server = await startFakeServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad gateway</body></html>');
    });
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const result = await api.getMessageStatus({ clientId: 'user-42', questionId: 'q-1' });
    expect(result).toMatchObject({ ok: false, status: 502, undocumented: true, error: { error: 'client.unexpected_status', status: 502 } });
    expect(result.ok ? '' : result.error.message).toContain('Bad gateway');
    expect(isClientFailure(result)).toBe(false);
  });

  it('a documented status keeps the server Error body as it is, unflagged', async () => {
    const body = { error: 'chatapi.message.not_found', message: 'No message q-1.', status: 404 };
    server = await startFakeServer((_req, res) => sendJson(res, 404, body));
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const result = await api.setMessageStatus({ clientId: 'user-42', questionId: 'q-1', status: 'READ' });
    expect(result.ok).toBe(false);
    expect(result.status).toBe(404);
    if (!result.ok && result.status === 404) {
      expect(result.error).toEqual(body);
      expect('undocumented' in result).toBe(false);
    }
  });
});

describe('client requests', () => {
  it('puts the token (with its colon) in the path, encoded, and goes through a custom fetch', async () => {
    server = await startFakeServer((req, res, url) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c));
      req.on('end', () => sendJson(res, 200, { path: url.pathname, search: url.search, body: text, type: req.headers['content-type'] }));
    });
    const seen: string[] = [];
    const api = createChatApiClient({
      baseUrl: `${server.url}/chatadapter/`,
      token: TOKEN,
      fetch: (request) => {
        seen.push(`${request.method} ${request.url}`);
        return fetch(request);
      },
    });
    const result = await api.setMessageStatuses({ clientId: 'user 42', statuses: [{ questionId: 'q/1', status: 'READ' }] });
    expect(result.ok).toBe(true);
    const echo = (result.ok ? result.data : {}) as unknown as { path: string; body: string; type: string };
    expect(echo.path).toBe(`/chatadapter/chatapi/${encodeURIComponent(TOKEN)}/client/user%2042/message-statuses`);
    expect(decodeURIComponent(echo.path.split('/')[3]!)).toBe(TOKEN);
    expect(JSON.parse(echo.body)).toEqual({ statuses: [{ questionId: 'q/1', status: 'READ' }] });
    expect(echo.type).toBe('application/json');
    expect(seen).toEqual([`POST ${server.url}${echo.path}`]);

    const simple = await api.sendMessageSimple({ clientId: 'user-42', query: 'Hi & bye' });
    const simpleEcho = (simple.ok ? simple.data : {}) as unknown as { search: string };
    expect(new URLSearchParams(simpleEcho.search).get('query')).toBe('Hi & bye');
  });
});
