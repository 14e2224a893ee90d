// The webhook receiver's compiled validator (generated/webhook-payload-validator.ts, Ajv standalone
// code made by `npm run generate`) and its transport-free core: the description's WebhookPayload
// examples pass, broken payloads fail with findings in the description's Violation shape, and the
// compiled code judges exactly as Ajv over the whole bundle does.
import { describe, expect, it } from 'vitest';
import { checkWebhookPayload } from '../../client/webhook/payload-check.js';
import type { BodyRead } from '../../client/webhook/read-body.js';
import { judgeDelivery, judgeValue, payloadCheck, refusedByHeaders } from '../../client/webhook/receiver.js';
import { loadDescription } from '../../description/bundle.js';
import { SchemaValidator } from '../../description/schemas.js';
import { examples } from '../helpers/walk-description.js';

type Obj = Record<string, unknown>;
const document = loadDescription();
const validator = new SchemaValidator(document);
const webhook = (document.webhooks?.chatApiMessage?.post ?? {}) as Obj;
const payloadPointer = '#/components/schemas/WebhookPayload';

/** The webhook's named examples, and every ChatResponse example of the description as a one-item payload. */
const webhookExamples = examples(document).filter((e) => e.where.startsWith('POST chatApiMessage'));
const itemExamples = examples(document).filter((e) => e.schemaPointer === '#/components/schemas/ChatResponse');
const validPayloads = [...webhookExamples.map((e) => ({ name: e.exampleName, value: e.value })), ...itemExamples.map((e) => ({ name: `[${e.exampleName}]`, value: [e.value] }))];

const first = (webhookExamples[0]?.value as Obj[] | undefined)?.[0] ?? {};
const data = (first.data ?? {}) as Obj;
/** The members every item must have, as the description says. */
const required = ((document.components?.schemas?.ChatResponse as Obj | undefined)?.required ?? []) as string[];
/** Payloads that break the schema in one way each, made from the description's own example. */
const brokenPayloads: { name: string; value: unknown; path: string }[] = [
  { name: 'an object instead of the array', value: first, path: '' },
  { name: 'an empty array', value: [], path: '' },
  { name: 'null', value: null, path: '' },
  ...required.map((key) => {
    const { [key]: _dropped, ...rest } = first;
    return { name: `an item without ${key}`, value: [rest], path: `/0/${key}` };
  }),
  ...Object.entries(first)
    .filter(([, v]) => typeof v === 'string')
    .map(([key]) => ({ name: `an item whose ${key} is a number`, value: [{ ...first, [key]: 42 }], path: `/0/${key}` })),
  { name: 'a reply of an unknown type', value: [{ ...first, data: { ...data, replies: [{ type: 'hologram', text: 'hi' }] } }], path: '/0/data/replies/0' },
];

it('the description has webhook examples to check against', () => {
  expect(webhookExamples.length).toBeGreaterThanOrEqual(4);
  expect(required).toContain('questionId');
  expect((((webhook.requestBody as Obj).content as Obj)['application/json'] as Obj).schema).toEqual({ $ref: payloadPointer });
});

describe('the compiled WebhookPayload validator', () => {
  it.each(validPayloads)('accepts the description example $name', ({ value }) => {
    expect(checkWebhookPayload(value)).toEqual({ valid: true, violations: [] });
  });

  it.each(brokenPayloads)('rejects $name, at $path', ({ value, path }) => {
    const result = checkWebhookPayload(value);
    expect(result.valid).toBe(false);
    const violations = payloadCheck()(value);
    expect(violations.map((v) => v.path)).toContain(path);
    for (const violation of violations) {
      expect(violation).toMatchObject({ location: 'body', path: expect.any(String), message: expect.any(String) });
      expect(validator.validateSchema('Violation', violation)).toEqual({ valid: true, violations: [] });
    }
  });

  it('judges every payload exactly as Ajv over the whole bundle does', () => {
    for (const { value } of [...validPayloads, ...brokenPayloads]) {
      expect(checkWebhookPayload(value)).toEqual(validator.validate(payloadPointer, value));
    }
  });
});

const bytes = (text: string): BodyRead => ({ ok: true, bytes: Buffer.from(text) });
const post = (body: BodyRead, contentType = 'application/json') => judgeDelivery({ method: 'POST', contentType, body }, payloadCheck());

