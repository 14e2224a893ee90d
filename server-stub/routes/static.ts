// The stub's own pages: an index, the rendered docs and the bundled description.
import { Router, type NextFunction, type Response } from 'express';
import { BUNDLE_JSON, BUNDLE_YAML } from '../../validation/description.js';
import { ApiError } from '../errors.js';
import { docsPage } from './docs-page.js';
import { allowOnly } from './util.js';

function sendBuilt(res: Response, next: NextFunction, file: string, type: string, build: string): void {
  res.type(type).sendFile(file, (error: NodeJS.ErrnoException | undefined) => {
    // A reader that goes away mid-download is not an error worth a log line.
    if (!error || res.headersSent) return;
    next(error.code === 'ENOENT' ? new ApiError(404, 'stub.file.not_built', `${file} is missing: run \`${build}\` (npm start does it).`) : error);
  });
}

export function staticRoutes(tokens: readonly string[]): Router {
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
        openapi: { json: `${base}/openapi.json`, yaml: `${base}/openapi.yaml` },
        controlApi: { base: `${base}/_stub/`, openapi: `${base}/_stub/openapi.yaml` },
      });
    })
    .all(allowOnly('GET'));
  router
    .route('/docs')
    .get(docsPage())
    .all(allowOnly('GET'));
  router
    .route('/openapi.json')
    .get((_req, res, next) => sendBuilt(res, next, BUNDLE_JSON, 'application/json', 'npm run bundle'))
    .all(allowOnly('GET'));
  router
    .route('/openapi.yaml')
    .get((_req, res, next) => sendBuilt(res, next, BUNDLE_YAML, 'application/yaml', 'npm run bundle'))
    .all(allowOnly('GET'));
  return router;
}
