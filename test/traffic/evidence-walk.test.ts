// The walk under `chatapi-contract evidence`: values through the description's own schemas, each
// contradiction laid at the component whose keyword it breaks, whichever way the value went (a
// discriminator, a oneOf without one, allOf parts that each declare some members).
import { describe, expect, it } from 'vitest';
import { Description } from '../../description/index.js';
import { markIndex, provenanceMarks } from '../../traffic/provenance.js';
import { SchemaWalker } from '../../traffic/schema-walk.js';
import { SecretMasker } from '../../traffic/masking.js';

const description = Description.load();
const operations = await description.dereferencedOperations();
const marks = provenanceMarks(description.document, operations);
const markAt = markIndex(marks);
const masker = new SecretMasker();
const walker = new SchemaWalker({
  document: description.document,
  validator: description.schemas,
  markAt: (pointer) => markAt(pointer)?.key,
  show: (value, key) => (masker.json({ [key]: value }) as Record<string, unknown>)[key],
});
const walk = (schema: string, value: unknown) => walker.walk(`#/components/schemas/${schema}`, value, 'operation:sendMessage');
const brief = (result: ReturnType<typeof walk>) => result.contradictions.map(({ kind, owner, at }) => ({ kind, owner, at }));

describe('the walk through the description', () => {
  it('enters every marked component a valid value goes through, and finds nothing', () => {
    const result = walk('ChatRequest', { clientId: 'user-1', query: 'hello', data: { a: 1 } });
    expect(result.contradictions).toEqual([]);
    expect(new Set(result.entered)).toEqual(new Set(['schema:ChatRequest', 'schema:ClientQueryRequest', 'schema:ChatRequestCommon', 'schema:ClientIdInput', 'schema:ClientId']));
  });

  it('lays a member no allOf part declares at the component the parts make up, not at one part', () => {
    expect(brief(walk('ChatRequest', { clientId: 'user-1', query: 'hello', channel: 'web' }))).toEqual([{ kind: 'undeclared_member', owner: 'schema:ClientQueryRequest', at: '/channel' }]);
  });

  it('takes the branch of a oneOf without a discriminator that comes closest when none takes the value', () => {
    // query and event together: each branch excludes the other's member; the query branch is first of the two closest.
    expect(brief(walk('ChatRequest', { clientId: 'user-1', query: 'hello', event: 'opened' }))).toEqual([{ kind: 'excluded', owner: 'schema:ClientQueryRequest', at: '' }]);
    // A clientId past its length: of ClientIdInput's string-or-integer, the string branch (ClientId) says the limit.
    expect(brief(walk('ChatRequest', { clientId: 'x'.repeat(300), query: 'hello' }))).toEqual([{ kind: 'bound', owner: 'schema:ClientId', at: '/clientId' }]);
  });

  it('says which reply type is missing or unknown at the discriminated union, and walks a known one into its own schema', () => {
    const envelope = (replies: unknown[]) => ({ token: 't', clientId: 'c', questionId: 'q', timestamp: '2024-01-01T00:00:00.000', data: { replies, answer: '' } });
    const result = walk('ChatResponse', envelope([{ text: 'no type' }, { type: 'image', imageUrl: 3 }, { type: 'text', text: 'ok', markup: 'rtf' }]));
    expect(brief(result)).toEqual(
      expect.arrayContaining([
        { kind: 'unknown_variant', owner: 'schema:Reply', at: '/data/replies/0' },
        { kind: 'type', owner: 'schema:ImageReply', at: '/data/replies/1/imageUrl' },
        { kind: 'enum', owner: 'schema:TextReply', at: '/data/replies/2/markup' },
      ]),
    );
    expect(result.contradictions).toHaveLength(3);
    expect(result.contradictions[0]!.message).toBe('type missing is none of text, buttons, inlineButtons, image, audio, file, carousel, timeout, switch, location, raw');
    expect(result.entered.filter((key) => key === 'schema:Reply')).toHaveLength(3);
  });

  it('shows a secret-named member masked, whatever its value', () => {
    const result = walk('NotReadCount', { count: 1, apiKey: 'k-123' });
    expect(result.contradictions.map((c) => c.message)).toEqual(['member "apiKey" is not declared: "***"']);
  });
});
