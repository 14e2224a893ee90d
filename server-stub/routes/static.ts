// The stub's own pages: an index, the rendered docs (Chat API and control API), the bundled
// description, the chat playground and the operator console, and the demo bot's assets.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Response } from 'express';
import { parse } from 'yaml';
import { BUNDLE_JSON, BUNDLE_YAML, DOCS_HTML, loadDescription, packageRoot } from '../../description/bundle.js';
import { StubError } from '../errors.js';
import { chatApiSampleSource, docsPage } from './docs-page.js';
import { allowOnly } from './util.js';

function sendBuilt(res: Response, next: NextFunction, file: string, type: string, build: string): void {
  res.type(type).sendFile(file, (error: NodeJS.ErrnoException | undefined) => {
    // A reader that goes away mid-download is not an error worth a log line.
    if (!error || res.headersSent) return;
    // The file's type was set for the file: the error answer is JSON.
    res.removeHeader('content-type');
    if (error.code === 'ENOENT') return next(new StubError(404, 'stub.file.not_built', `${file} is missing: run \`${build}\` (npm start does it).`));
    // `send` refuses a request it cannot satisfy (a Range past the end, an If-Match that fails)
    // with an HTTP error of that status: the client's mistake, answered with that status.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return next(new StubError(status, 'stub.file.not_sent', `The file was not sent: ${error.message}.`));
    next(error);
  });
}

const ROOT = packageRoot();
/** The pages' HTML and CSS, and the demo bot's assets: served as they are in the source. */
const PUBLIC_DIR = join(ROOT, 'server-stub', 'public');
/** The pages' scripts, compiled to ES modules by `npm run build` (tsc). */
const BUILT_PAGES_DIR = join(ROOT, 'build', 'server-stub', 'public');
/**
 * The typed client the pages import: the @chatapi-contract/client package as installed beside the
 * stub (in this repository, the workspace's client/dist), so that the pages run the client users get.
 * Its dist/ has the layout of build/: client/*.js, and generated/*.js beside it (what it imports).
 */
const CLIENT_DIST = dirname(dirname(fileURLToPath(import.meta.resolve('@chatapi-contract/client'))));
const BUILT_CLIENT_DIR = join(CLIENT_DIST, 'client');
const BUILT_GENERATED_DIR = join(CLIENT_DIST, 'generated');
/** openapi-fetch's own ES module file, which the pages' import map names (no bundler, no CDN). */
const OPENAPI_FETCH_ESM = fileURLToPath(import.meta.resolve('openapi-fetch'));
export const CONTROL_DOCS_HTML = join(ROOT, 'dist', 'control-api.html');

/** Static files; a missing one falls through to the stub's 404 (an Error body). */
const files = (dir: string, extensions?: readonly string[]) => {
  const serve = express.static(dir, { index: false, redirect: false, fallthrough: true });
  if (!extensions) return serve;
  return Router().use((req, res, next) => (extensions.some((ext) => req.path.endsWith(ext)) ? serve(req, res, next) : next()));
};

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The stub's pages; `controlApiYaml` is the control API's description as served (its `servers` name the stub). */
export function staticRoutes(tokens: readonly string[], controlApiYaml: string): Router {
  const router = Router();
  router
    .route('/')
    .get((req, res) => {
      const base = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
      res.json({
        name: 'chatapi-contract server stub',
        chatApi: `${base}/chatapi/{token}`,
        tokens: tokens.length,
        docs: `${base}/docs`,
        playground: `${base}/playground/`,
        operatorConsole: `${base}/operator/`,
        openapi: { json: `${base}/openapi.json`, yaml: `${base}/openapi.yaml` },
        controlApi: { base: `${base}/_stub/`, openapi: `${base}/_stub/openapi.yaml`, docs: `${base}/_stub/docs` },
      });
    })
    .all(allowOnly('GET'));
  // Both docs pages list and call the stub that serves them (its address, its first token).
  router
    .route('/docs')
    .get(docsPage({ file: DOCS_HTML, servers: () => (loadDescription().servers ?? []) as { url?: unknown }[], samples: chatApiSampleSource, token: tokens[0] }))
    .all(allowOnly('GET'));
  router
    .route('/openapi.json')
    .get((_req, res, next) => sendBuilt(res, next, BUNDLE_JSON, 'application/json', 'npm run bundle'))
    .all(allowOnly('GET'));
  router
    .route('/openapi.yaml')
    .get((_req, res, next) => sendBuilt(res, next, BUNDLE_YAML, 'application/yaml', 'npm run bundle'))
    .all(allowOnly('GET'));
  router
    .route('/_stub/docs')
    .get(docsPage({ file: CONTROL_DOCS_HTML, servers: () => ((parse(controlApiYaml) as { servers?: { url?: unknown }[] }).servers ?? []) }))
    .all(allowOnly('GET'));

  // The playground and the operator console: one HTML page each, whose ES modules (the page's
  // script and the typed client, as tsc emits them) load under /ui/ with their relative imports intact.
  for (const [page, file] of [
    ['playground', 'playground.html'],
    ['operator', 'operator.html'],
  ] as const) {
    // The router is not strict, so `/${page}` matches with and without the slash: only the bare one
    // is redirected (relative URLs need the slash), keeping the query.
    router.get(`/${page}`, (req, res, next) => {
      if (req.path.endsWith('/')) return next();
      res.redirect(301, `/${page}/${req.url.slice(page.length + 1)}`);
    });
    // The page's default token is the stub's first one (the development token unless configured).
    let html: Promise<string> | undefined;
    router
      .route(`/${page}/`)
      .get((_req, res, next) => {
        html ??= readFile(join(PUBLIC_DIR, file), 'utf8').then((text) => text.replace('{{devToken}}', escapeAttribute(tokens[0] ?? '')));
        html.then(
          (text) => res.type('html').send(text),
          (error: unknown) => {
            html = undefined;
            next(error);
          },
        );
      })
      .all(allowOnly('GET'));
  }
  router.use('/ui/server-stub/public', files(BUILT_PAGES_DIR, ['.js']));
  router.use('/ui/client', files(BUILT_CLIENT_DIR, ['.js']));
  router.use('/ui/generated', files(BUILT_GENERATED_DIR, ['.js']));
  router.get('/ui/vendor/openapi-fetch.mjs', (_req, res, next) => sendBuilt(res, next, OPENAPI_FETCH_ESM, 'text/javascript', 'npm ci'));
  router.use('/ui/static', files(PUBLIC_DIR, ['.css']));
  router.use('/assets', files(join(PUBLIC_DIR, 'assets')));
  return router;
}
