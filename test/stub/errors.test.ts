// Every kind of bad input gets the description's Error body (with violations), never HTML, a stack
// trace or a crash; and responses that break the description are caught.
import http from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../server-stub/errors.js';
import { MemoryStore } from '../../server-stub/store/memory.js';
import { expectError, expectSchema, request, startTestStub, type TestStub } from './helpers.js';

let stub: TestStub;
beforeAll(async () => {
  stub = await startTestStub({ tokens: ['token-one', 'token:two'] });
});
afterAll(() => stub.close());

const raw = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  request(method, `${stub.url}${path}`, { body, headers });

describe('unknown token', () => {
  it.each([
    ['POST', '/chatapi/nope', { clientId: 'c', query: 'hi' }],
    ['POST', '/chatapi/nope/async', { clientId: 'c', query: 'hi' }],
    ['GET', '/chatapi/nope?clientId=c&query=hi', undefined],
    ['GET', '/chatapi/nope/events?clientId=c', undefined],
    ['GET', '/chatapi/nope/client/c/history', undefined],
    ['GET', '/chatapi/nope/client/c/state', undefined],
    ['POST', '/chatapi/nope/client/c/state', { a: 1 }],
    ['GET', '/chatapi/nope/client/c/message/q/status', undefined],
    ['POST', '/chatapi/nope/client/c/message/q/status', { status: 'READ' }],
    ['POST', '/chatapi/nope/client/c/message-statuses', { statuses: [{ questionId: 'q', status: 'READ' }] }],
    ['GET', '/chatapi/nope/client/c/message-not-read-count', undefined],
  ])('%s %s → 401', async (method, path, json) => {
    const result = await request(method, `${stub.url}${path}`, { json });
    expectError(result, 401, 'chatapi.token.unknown');
    expect(result.body.violations).toEqual([expect.objectContaining({ location: 'path', path: 'token' })]);
  });

  it('accepts every configured token, a token with a colon too', async () => {
    for (const token of ['token-one', 'token:two']) {
      const result = await request('POST', `${stub.url}/chatapi/${encodeURIComponent(token)}`, { json: { clientId: 'c', query: 'hello' } });
      expect(result.status).toBe(200);
      expect(result.body.token).toBe(token);
    }
    expectError(await request('POST', `${stub.url}/chatapi/token-on`, { json: { clientId: 'c', query: 'hello' } }), 401, 'chatapi.token.unknown');
    expectError(await request('POST', `${stub.url}/chatapi/token-one1`, { json: { clientId: 'c', query: 'hello' } }), 401, 'chatapi.token.unknown');
  });
});

