// GET /docs and GET /_stub/docs: the rendered docs (dist/docs.html, dist/control-api.html) as the
// stub serves them, about the stub that actually answers, whatever its port:
// - the description's entry of `servers` for the stub (its loopback one, http://127.0.0.1:3000) is
//   replaced by the address the page was asked for;
// - the code samples (x-codeSamples, written at bundle time against the description's first server:
//   the real service for the Chat API) call that address, with the stub's first token instead of
//   the example token, so that a sample copied from the stub's docs works against it as it is.
import { readFile } from 'node:fs/promises';
import type { NextFunction, Request, Response } from 'express';
import { loadDescription } from '../../description/bundle.js';
import { describeOperations } from '../../description/operations.js';
import { StubError } from '../errors.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** A Host header goes into HTML and JSON: only plain host[:port] values are used. */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
/** A token that needs no escaping in a URL path, a shell's single quotes or a JSON string. */
const PLAIN_TOKEN = /^[A-Za-z0-9._~:-]+$/;

type Servers = { url?: unknown }[];

/** The stub's entry of a `servers` list: its loopback URL, if it has one. */
function stubServerUrl(servers: Servers): string | undefined {
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

/** How a page's samples are rewritten: the base URL and the token they were written with. */
export interface SampleSource {
  baseUrl: string;
  token: string | undefined;
}

/**
 * The Chat API docs' samples: written against the first server, with the first example of the
 * `token` path parameter (openapi/plugins/code-samples.js), both read from the description.
 */
export function chatApiSampleSource(): SampleSource | undefined {
  const document = loadDescription();
  const baseUrl = (document.servers as Servers | undefined)?.[0]?.url;
  if (typeof baseUrl !== 'string') return undefined;
  const tokenParameter = describeOperations(document)
    .flatMap((op) => op.parameters)
    .find((p) => p.in === 'path' && p.name === 'token');
  const token = tokenParameter?.examples?.[0]?.value;
  return { baseUrl: baseUrl.replace(/\/$/, ''), token: typeof token === 'string' ? token : undefined };
}

/** Where Redoc's HTML holds the description it renders: one line, `const __redoc_definition = {…};`. */
const DEFINITION = 'const __redoc_definition = ';

/** The page with every code sample's base URL and token replaced (the rest of the page untouched). */
function rewriteSamples(html: string, from: SampleSource, base: string, token: string | undefined): string {
  const start = html.indexOf(DEFINITION);
  if (start < 0) return html;
  const jsonStart = start + DEFINITION.length;
  const lineEnd = html.indexOf('\n', jsonStart);
  const json = html.slice(jsonStart, lineEnd).replace(/;\s*$/, '');
  let definition: { paths?: Record<string, Record<string, { 'x-codeSamples'?: { source: string }[] }>> };
  try {
    definition = JSON.parse(json) as typeof definition;
  } catch {
    return html; // another Redoc layout: the samples stay as built
  }
  const swap = (source: string) => {
    let text = source.split(from.baseUrl).join(base);
    if (from.token !== undefined && token !== undefined && PLAIN_TOKEN.test(token)) text = text.split(from.token).join(token);
    return text;
  };
  for (const item of Object.values(definition.paths ?? {})) {
    for (const operation of Object.values(item)) {
      if (operation && typeof operation === 'object' && Array.isArray(operation['x-codeSamples'])) {
        for (const sample of operation['x-codeSamples']) sample.source = swap(sample.source);
      }
    }
  }
  // As Redoc writes it: `<` escaped, so that no text of the description can close the script.
  const rewritten = JSON.stringify(definition).replace(/</g, '\\u003c');
  return `${html.slice(0, jsonStart)}${rewritten};${html.slice(lineEnd)}`;
}

export interface DocsPageOptions {
  /** The rendered page (built by `npm run docs`). */
  file: string;
  /** The description it renders: its `servers` name the stub's default address. */
  servers: () => Servers;
  /** How its samples were written, when they call another server than the stub's entry. */
  samples?: () => SampleSource | undefined;
  /** The stub's first token, for the samples. */
  token?: string;
}

export function docsPage(options: DocsPageOptions) {
  let page: Promise<{ html: string; stubUrl: string | undefined; samples: SampleSource | undefined }> | undefined;
  const byBase = new Map<string, string>();
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    page ??= readFile(options.file, 'utf8').then((html) => ({ html, stubUrl: stubServerUrl(options.servers()), samples: options.samples?.() }));
    let loaded: Awaited<typeof page>;
    try {
      loaded = await page;
    } catch (error) {
      page = undefined; // built later (`npm run docs`): read it again next time
      const code = (error as NodeJS.ErrnoException).code;
      return next(code === 'ENOENT' ? new StubError(404, 'stub.file.not_built', `${options.file} is missing: run \`npm run docs\` (npm start does it).`) : error);
    }
    const host = req.get('host') ?? '';
    const base = `${req.protocol}://${host}`;
    if (!PLAIN_HOST.test(host)) {
      res.type('html').send(loaded.html);
      return;
    }
    let html = byBase.get(base);
    if (html === undefined) {
      html = loaded.stubUrl && base !== loaded.stubUrl ? loaded.html.split(loaded.stubUrl).join(base) : loaded.html;
      if (loaded.samples) html = rewriteSamples(html, loaded.samples, base, options.token);
      if (byBase.size >= 8) byBase.clear(); // a few hosts at most (127.0.0.1, localhost): keep memory bounded
      byBase.set(base, html);
    }
    res.type('html').send(html);
  };
}
