// `chatapi-contract proxy` in front of the stub, as a team runs it: the typed client and a webhook
// receiver talk through it in both directions, a long poll is held its full time, nothing on the
// clean stub is a finding, and every output file is free of the channel token. Then what it must
// survive (a malformed escape, a 5 MB body, a client that hangs up mid-poll, an upstream that goes
// down and comes back) and what it must refuse to start on.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatApiClient } from '../../client/index.js';
import { freePort } from '../../mock/prism.js';
import { startStub, type ChatApiStub } from '../../server-stub/public-api.js';
import { listening, runContract, startProxyProcess, type ProxyProcess } from './helpers.js';

const TOKEN = 'proxy-test-secret-token';

interface Receiver {
  url: string;
  bodies: unknown[];
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });
  const url = await listening(server);
  return { url: `${url}/hooks`, bodies, close: () => new Promise((done) => (server.closeAllConnections(), server.close(() => done()))) };
}

async function until<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the proxy in front of the clean stub, both directions', () => {
  let stub: ChatApiStub;
  let proxy: ProxyProcess;
  let hooks: Receiver;
  const dir = mkdtempSync(join(tmpdir(), 'chatapi-proxy-'));
  const files = { har: join(dir, 'traffic.har'), json: join(dir, 'report.json'), junit: join(dir, 'report.xml') };
  let code: number | null;

  beforeAll(async () => {
    hooks = await receiver();
    stub = await startStub({ tokens: [TOKEN], longPollMs: 25_000 });
    proxy = await startProxyProcess(['--upstream', stub.url, '--webhook-forward', hooks.url, '--har', files.har, '--json', files.json, '--junit', files.junit], { webhook: true });
    await stub.setWebhookUrl(proxy.webhookUrl!);

    const api = createChatApiClient({ baseUrl: proxy.url, token: TOKEN });
    const sent = await api.sendMessage({ clientId: 'proxy-user', query: '/start' });
    expect(sent.ok).toBe(true);
    const async = await api.sendMessageAsync({ clientId: 'proxy-user', query: 'hello' });
    expect(async.ok).toBe(true);
    // The async reply goes stub → proxy's webhook port → the receiver.
    await until(() => (hooks.bodies.some((b) => Array.isArray(b) && b.some((i) => (i as { questionId?: string }).questionId === (async.ok ? async.data.questionId : ''))) ? true : undefined));
    expect((await api.getHistory({ clientId: 'proxy-user' })).ok).toBe(true);
    expect((await api.saveState({ clientId: 'proxy-user', state: { draft: 'hi' } })).ok).toBe(true);
    expect((await api.loadState({ clientId: 'proxy-user' })).ok).toBe(true);
    expect((await api.getNotReadCount({ clientId: 'proxy-user' })).ok).toBe(true);
    // A long poll with nothing to report: the stub holds it 25 s, and the proxy must not cut it first.
    const polled = await api.getEvents({ clientId: 'proxy-user-quiet' });
    expect(polled.ok && polled.data.events).toEqual([]);
    code = await proxy.stop();
  }, 120_000);

  afterAll(async () => {
    await proxy?.stop('SIGKILL');
    await stub?.close();
    await hooks?.close();
  });

  it('finds nothing on the clean stub: exit 0', () => {
    expect(code, proxy.output()).toBe(0);
    expect(proxy.output()).toContain('Result: no contract break in the traffic (exit 0)');
  });

  it('held the long poll its full 25 s, and recorded how long', () => {
    const har = JSON.parse(readFileSync(files.har, 'utf8')) as { log: { entries: Array<{ request: { url: string }; _chatapi: { heldMs?: number; operationId?: string } }> } };
    const poll = har.log.entries.find((e) => e._chatapi.operationId === 'getEvents');
    expect(poll?._chatapi.heldMs).toBeGreaterThanOrEqual(24_000);
  });

  it('recorded both directions in a HAR 1.2, each entry with its operation and findings', () => {
    const har = JSON.parse(readFileSync(files.har, 'utf8')) as { log: { version: string; entries: Array<{ response: { status: number }; _chatapi: { direction: string; operationId?: string; findings: unknown[] } }> } };
    expect(har.log.version).toBe('1.2');
    const operations = new Set(har.log.entries.map((e) => e._chatapi.operationId));
    for (const id of ['sendMessage', 'sendMessageAsync', 'getHistory', 'saveState', 'loadState', 'getNotReadCount', 'getEvents', 'receiveChatApiMessage']) expect(operations).toContain(id);
    const deliveries = har.log.entries.filter((e) => e._chatapi.direction === 'webhook');
    expect(deliveries.length).toBeGreaterThan(0);
    // The receiver's answer is recorded as the delivery's response.
    expect(deliveries.every((e) => e.response.status === 204)).toBe(true);
    expect(har.log.entries.every((e) => e._chatapi.findings.length === 0)).toBe(true);
  });

  it('reports coverage: operations, statuses, reply types and webhook reasons seen', () => {
    const report = JSON.parse(readFileSync(files.json, 'utf8')) as { coverage: { statuses: Record<string, Record<string, number>>; labels: Record<string, number> } };
    expect(report.coverage.statuses.sendMessage).toEqual({ 200: 1 });
    expect(Object.keys(report.coverage.labels)).toEqual(expect.arrayContaining(['reply type text', 'webhook reason: async reply']));
    expect(proxy.output()).toMatch(/Coverage:\n {2}sendMessage: 200 ×1/);
    expect(XMLValidator.validate(readFileSync(files.junit, 'utf8'))).toBe(true);
  });

  it('writes the token in no output: console, HAR, JSON, JUnit', () => {
    for (const text of [proxy.output(), ...Object.values(files).map((file) => readFileSync(file, 'utf8'))]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(encodeURIComponent(TOKEN));
    }
    expect(readFileSync(files.har, 'utf8')).toContain('/chatapi/***');
  });

  it('verify-har reads the proxy’s own HAR back the same way', async () => {
    const run = await runContract(['verify-har', files.har]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('webhook reason: async reply');
    expect(run.stdout).not.toContain(TOKEN);
  });
});