describe('invalid requests', () => {
  const send = (body: unknown) => request('POST', `${stub.url}/chatapi/token-one`, { json: body });

  it.each([
    ['no clientId', { query: 'hi' }, '/clientId'],
    ['neither query nor event', { clientId: 'c' }, ''],
    ['query and event', { clientId: 'c', query: 'a', event: 'b' }, ''],
    ['a boolean clientId', { clientId: true, query: 'hi' }, '/clientId'],
    ['a negative numeric clientId', { clientId: -1, query: 'hi' }, '/clientId'],
    ['an empty query', { clientId: 'c', query: '' }, '/query'],
    ['a query over 4096 characters', { clientId: 'c', query: 'x'.repeat(4097) }, '/query'],
    ['data that is not an object', { clientId: 'c', query: 'hi', data: [1] }, '/data'],
    ['an empty cid', { clientId: 'c', query: 'hi', cid: '' }, '/cid'],
  ])('%s → 400 with a body violation', async (_name, body, pointer) => {
    const result = await send(body);
    expectError(result, 400, 'chatapi.request.invalid');
    expect(result.body.violations.length).toBeGreaterThan(0);
    expect(result.body.violations).toContainEqual(expect.objectContaining({ location: 'body', path: pointer }));
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('a JSON body that is %s → 400', async (_name, body) => {
    const result = await raw('POST', '/chatapi/token-one', body, { 'content-type': 'application/json' });
    expect([400]).toContain(result.status);
    expectSchema('Error', result.body);
    expect(['chatapi.request.invalid', 'chatapi.request.malformed_json']).toContain(result.body.error);
    expect(result.body.violations.length).toBeGreaterThan(0);
  });

  it.each([
    ['events without clientId', '/chatapi/token-one/events', 'clientId'],
    ['events with a ts that is not an integer', '/chatapi/token-one/events?clientId=c&ts=yesterday', 'ts'],
    ['events with a negative ts', '/chatapi/token-one/events?clientId=c&ts=-1', 'ts'],
    ['events with all=maybe', '/chatapi/token-one/events?clientId=c&all=maybe', 'all'],
    ['history with a bad period', '/chatapi/token-one/client/c/history?fromTimestamp=x', 'fromTimestamp'],
    ['GET send without clientId', '/chatapi/token-one?query=hi', 'clientId'],
  ])('%s → 400 with a query violation', async (_name, path, parameter) => {
    const result = await raw('GET', path);
    expectError(result, 400, 'chatapi.request.invalid');
    expect(result.body.violations).toContainEqual(expect.objectContaining({ location: 'query', path: parameter }));
  });

  it('a status outside the enum → 400 naming the allowed values', async () => {
    const result = await request('POST', `${stub.url}/chatapi/token-one/client/c/message/q/status`, { json: { status: 'SEEN' } });
    expectError(result, 400, 'chatapi.request.invalid');
    expect(result.body.violations[0]).toMatchObject({ location: 'body', path: '/status' });
    expect(result.body.violations[0].message).toContain('READ');
  });

  it('a batch with more than 250 statuses → 400', async () => {
    const statuses = Array.from({ length: 251 }, (_, i) => ({ questionId: `q${i}`, status: 'READ' }));
    const result = await request('POST', `${stub.url}/chatapi/token-one/client/c/message-statuses`, { json: { statuses } });
    expectError(result, 400, 'chatapi.request.invalid');
    expect(result.body.violations).toContainEqual(expect.objectContaining({ location: 'body', path: '/statuses' }));
  });

  it('a state that is not an object → 400', async () => {
    const result = await raw('POST', '/chatapi/token-one/client/c/state', '[1,2]', { 'content-type': 'application/json' });
    expectError(result, 400, 'chatapi.request.invalid');
  });
});

describe('bodies that are not JSON', () => {
  it('malformed JSON → 400 chatapi.request.malformed_json', async () => {
    for (const body of ['{"clientId":', '{clientId: "c"}', '\u0000\u0001garbage', '{"a":1}}']) {
      const result = await raw('POST', '/chatapi/token-one', body, { 'content-type': 'application/json' });
      expectError(result, 400, 'chatapi.request.malformed_json');
      expect(result.body.violations[0]).toMatchObject({ location: 'body', path: '' });
    }
  });

  it('a body over 1 MiB → 413 chatapi.request.too_large', async () => {
    const body = JSON.stringify({ clientId: 'c', query: 'x', data: { pad: 'y'.repeat(BODY_LIMIT_BYTES) } });
    for (const path of ['/chatapi/token-one', '/chatapi/token-one/async', '/chatapi/token-one/client/c/state', '/_stub/channels/token-one/clients/c/operator-replies']) {
      const result = await raw('POST', path, body, { 'content-type': 'application/json' });
      expectError(result, 413, 'chatapi.request.too_large');
    }
  });

  it('a body of exactly the limit is read (and judged on its content)', async () => {
    const prefix = '{"clientId":"c","query":"x","data":{"pad":"';
    const suffix = '"}}';
    const body = prefix + 'y'.repeat(BODY_LIMIT_BYTES - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(body)).toBe(BODY_LIMIT_BYTES);
    const result = await raw('POST', '/chatapi/token-one', body, { 'content-type': 'application/json' });
    expect(result.status).toBe(200);
  });

  it.each([
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', 'clientId=c&query=hi'],
    ['application/xml', '<a/>'],
  ])('content type %s → 415', async (type, body) => {
    const result = await raw('POST', '/chatapi/token-one', body, { 'content-type': type });
    expectError(result, 415, 'chatapi.request.unsupported_media_type');
    expect(result.body.violations[0]).toMatchObject({ location: 'header', path: 'content-type' });
  });

  it('no body and no content type → 415', async () => {
    expectError(await raw('POST', '/chatapi/token-one'), 415, 'chatapi.request.unsupported_media_type');
    expectError(await raw('POST', '/chatapi/token-one/client/c/state'), 415, 'chatapi.request.unsupported_media_type');
  });

  it('a JSON scalar instead of an object → 400 chatapi.request.malformed_json', async () => {
    for (const body of ['123', '"hello"', 'null', '  true']) {
      const result = await raw('POST', '/chatapi/token-one', body, { 'content-type': 'application/json' });
      expectError(result, 400, 'chatapi.request.malformed_json');
    }
  });

  it('a compressed body → 415 (the API takes plain JSON only)', async () => {
    const result = await raw('POST', '/chatapi/token-one', '{"clientId":"c","query":"hi"}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expectError(result, 415, 'chatapi.request.unsupported_media_type');
  });

  it('reads a chunked body split inside a multi-byte character, and stops one over the limit with 413', async () => {
    const send = (chunks: Buffer[]) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = http.request(`${stub.url}/chatapi/token-one`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    const whole = Buffer.from('{"clientId":"c","query":"привет"}');
    const cut = whole.indexOf(Buffer.from('р')) + 1; // inside the two bytes of one letter
    const ok = await send([whole.subarray(0, cut), whole.subarray(cut)]);
    expect(ok.status).toBe(200);
    expect(ok.body.data.answer).toContain('привет');
    const big = Buffer.from(JSON.stringify({ clientId: 'c', query: 'x', data: { pad: 'y'.repeat(BODY_LIMIT_BYTES) } }));
    const tooLarge = await send([big.subarray(0, 1000), big.subarray(1000)]);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toBe('chatapi.request.too_large');
  });

  it('an unsupported charset → 415', async () => {
    const result = await raw('POST', '/chatapi/token-one', '{"clientId":"c","query":"hi"}', { 'content-type': 'application/json; charset=koi8-r' });
    expectError(result, 415, 'chatapi.request.unsupported_media_type');
  });
});

describe('unknown paths and methods', () => {
  it.each([
    ['GET', '/nothing'],
    ['GET', '/chatapi'],
    ['GET', '/chatapi/token-one/nothing'],
    ['POST', '/chatapi/token-one/client/c/unknown'],
    ['GET', '/_stub/nothing'],
  ])('%s %s → 404', async (method, path) => {
    expectError(await raw(method, path), 404, 'chatapi.route.not_found');
  });

  it('a path that does not percent-decode → 400 malformed_escape, wherever it points', async () => {
    expectError(await raw('GET', '/%E0%A4%A'), 400, 'chatapi.request.malformed_escape');
  });

  it.each([
    ['DELETE', '/chatapi/token-one', 'GET, POST'],
    ['PUT', '/chatapi/token-one/async', 'POST'],
    ['POST', '/chatapi/token-one/events', 'GET'],
    ['DELETE', '/chatapi/token-one/client/c/state', 'GET, POST'],
    ['GET', '/chatapi/token-one/client/c/message-statuses', 'POST'],
    ['POST', '/docs', 'GET'],
    ['DELETE', '/_stub/reset', 'POST'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const result = await raw(method, path);
    expectError(result, 405, 'chatapi.method.not_allowed');
    expect(result.headers.get('allow')).toBe(allow);
  });
});

describe('no crash on any input', () => {
  it('survives a burst of odd requests, answering each with JSON and no 5xx', async () => {
    const odd: [string, string, string | undefined, Record<string, string>][] = [
      ['POST', '/chatapi/token-one', '{"clientId":"c","query":"\u{1F600}\u0000\ud800"}', { 'content-type': 'application/json' }],
      ['POST', '/chatapi/token-one', '{"clientId":"c","query":"hi","__proto__":{"polluted":true}}', { 'content-type': 'application/json' }],
      ['POST', '/chatapi/token-one', '{"clientId":"c","query":"hi","constructor":{"prototype":{"x":1}}}', { 'content-type': 'application/json' }],
      ['POST', '/chatapi/token-one', '{"clientId":"' + 'c'.repeat(300) + '","query":"hi"}', { 'content-type': 'application/json' }],
      ['POST', '/chatapi/token-one', '{"clientId":"c","event":"e","data":' + '['.repeat(5000) + ']'.repeat(5000) + '}', { 'content-type': 'application/json' }],
      ['GET', '/chatapi/token-one/events?clientId=c&ts=99999999999999999999999', undefined, {}],
      ['GET', '/chatapi/token-one/events?clientId=c&clientId=d', undefined, {}],
      ['GET', '/chatapi/token-one/events?clientId[x]=c', undefined, {}],
      ['GET', '/chatapi/' + 'a'.repeat(300), undefined, {}],
      ['GET', '/chatapi/token-one/client/%00/history', undefined, {}],
      ['POST', '/chatapi/token-one/client/c/state', '{"a":' + '{"b":'.repeat(2000) + '1' + '}'.repeat(2001), { 'content-type': 'application/json' }],
      ['POST', '/chatapi/token-one', '{"clientId":"c","query":"hi"}', { 'content-type': 'application/json', 'content-encoding': 'br' }],
      ['OPTIONS', '/chatapi/token-one', undefined, {}],
      ['HEAD', '/chatapi/token-one/events?clientId=c', undefined, {}],
    ];
    for (const [method, path, body, headers] of odd) {
      const result = await raw(method, path, body, headers);
      expect(result.status, `${method} ${path.slice(0, 60)}: ${result.text.slice(0, 200)}`).toBeLessThan(500);
      if (method !== 'HEAD' && result.status >= 400) expectSchema('Error', result.body);
    }
    // Prototype pollution did not happen, and the stub still answers.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const ok = await request('POST', `${stub.url}/chatapi/token-one`, { json: { clientId: 'c', query: 'hello' } });
    expect(ok.status).toBe(200);
    expect(stub.errors).toEqual([]);
  });

  it('survives clients that hang up halfway through a body', async () => {
    const { port } = new URL(stub.url);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write('POST /chatapi/token-one HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"clientId":');
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 20);
        });
        socket.on('error', () => resolve());
      });
    }
    const ok = await request('POST', `${stub.url}/chatapi/token-one`, { json: { clientId: 'c', query: 'hello' } });
    expect(ok.status).toBe(200);
    expect(stub.errors).toEqual([]);
  });

  it("answers a file request that cannot be satisfied with send's own status, as an Error body (not a body error)", async () => {
    const range = await raw('GET', '/openapi.json', undefined, { range: 'bytes=99999999-' });
    expectError(range, 416, 'stub.file.not_sent');
    const precondition = await raw('GET', '/openapi.yaml', undefined, { 'if-match': '"no such etag"' });
    expectError(precondition, 412, 'stub.file.not_sent');
    expect(stub.errors).toEqual([]);
  });

  it('answers an unexpected failure with a 500 Error body, logs it, and shows no stack', async () => {
    class BrokenStore extends MemoryStore {
      override appendMessageNow(): void {
        throw new Error('disk on fire');
      }
    }
    const broken = await startTestStub({ store: new BrokenStore() });
    try {
      const result = await broken.api.send({ clientId: 'c', query: 'hello' });
      expectError(result, 500, 'chatapi.internal');
      expect(result.text).not.toContain('disk on fire');
      expect(broken.errors.join('\n')).toContain('disk on fire');
      // It keeps serving.
      expect((await broken.api.get('/client/c/state')).status).toBe(200);
    } finally {
      await broken.close();
    }
  });

  it('answers a browser preflight with CORS headers', async () => {
    const result = await raw('OPTIONS', '/chatapi/token-one', undefined, {
      origin: 'http://localhost:5173',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    expect(result.status).toBe(204);
    expect(result.headers.get('access-control-allow-origin')).toBe('*');
    expect(result.headers.get('access-control-allow-headers')).toBe('content-type');
    const send = await request('POST', `${stub.url}/chatapi/token-one`, { json: { clientId: 'c', query: 'hello' }, headers: { origin: 'http://localhost:5173' } });
    expect(send.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('response validation', () => {
  it('is on by default: a reply that breaks the description becomes a logged 500 Error, not the bad body', async () => {
    const result = await request('POST', `${stub.url}/chatapi/token-one`, { json: { clientId: 'c', query: 'link a b' } });
    expectError(result, 500, 'chatapi.response.invalid');
    expect(result.body.violations.length).toBeGreaterThan(0);
    expect(stub.errors.join('\n')).toContain('chatapi.response.invalid'.split('.')[1]!);
    stub.errors.length = 0;
  });

  it('can be switched off for load (the same reply goes out)', async () => {
    const loose = await startTestStub({ validateResponses: false });
    try {
      const result = await loose.api.send({ clientId: 'c', query: 'link a b' });
      expect(result.status).toBe(200);
      expect(result.body.data.replies[0].imageUrl).toBe('https://example.com/a b');
      // Requests are still validated.
      expectError(await loose.api.send({ clientId: 'c' }), 400, 'chatapi.request.invalid');
    } finally {
      await loose.close();
    }
  });
});
