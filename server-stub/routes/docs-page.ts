// GET /docs: the rendered docs (dist/docs.html) with the stub's own entry of the description's
// `servers` (the loopback one, http://127.0.0.1:3000) replaced by the address the page was asked
// for, so that the docs list the server that actually answers, whatever its port.
import { readFile } from 'node:fs/promises';
import type { NextFunction, Request, Response } from 'express';
import { DOCS_HTML, loadDescription } from '../../description/bundle.js';
import { StubError } from '../errors.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** A Host header goes into HTML and JSON: only plain host[:port] values are used. */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The description's server entry for the stub: its loopback URL, if it has one. */
function stubServerUrl(): string | undefined {
  const servers = (loadDescription().servers ?? []) as { url?: unknown }[];
  for (const server of servers) {
    if (typeof server.url !== 'string') continue;
    try {
      if (LOOPBACK.has(new URL(server.url).hostname)) return server.url.replace(/\/$/, '');
    } catch {
      // a templated URL ({host}) is not the stub's
    }
  }
  return undefined;
}

export function docsPage() {
  let page: Promise<{ html: string; stubUrl: string | undefined }> | undefined;
  const byBase = new Map<string, string>();
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    page ??= readFile(DOCS_HTML, 'utf8').then((html) => ({ html, stubUrl: stubServerUrl() }));
    let loaded: { html: string; stubUrl: string | undefined };
    try {
      loaded = await page;
    } catch (error) {
      page = undefined; // built later (`npm run docs`): read it again next time
      const code = (error as NodeJS.ErrnoException).code;
      return next(code === 'ENOENT' ? new StubError(404, 'stub.file.not_built', `${DOCS_HTML} is missing: run \`npm run docs\` (npm start does it).`) : error);
    }
    const host = req.get('host') ?? '';
    const base = `${req.protocol}://${host}`;
    if (!loaded.stubUrl || !PLAIN_HOST.test(host) || base === loaded.stubUrl) {
      res.type('html').send(loaded.html);
      return;
    }
    let html = byBase.get(base);
    if (html === undefined) {
      html = loaded.html.split(loaded.stubUrl).join(base);
      if (byBase.size >= 8) byBase.clear(); // a few hosts at most (127.0.0.1, localhost): keep memory bounded
      byBase.set(base, html);
    }
    res.type('html').send(html);
  };
}