describe('what the proxy survives and passes on', () => {
  let stub: ChatApiStub;
  let proxy: ProxyProcess;

  beforeAll(async () => {
    stub = await startStub({ tokens: [TOKEN], longPollMs: 5_000 });
    proxy = await startProxyProcess(['--upstream', stub.url]);
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop('SIGKILL');
    await stub?.close();
  });

  it('a malformed percent escape: passed on, the stub’s 400 comes back, and the proxy stays up', async () => {
    const response = await fetch(`${proxy.url}/chatapi/%E0%A4%A/events?clientId=x`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('chatapi.request.malformed_escape');
    expect((await fetch(`${proxy.url}/chatapi/${TOKEN}/client/c/history`)).status).toBe(200);
  });

  it('a 5 MB body: streamed to the stub, whose 413 comes back', async () => {
    const body = JSON.stringify({ clientId: 'big', query: 'x'.repeat(5 * 1024 * 1024) });
    const response = await fetch(`${proxy.url}/chatapi/${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(413);
    expect((await fetch(`${proxy.url}/chatapi/${TOKEN}/client/c/history`)).status).toBe(200);
  });

  it('a client that hangs up in the middle of a long poll: the proxy lets the poll go and stays up', async () => {
    const controller = new AbortController();
    const poll = fetch(`${proxy.url}/chatapi/${TOKEN}/events?clientId=gone`, { signal: controller.signal }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await poll;
    expect((await fetch(`${proxy.url}/chatapi/${TOKEN}/client/c/history`)).status).toBe(200);
  });

  it('an upstream that goes down and comes back: 502 in the Error shape meanwhile, answers again after', async () => {
    const port = await freePort();
    const upstream = await startStub({ tokens: [TOKEN], port });
    const own = await startProxyProcess(['--upstream', upstream.url]);
    try {
      expect((await fetch(`${own.url}/chatapi/${TOKEN}/client/c/history`)).status).toBe(200);
      await upstream.close();
      const down = await fetch(`${own.url}/chatapi/${TOKEN}/client/c/history`);
      expect(down.status).toBe(502);
      expect(await down.json()).toMatchObject({ error: 'chatapi.proxy.upstream_unreachable', status: 502 });
      const back = await startStub({ tokens: [TOKEN], port });
      try {
        expect((await fetch(`${own.url}/chatapi/${TOKEN}/client/c/history`)).status).toBe(200);
      } finally {
        await back.close();
      }
      // An unreachable service is not a contract break; the exchange it never answered is counted apart.
      expect(await own.stop()).toBe(0);
      expect(own.output()).toContain('1 the service never answered');
    } finally {
      await own.stop('SIGKILL');
    }
  }, 60_000);
});

describe('the HAR is written as the traffic passes, not kept in memory', () => {
  let stub: ChatApiStub;
  const dir = mkdtempSync(join(tmpdir(), 'chatapi-proxy-spool-'));
  beforeAll(async () => {
    stub = await startStub({ tokens: [TOKEN] });
  });
  afterAll(async () => {
    await stub?.close();
  });

  const partialLines = (file: string) => (existsSync(`${file}.partial`) ? readFileSync(`${file}.partial`, 'utf8').split('\n').filter(Boolean) : []);

  it('each exchange is a masked HAR entry in FILE.partial at once; a kill -9 leaves them readable', async () => {
    const har = join(dir, 'killed.har');
    const proxy = await startProxyProcess(['--upstream', stub.url, '--har', har]);
    try {
      expect((await fetch(`${proxy.url}/chatapi/${TOKEN}/client/spool/history`)).status).toBe(200);
      expect((await fetch(`${proxy.url}/chatapi/${TOKEN}/client/spool/message-not-read-count`)).status).toBe(200);
      const lines = await until(() => (partialLines(har).length >= 2 ? partialLines(har) : undefined));
      const entries = lines.map((line) => JSON.parse(line) as { request: { url: string }; _chatapi: { operationId?: string } });
      expect(entries.map((e) => e._chatapi.operationId)).toEqual(['getHistory', 'getNotReadCount']);
      expect(lines.join('\n')).not.toContain(TOKEN);
      expect(entries[0]!.request.url).toContain('/chatapi/***/client/spool/history');
      await proxy.stop('SIGKILL');
      expect(existsSync(har)).toBe(false);
      expect(partialLines(har)).toHaveLength(2);
    } finally {
      await proxy.stop('SIGKILL');
    }
  }, 60_000);

  it('stopped, the lines become the HAR and the partial file goes', async () => {
    const har = join(dir, 'stopped.har');
    const proxy = await startProxyProcess(['--upstream', stub.url, '--har', har]);
    try {
      for (let i = 0; i < 50; i++) expect((await fetch(`${proxy.url}/chatapi/${TOKEN}/client/spool-${i}/history`)).status).toBe(200);
      expect(await proxy.stop()).toBe(0);
      const written = JSON.parse(readFileSync(har, 'utf8')) as { log: { version: string; creator: { name: string }; entries: Array<{ _chatapi: { operationId?: string } }> } };
      expect(written.log.version).toBe('1.2');
      expect(written.log.creator.name).toBe('chatapi-contract');
      expect(written.log.entries).toHaveLength(50);
      expect(written.log.entries.every((e) => e._chatapi.operationId === 'getHistory')).toBe(true);
      expect(existsSync(`${har}.partial`)).toBe(false);
    } finally {
      await proxy.stop('SIGKILL');
    }
  }, 60_000);

  it('a HAR that cannot be written stops the proxy at start (exit 2), not after the traffic', async () => {
    const notADirectory = join(dir, 'a-file');
    writeFileSync(notADirectory, '');
    const run = await runContract(['proxy', '--upstream', stub.url, '--port', String(await freePort()), '--har', join(notADirectory, 'traffic.har')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot write --har .*a-file\/traffic\.har: .*(ENOTDIR|EEXIST)/);
  });
});

describe('encodings', () => {
  it('a gzip answer passes through byte for byte, and is judged decoded', async () => {
    const { gzipSync } = await import('node:zlib');
    const { request } = await import('undici');
    // A service that compresses: a valid history, then an unread count that breaks the description.
    const gzipped = createServer((req, res) => {
      req.resume();
      const body = req.url?.includes('/history') ? { clientId: 'c', totalCount: 0, messages: [] } : { count: 'three' };
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify(body)));
    });
    const gzippedUrl = await listening(gzipped);
    const proxy = await startProxyProcess(['--upstream', gzippedUrl]);
    try {
      const answer = await request(`${proxy.url}/chatapi/${TOKEN}/client/c/history`);
      expect(answer.headers['content-encoding']).toBe('gzip');
      const bytes = Buffer.from(await answer.body.arrayBuffer());
      expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
      await (await request(`${proxy.url}/chatapi/${TOKEN}/client/c/message-not-read-count`)).body.dump();
      expect(await proxy.stop()).toBe(1);
      // The history (valid once decoded) is no finding; the unread count is, read through the gzip.
      expect(proxy.output()).toMatch(/\[schema_violation\] GET http:\/\/127\.0\.0\.1:\d+\/chatapi\/\*\*\*\/client\/c\/message-not-read-count → 200: response body \/count: must be integer/);
      expect(proxy.output()).not.toMatch(/\/history → 200/);
    } finally {
      await proxy.stop('SIGKILL');
      gzipped.close();
    }
  }, 60_000);
});

describe('header lines', () => {
  it('pass through as they were: names as written, repeated lines apart, a non-ASCII value byte for byte, both ways; those a Connection header names stay on their hop', async () => {
    const { request } = await import('undici');
    const { request: nodeRequest } = await import('node:http');
    // UTF-8 bytes in a header value: on the wire as they are (Node writes a header string as latin1).
    const utf8OnTheWire = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
    let seen: string[] = [];
    const service = createServer((req, res) => {
      seen = req.rawHeaders;
      req.resume();
      res.writeHead(200, [['Content-Type', 'application/json'], ['X-File-Name', utf8OnTheWire('отчёт.txt')], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['Connection', 'keep-alive, X-Service-Hop'], ['X-Service-Hop', '1']]).end(JSON.stringify({ count: 0 }));
    });
    const serviceUrl = await listening(service);
    const proxy = await startProxyProcess(['--upstream', serviceUrl]);
    try {
      // The app's request: a repeated header and a non-ASCII value.
      await new Promise<void>((resolve, reject) => {
        const url = new URL(`${proxy.url}/chatapi/${TOKEN}/client/c/message-not-read-count`);
        // Node sends header lines given as a list exactly as listed (so Host too).
        nodeRequest(url, { headers: ['Host', url.host, 'X-Tag', 'a', 'X-Tag', 'b', 'X-Note', utf8OnTheWire('привет'), 'Connection', 'keep-alive, X-App-Hop', 'X-App-Hop', '1'] }, (res) => res.resume().on('end', resolve))
          .on('error', reject)
          .end();
      });
      const lines = (name: string) => seen.filter((_, i) => i % 2 === 1 && seen[i - 1] === name);
      expect(lines('X-Tag')).toEqual(['a', 'b']);
      expect(Buffer.from(lines('X-Note')[0] ?? '', 'latin1').toString('utf8')).toBe('привет');
      // RFC 9110 § 7.6.1: what Connection names belongs to that connection, not the next one.
      expect(lines('X-App-Hop')).toEqual([]);
      // The service's answer, as the app gets it.
      const answer = await request(`${proxy.url}/chatapi/${TOKEN}/client/c/message-not-read-count`);
      await answer.body.dump();
      expect(answer.headers['x-file-name']).toBe('отчёт.txt');
      expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(answer.headers['x-service-hop']).toBeUndefined();
      // A client that asks to continue (curl does, for a large body) gets its 100 from the proxy's
      // hop, and its request passed on without the Expect line (undici would refuse to send it).
      const continued = await new Promise<number>((resolve, reject) => {
        const sent = nodeRequest(`${proxy.url}/chatapi/${TOKEN}/client/c/message-not-read-count`, { method: 'GET', headers: { expect: '100-continue', 'content-length': '0' } }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)));
        sent.on('continue', () => sent.end()).on('error', reject);
      });
      expect(continued).toBe(200);
      expect(lines('Expect').concat(lines('expect'))).toEqual([]);
      expect(await proxy.stop()).toBe(0);
    } finally {
      await proxy.stop('SIGKILL');
      service.close();
    }
  }, 60_000);
});

describe('the webhook direction, passing the receiver\'s answer back', () => {
  it('a non-ASCII header of the receiver reaches the service byte for byte; a receiver that hangs up mid-answer is a 502, and the proxy stays up', async () => {
    const { request } = await import('undici');
    let hangUp = false;
    const hooks = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (hangUp) {
          // Headers, half a body, then the line cut.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"half":');
          setTimeout(() => res.destroy(), 50);
          return;
        }
        res.writeHead(200, [['X-Note', Buffer.from('привет', 'utf8').toString('latin1')]]).end();
      });
    });
    const hooksUrl = await listening(hooks);
    const stub = await startStub({ tokens: [TOKEN] });
    const proxy = await startProxyProcess(['--upstream', stub.url, '--webhook-forward', `${hooksUrl}/hooks`], { webhook: true });
    const deliver = () => request(proxy.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    try {
      const passed = await deliver();
      await passed.body.dump();
      expect(passed.statusCode).toBe(200);
      expect(passed.headers['x-note']).toBe('привет');
      hangUp = true;
      const cut = await deliver();
      expect(cut.statusCode).toBe(502);
      expect(((await cut.body.json()) as { error: string }).error).toBe('chatapi.proxy.receiver_unreachable');
      // Still up, and still passing deliveries on.
      hangUp = false;
      const again = await deliver();
      await again.body.dump();
      expect(again.statusCode).toBe(200);
      await proxy.stop();
      expect(proxy.output()).not.toMatch(/internal error|unhandled/i);
    } finally {
      await proxy.stop('SIGKILL');
      await stub.close();
      hooks.closeAllConnections();
      hooks.close();
    }
  }, 60_000);
});

describe('--enforce answers a contract break with a 502 naming it', () => {
  it('turns a stub answer that breaks the description into the description’s Error, and exits 1', async () => {
    // A service that answers the unread count as a string.
    const broken = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 'three' }));
    });
    const brokenUrl = await listening(broken);
    const proxy = await startProxyProcess(['--upstream', brokenUrl, '--enforce']);
    try {
      const response = await fetch(`${proxy.url}/chatapi/${TOKEN}/client/c/message-not-read-count`);
      expect(response.status).toBe(502);
      const body = (await response.json()) as { error: string; message: string; violations: Array<{ message: string }> };
      expect(body.error).toBe('chatapi.proxy.contract_violation');
      expect(body.violations[0]!.message).toMatch(/\[schema_violation\] response body \/count: must be integer/);
      expect(await proxy.stop()).toBe(1);
      expect(proxy.output()).toContain('[schema_violation]');
    } finally {
      await proxy.stop('SIGKILL');
      broken.close();
    }
  }, 60_000);
});

describe('a proxy that cannot run exits 2', () => {
  it('an upstream that does not answer at start', async () => {
    const run = await runContract(['proxy', '--upstream', `http://127.0.0.1:${await freePort()}`, '--port', String(await freePort())]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the upstream http:\/\/127\.0\.0\.1:\d+ does not answer/);
  });

  it('a port in use', async () => {
    const stub = await startStub({ tokens: [TOKEN] });
    try {
      const run = await runContract(['proxy', '--upstream', stub.url, '--port', String(stub.port)]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/cannot listen: .*EADDRINUSE/);
    } finally {
      await stub.close();
    }
  });

  it('bad arguments', async () => {
    const run = await runContract(['proxy', '--port', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--upstream is required');
  });
});
