// What the stub answers before any operation is reached, as the description says (decision 38): a
// request line over 8 KiB gets its 414 and headers over 16 KiB its 431 (the limits are read from the
// description), a method no server knows 501, bytes the HTTP parser refuses 400 — each with the
// description's Error body, never Node's bare status with no body. And a query of 4,096 ASCII
// characters, the documented maximum, still fits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../../contract/engine/raw-http.js';
import { loadDescription } from '../../description/bundle.js';
import { transportLimits } from '../../server-stub/transport-limits.js';
import { expectSchema, request, startTestStub, type TestStub } from './helpers.js';

let stub: TestStub;
let base: string;
beforeAll(async () => {
  stub = await startTestStub({ longPollMs: 300 });
  base = `/chatapi/${stub.tokens[0]}`;
});
afterAll(() => stub.close());

const raw = (method: string, path: string, headers: string[] = []) => sendRaw({ method, origin: stub.url, path, headers, signal: AbortSignal.timeout(5000) });

function expectErrorBody(response: { status: number; headers: Record<string, string>; body: string }, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as { error: string; status: number };
  expectSchema('Error', body);
  expect(body).toMatchObject({ error: code, status });
}

describe('limits the description states', () => {
  it('reads them from the 414 and 431 responses', () => {
    expect(transportLimits(loadDescription())).toEqual({ requestTarget: 8192, headers: 16384 });
  });

  it('takes the documented maximum query (4,096 ASCII characters) on the simplified GET', async () => {
    const result = await request('GET', `${stub.url}${base}?clientId=c-long&query=${'a'.repeat(4096)}`);
    expect(result.status).toBe(200);
  });

  it('answers 414 with the Error body to a request line over 8 KiB (4,096 emoji once percent-encoded), and stores nothing', async () => {
    const emoji = encodeURIComponent('😀'.repeat(1000)); // 12 KB
    expectErrorBody(await raw('GET', `${base}?clientId=c-414&query=${emoji}`), 414, 'chatapi.request.uri_too_long');
    const past16k = encodeURIComponent('😀'.repeat(2000)); // 24 KB: past Node's own header limit too
    expectErrorBody(await raw('GET', `${base}?clientId=c-414&query=${past16k}`), 414, 'chatapi.request.uri_too_long');
    expect((await request('GET', `${stub.url}${base}/client/c-414/history`)).body).toMatchObject({ totalCount: 0 });
  });

  it('answers 431 with the Error body to headers over 16 KiB', async () => {
    expectErrorBody(await raw('GET', `${base}/client/c/history`, [`X-Big: ${'a'.repeat(20 * 1024)}`]), 431, 'chatapi.request.headers_too_large');
  });
});

describe('what the HTTP parser refuses', () => {
  it.each([
    ['a control character in a header value', 'X-Odd: a\u0001b'],
    ['a NUL in a header value', 'X-Odd: a\u0000b'],
  ])('%s: 400 with the Error body', async (_name, line) => {
    expectErrorBody(await raw('GET', `${base}/client/c/history`, [line]), 400, 'chatapi.request.malformed');
  });

  it('takes a non-ASCII byte (obs-text), which RFC 9110 allows in a header value', async () => {
    expect((await raw('GET', `${base}/client/c/history`, ['X-Odd: caf\u00e9'])).status).toBe(200);
  });

  it('a method no server knows: 501 with the Error body', async () => {
    expectErrorBody(await raw('CONTRACT-PROBE', `${base}/client/c/history`), 501, 'chatapi.method.unknown');
  });

  it('a method the path does not have: 405 with Allow', async () => {
    const result = await raw('TRACE', `${base}/client/c/history`);
    expect(result.status).toBe(405);
    expect(result.headers.allow).toBe('GET');
  });
});
