// The stub serves the operations of the description it is given: each is mounted at its path with
// its method, validated by that description, and one without a handler stops the stub at start-up.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDescription, type OpenApiDocument } from '../../description/bundle.js';
import { exactlyOneOf } from '../../server-stub/handlers/exactly-one-of.js';
import { MissingHandlerError } from '../../server-stub/index.js';
import { StubError } from '../../server-stub/errors.js';
import { expectError, startTestStub } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatapi-description-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A copy of the bundle, changed by `change`, written as a bundle file. */
async function bundleWith(name: string, change: (document: OpenApiDocument) => void): Promise<string> {
  const document = structuredClone(loadDescription());
  change(document);
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(document));
  return file;
}

const extraOperation = {
  operationId: 'getClientProfile',
  parameters: [{ $ref: '#/components/parameters/Token' }, { $ref: '#/components/parameters/ClientIdPath' }],
  responses: { '200': { description: 'The profile.', content: { 'application/json': { schema: { type: 'object' } } } } },
};

describe('start-up on a description with an operation the stub has no handler for', () => {
  it('refuses to start, naming the operation: operationId, method and path', async () => {
    const file = await bundleWith('extra-path', (document) => {
      document.paths['/chatapi/{token}/client/{clientId}/profile'] = { get: extraOperation };
    });
    const started = startTestStub({ description: file });
    await expect(started).rejects.toBeInstanceOf(MissingHandlerError);
    await expect(started).rejects.toThrow(
      'the description has an operation the stub has no handler for: getClientProfile (GET /chatapi/{token}/client/{clientId}/profile)',
    );
  });

  it('names a new method on a known path as well', async () => {
    const file = await bundleWith('extra-method', (document) => {
      document.paths['/chatapi/{token}/client/{clientId}/state']!.delete = { ...extraOperation, operationId: 'deleteState' };
    });
    await expect(startTestStub({ description: file })).rejects.toThrow(/no handler for: deleteState \(DELETE \/chatapi\/\{token\}\/client\/\{clientId\}\/state\)$/);
  });
});

describe('start-up on another description with the same operations', () => {
  it('validates by the description it was given', async () => {
    // The same operations, but a text query of at most 5 characters.
    const file = await bundleWith('short-queries', (document) => {
      const schemas = document.components!.schemas as Record<string, { allOf: { properties?: Record<string, { maxLength?: number }> }[] }>;
      const query = schemas.ClientQueryRequest!.allOf.find((part) => part.properties?.query)!.properties!.query!;
      query.maxLength = 5;
    });
    const stub = await startTestStub({ description: file });
    try {
      expect((await stub.api.post('', { clientId: 'd1', query: 'hello' })).status).toBe(200);
      const long = await stub.api.post('', { clientId: 'd1', query: 'hello!' });
      expectError(long, 400, 'chatapi.request.invalid');
      expect(long.body.violations).toContainEqual(expect.objectContaining({ location: 'body', path: '/query', message: expect.stringMatching(/5 characters/) }));
    } finally {
      await stub.close();
    }
  });
});

describe('exactlyOneOf (x-exactly-one-of)', () => {
  const violation = (check: (query: Record<string, unknown>) => void, query: Record<string, unknown>) => {
    try {
      check(query);
    } catch (error) {
      expect(error).toBeInstanceOf(StubError);
      return (error as StubError).violations;
    }
    return undefined;
  };

  it('accepts one, and names what is wrong with none or several', () => {
    const two = exactlyOneOf(['query', 'event']);
    expect(violation(two, { query: 'a' })).toBeUndefined();
    expect(violation(two, { event: 'e', other: 1 })).toBeUndefined();
    expect(violation(two, {})).toEqual([{ location: 'query', path: 'query', message: 'give exactly one of query and event (neither was given)' }]);
    expect(violation(two, { query: 'a', event: 'e' })).toEqual([{ location: 'query', path: 'event', message: 'give exactly one of query and event (both were given)' }]);
    const three = exactlyOneOf(['a', 'b', 'c']);
    expect(violation(three, {})).toEqual([{ location: 'query', path: 'a', message: 'give exactly one of a, b and c (none was given)' }]);
    expect(violation(three, { a: 1, c: 2 })).toEqual([{ location: 'query', path: 'c', message: 'give exactly one of a, b and c (a and c were given)' }]);
  });
});
