// The description module: one loader, one pointer resolver, the library's dereferencing (keywords
// next to a $ref kept), one Ajv setup.
import { describe, expect, it } from 'vitest';
import { Description, dereferenced, loadDescription, pointerSegment, resolve, valueAt, type OpenApiDocument } from '../../description/index.js';

const document = loadDescription();

function refsWithSiblings(node: unknown, at = '#'): { at: string; ref: string; siblings: Record<string, unknown> }[] {
  if (node === null || typeof node !== 'object') return [];
  const found: { at: string; ref: string; siblings: Record<string, unknown> }[] = [];
  const object = node as Record<string, unknown>;
  if (typeof object.$ref === 'string') {
    const { $ref, ...siblings } = object;
    if (Object.keys(siblings).length > 0) found.push({ at, ref: $ref as string, siblings });
  }
  for (const [key, value] of Object.entries(object)) found.push(...refsWithSiblings(value, `${at}/${pointerSegment(key)}`));
  return found;
}

describe('description module', () => {
  it('loads the bundle once per process', () => {
    expect(Description.load()).toBe(Description.load());
    expect(Description.load().document).toBe(loadDescription());
  });

  it('lists every operation of the description by operationId, paths then webhooks', () => {
    const description = Description.load();
    const ids = description.operations.map((op) => op.operationId);
    expect(ids).toContain('sendMessage');
    expect(description.operations.at(-1)?.kind).toBe('webhook');
    expect(description.operation('getHistory')?.path).toBe('/chatapi/{token}/client/{clientId}/history');
    expect(description.operation('noSuchOperation')).toBeUndefined();
  });

  it('resolves JSON pointers in fragment form (percent-decoded, ~1 and ~0) and in plain form', () => {
    const value = { paths: { '/a/{b}': { get: 1 } }, 'x~y': [10, 20] };
    expect(valueAt(value, '#/paths/~1a~1%7Bb%7D/get')).toBe(1);
    expect(valueAt(value, '/x~0y/1')).toBe(20);
    expect(valueAt(value, '#/nothing/here')).toBeUndefined();
    expect(() => resolve(value, { $ref: '#/missing' }, '#/at')).toThrow(/Unresolvable \$ref #\/missing/);
  });

  it('dereferences with json-schema-ref-parser, keeping the keywords that stand next to a $ref', async () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {},
      components: { schemas: { Id: { type: 'string', minLength: 1 }, Short: { $ref: '#/components/schemas/Id', maxLength: 2 } } },
    } as unknown as OpenApiDocument;
    const result = await dereferenced(doc);
    expect(valueAt(result, '#/components/schemas/Short')).toEqual({ type: 'string', minLength: 1, maxLength: 2 });
    // The input is left as it was.
    expect(valueAt(doc, '#/components/schemas/Short')).toEqual({ $ref: '#/components/schemas/Id', maxLength: 2 });
  });

  it('reports a $ref that does not resolve, naming it', async () => {
    const doc = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/a': { get: { responses: { 200: { $ref: '#/components/responses/Gone' } } } } } };
    await expect(dereferenced(doc)).rejects.toThrow(/#\/components\/responses\/Gone/);
  });

  it('the bundle dereferences completely, and no keyword next to a $ref contradicts its target', async () => {
    const full = await Description.load().dereferenced();
    expect(JSON.stringify(full)).not.toContain('"$ref"');
    // The library merges siblings into the target, the sibling winning: that is JSON Schema's
    // meaning (both apply) only while no sibling overrides a keyword of the target.
    for (const { at, ref, siblings } of refsWithSiblings(document)) {
      const target = valueAt(document, ref) as Record<string, unknown>;
      for (const [key, value] of Object.entries(siblings)) {
        if (key in target && key !== 'description') expect(target[key], `${at}: ${key} next to ${ref}`).toEqual(value);
      }
    }
  });

  it('validates with its one Ajv setup, by pointer', () => {
    const { schemas } = Description.load();
    expect(schemas.validateSchema('MessageStatus', 'READ').valid).toBe(true);
    const bad = schemas.validate('#/components/schemas/ClientId', '');
    expect(bad.valid).toBe(false);
    expect(bad.violations[0]).toMatchObject({ pointer: '/' });
  });
});
