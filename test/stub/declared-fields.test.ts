// withDeclaredFields declares, as undefined, the request fields Express and its middlewares set on
// every request (its reason is speed, measured by bench/run.ts). What must hold is that Express
// and body parsers see those fields as absent: an app behind it behaves as it does without it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { withDeclaredFields } from '../../server-stub/app.js';

let server: Server | undefined;
/** Stops the server, its keep-alive connections included (on a failed check too). */
async function stop(): Promise<void> {
  if (!server) return;
  const closing = new Promise((resolve) => server!.close(resolve));
  server.closeAllConnections();
  await closing;
  server = undefined;
}
afterEach(stop);

/** What a handler of a router mounted at /base saw of the request, with and without the declarations. */
async function seen(declared: boolean, method: string, path: string, body?: string) {
  const app = express();
  const router = express.Router();
  router.all('/:id', express.json(), (req, res) => {
    res.json({ originalUrl: req.originalUrl, baseUrl: req.baseUrl, url: req.url, params: req.params, body: req.body ?? null, hasLocals: typeof res.locals === 'object', next: typeof req.next });
  });
  app.use('/base', router);
  server = createServer(declared ? withDeclaredFields(app) : app);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}) });
  const answer = (await response.json()) as Record<string, unknown>;
  await stop();
  return answer;
}

describe('withDeclaredFields', () => {
  it.each([
    ['GET', '/base/42?x=1', undefined],
    ['POST', '/base/7', '{"a":[1,2]}'],
  ])('leaves what Express, its router and body-parser set unchanged (%s %s)', async (method, path, body) => {
    const without = await seen(false, method, path, body);
    const withFields = await seen(true, method, path, body);
    expect(withFields).toEqual(without);
    expect(withFields).toMatchObject({ originalUrl: path, baseUrl: '/base', params: { id: path.slice(6).split('?')[0] }, hasLocals: true, next: 'function' });
    expect(withFields.body).toEqual(body ? JSON.parse(body) : null);
  });
});
