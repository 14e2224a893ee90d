// express-openapi-validator is used as documented: no run-time replacement of its internals, so a
// second validator in the same process behaves as the library says. What the stub changes in the
// library is one versioned patch (patches/), checked here to still apply to the installed version.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import express from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { describe, expect, it, vi } from 'vitest';
import { packageRoot } from '../../description/bundle.js';
import { chatApiSpecForValidator } from '../../server-stub/openapi.js';
import { startTestStub } from './helpers.js';

const root = packageRoot();
const require = createRequire(import.meta.url);

function serve(app: express.Express): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${address.port}`, close: () => server.close() });
    });
  });
}

/** An app with the validator in front of one route, and an error handler that shows what reached it. */
async function validatedApp(apiSpec: unknown, validateApiSpec: boolean): Promise<{ status: number; body: { message?: string } }> {
  const app = express();
  app.use(express.json());
  app.use(OpenApiValidator.middleware({ apiSpec: apiSpec as never, validateApiSpec }));
  app.get('/a', (_req, res) => res.json({}));
  app.use(((error: { status?: number; message: string }, _req, res, _next) => {
    res.status(error.status ?? 500).json({ message: error.message });
  }) as express.ErrorRequestHandler);
  const { url, close } = await serve(app);
  try {
    const response = await fetch(`${url}/a`);
    return { status: response.status, body: (await response.json()) as { message?: string } };
  } finally {
    close();
  }
}

describe('express-openapi-validator, as documented', () => {
  it('a second validator in the process still rejects an invalid document when asked to validate it', async () => {
    const stub = await startTestStub();
    try {
      // Not an OpenAPI document: `info` is missing and a path item is a string.
      const invalid = { openapi: '3.1.0', paths: { '/a': 'nothing' } };
      // The library prints the document's errors to the console as well: keep them out of the test output.
      const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const { status, body } = await validatedApp(invalid, true);
      expect(printed).toHaveBeenCalled();
      printed.mockRestore();
      expect(status).toBe(500);
      expect(body.message).toMatch(/apiDoc was invalid/);
    } finally {
      await stub.close();
    }
  });

  it('a $ref that does not resolve is named, at start-up for the stub and in the error for another validator', async () => {
    const broken = {
      openapi: '3.1.0',
      info: { title: 'broken', version: '1' },
      paths: { '/a': { get: { responses: { 200: { $ref: '#/components/responses/Gone' } } } } },
    };
    await expect(chatApiSpecForValidator(broken)).rejects.toThrow(/#\/components\/responses\/Gone/);
    const { status, body } = await validatedApp(broken, false);
    expect(status).toBe(500);
    expect(body.message).toMatch(/Gone/);
    expect(body.message).not.toMatch(/Cannot read properties/);
  });
});

describe('the carried patch of express-openapi-validator', () => {
  const patches = readdirSync(join(root, 'patches')).filter((name) => name.startsWith('express-openapi-validator+'));

  it('is one patch, for exactly the pinned version that is installed', () => {
    expect(patches).toHaveLength(1);
    const patchedVersion = /\+([\d.]+)\.patch$/.exec(patches[0]!)?.[1];
    const installed = (require('express-openapi-validator/package.json') as { version: string }).version;
    const pinned = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['express-openapi-validator'];
    expect(installed).toBe(patchedVersion);
    expect(pinned).toBe(patchedVersion);
  });

  it('is applied in full to the installed files (fails once it stops applying)', () => {
    // Reversing applies cleanly only if every hunk of the patch is in the installed files.
    expect(() => execFileSync('git', ['apply', '--check', '--reverse', join('patches', patches[0]!)], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });
});
