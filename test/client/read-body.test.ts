// The one body reader (client/webhook/read-body.ts), over real HTTP on loopback: what it reads,
// what it refuses and why, and that a refused body is drained so that the answer reaches the sender.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody, type BodyRead } from '../../client/webhook/read-body.js';

const LIMIT = 1000;
let server: Server;
let port: number;
/** What the reader made of each request, in order. */
const reads: BodyRead[] = [];
const waiters: (() => void)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req, { limitBytes: LIMIT }).then((read) => {
      reads.push(read);
      for (const wake of waiters.splice(0)) wake();
      const answer = JSON.stringify(read.ok ? { ok: true, text: read.bytes.toString('utf8') } : { ok: false, kind: read.problem.kind });
      if (!res.destroyed) res.writeHead(read.ok ? 200 : 400, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Sends a body in chunks; resolves with the answer (or the write error the sender saw). */
function send(chunks: (string | Buffer)[], headers: Record<string, string | number> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('readBody', () => {
  it('reads a body within the limit, split anywhere (inside a UTF-8 character too)', async () => {
    const whole = Buffer.from('{"query":"привет"}');
    const cut = whole.indexOf(Buffer.from('р')) + 1;
    expect(await send([whole.subarray(0, cut), whole.subarray(cut)])).toEqual({ status: 200, body: { ok: true, text: '{"query":"привет"}' } });
    expect(await send(['x'.repeat(LIMIT)], { 'content-length': LIMIT })).toMatchObject({ status: 200 });
  });

  it('refuses a declared length over the limit without reading it, and the sender still gets the answer', async () => {
    const big = 'x'.repeat(LIMIT * 500);
    expect(await send([big], { 'content-length': big.length })).toEqual({ status: 400, body: { ok: false, kind: 'too_large' } });
    expect(reads.at(-1)).toMatchObject({ ok: false, problem: { kind: 'too_large', limitBytes: LIMIT, message: `must be at most ${LIMIT} bytes` } });
  });

  it('stops a chunked body as soon as it passes the limit, before its end, and drains the rest', async () => {
    // A raw socket: the body's end is never sent, so an answer proves the reader did not wait for it.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
        socket.write(`${(LIMIT + 1).toString(16)}\r\n${'y'.repeat(LIMIT + 1)}\r\n`);
      });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('too_large')) {
          // More of the body after the answer is read and dropped, not a reset.
          socket.write(`10\r\n${'z'.repeat(16)}\r\n0\r\n\r\n`, () => {
            socket.end();
            resolve(text);
          });
        }
      });
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('"kind":"too_large"');
  });

  it.each([
    [{ 'content-encoding': 'gzip' }, 'unsupported_encoding'],
    [{ 'content-type': 'application/json; charset=koi8-r' }, 'unsupported_charset'],
    [{ 'content-type': 'application/json; charset=latin1' }, 'unsupported_charset'],
  ])('refuses %o as %s', async (headers, kind) => {
    expect(await send(['{"a":1}'], headers)).toEqual({ status: 400, body: { ok: false, kind } });
  });

  it('takes UTF-8 however the charset parameter spells it', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json; charset=utf8']) {
      expect(await send(['{"a":1}'], { 'content-type': type })).toMatchObject({ status: 200 });
    }
  });

  it('reports a sender that hangs up halfway as aborted', async () => {
    const before = reads.length;
    const aborted = new Promise<void>((resolve) => waiters.push(resolve));
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"clientId":', () => setTimeout(() => socket.destroy(), 20));
    });
    socket.on('error', () => undefined);
    await aborted;
    expect(reads.length).toBe(before + 1);
    expect(reads.at(-1)).toMatchObject({ ok: false, problem: { kind: 'aborted' } });
  });
});