describe('the receiver core, without any transport', () => {
  it('passes a valid payload on, typed', () => {
    const judged = post(bytes(JSON.stringify(webhookExamples[0]!.value)));
    expect(judged.ok).toBe(true);
    if (judged.ok) expect(judged.payload).toEqual(webhookExamples[0]!.value);
  });

  it('answers a broken payload with 400 and the Error body of the description', () => {
    const judged = post(bytes(JSON.stringify([{ ...first, timestamp: 'yesterday' }])));
    expect(judged.ok).toBe(false);
    if (judged.ok) return;
    expect(judged.answer.status).toBe(400);
    expect(validator.validateSchema('Error', judged.answer.body)).toEqual({ valid: true, violations: [] });
    expect(judged.answer.body).toMatchObject({ error: 'chatapi.webhook.invalid', violations: [{ location: 'body', path: '/0/timestamp' }] });
  });

  it.each([
    ['JSON that does not parse', bytes('[{"questionId": '), 400, 'chatapi.webhook.invalid', { location: 'body', path: '' }],
    ['a body over the limit', { ok: false, problem: { kind: 'too_large', limitBytes: 10, message: 'must be at most 10 bytes' } }, 413, 'chatapi.webhook.too_large', { location: 'body', path: '' }],
    ['a compressed body', { ok: false, problem: { kind: 'unsupported_encoding', encoding: 'gzip', message: 'unsupported content encoding "gzip"' } }, 415, 'chatapi.webhook.unsupported_media_type', { location: 'header', path: 'content-encoding' }],
    ['a body in another charset', { ok: false, problem: { kind: 'unsupported_charset', charset: 'koi8-r', message: 'unsupported charset "KOI8-R"' } }, 415, 'chatapi.webhook.unsupported_media_type', { location: 'header', path: 'content-type' }],
    ['a body cut short', { ok: false, problem: { kind: 'size_mismatch', declared: 10, received: 4, message: 'got 4 bytes of the 10' } }, 400, 'chatapi.webhook.incomplete', { location: 'body', path: '' }],
  ] as [string, BodyRead, number, string, Obj][])('answers %s with %i %s', (_name, body, status, error, violation) => {
    const judged = post(body);
    expect(judged.ok).toBe(false);
    if (judged.ok) return;
    expect(judged.answer.status).toBe(status);
    expect(judged.answer.body).toMatchObject({ error, status, violations: [violation] });
    expect(validator.validateSchema('Error', judged.answer.body)).toEqual({ valid: true, violations: [] });
  });

  it('refuses another method (405, Allow: POST) or media type (415) before the body is read', () => {
    expect(refusedByHeaders('GET', 'application/json')).toMatchObject({ status: 405, headers: { allow: 'POST' } });
    expect(refusedByHeaders('POST', 'text/plain')).toMatchObject({ status: 415, body: { violations: [{ location: 'header', path: 'content-type' }] } });
    expect(refusedByHeaders('POST', 'application/json; charset=utf-8')).toBeUndefined();
    expect(refusedByHeaders('POST', 'application/vnd.chat+json')).toBeUndefined();
  });

  it('lists every finding of a delivery, answering the most basic one', () => {
    const judged = judgeDelivery({ method: 'PUT', contentType: 'text/plain', body: bytes('{}') }, payloadCheck());
    expect(judged.ok).toBe(false);
    if (judged.ok) return;
    expect(judged.answer.status).toBe(405);
    expect(judged.violations).toEqual([
      { message: 'delivered with PUT, expected POST' },
      { location: 'header', path: 'content-type', message: 'must be application/json' },
      { location: 'body', path: '', message: 'must be array' },
    ]);
    expect(judged.json).toEqual({ value: {} });
  });

  it('judges an already parsed body the same way, with a validator of your own when given', () => {
    expect(judgeValue(webhookExamples[0]!.value, payloadCheck({ validator })).ok).toBe(true);
    const judged = judgeValue({}, payloadCheck({ validator }));
    expect(judged.ok ? [] : judged.violations).toEqual([{ location: 'body', path: '', message: 'must be array' }]);
  });
});
