// The contract suite's webhook receiver: it acknowledges every delivery at once and records each,
// valid or not, with its violations in the description's Violation shape (through the package's
// receiver core), the token masked; waitFor finds a delivery already received or still to come.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { questionIdsOf } from '../../contract/chatapi/webhooks.js';
import { WebhookReceiver, type ReceivedPayload } from '../../contract/engine/webhook-receiver.js';
import { loadDescription } from '../../description/bundle.js';
import { SchemaValidator } from '../../description/schemas.js';
import { examples } from '../helpers/walk-description.js';

const document = loadDescription();
const validator = new SchemaValidator(document);
const [example] = examples(document).filter((e) => e.where.startsWith('POST chatApiMessage'));
const valid = example!.value as { questionId: string; token: string }[];
const TOKEN = valid[0]!.token;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start({
    port: 0,
    validator,
    schemaPointer: '#/components/schemas/WebhookPayload',
    mask: (text) => text.split(TOKEN).join('***'),
    maxBytes: 64 * 1024,
  });
});

afterAll(() => receiver.close());

async function deliver(body: string, init: { method?: string; contentType?: string } = {}): Promise<ReceivedPayload> {
  const before = receiver.payloads.length;
  const response = await fetch(receiver.url, { method: init.method ?? 'POST', headers: { 'content-type': init.contentType ?? 'application/json' }, body });
  expect(response.status).toBe(204);
  const recorded = await receiver.waitFor((p) => receiver.payloads.indexOf(p) >= before, 2000);
  expect(recorded).toBeDefined();
  return recorded!;
}

describe('the contract webhook receiver', () => {
  it('records a valid delivery with no violations, the token masked', async () => {
    const payload = await deliver(JSON.stringify(valid));
    expect(payload.violations).toEqual([]);
    expect(payload.text).not.toContain(TOKEN);
    expect(questionIdsOf(payload)).toEqual(valid.map((item) => item.questionId));
    expect((payload.json as { token: string }[])[0]!.token).toBe('***');
  });

  it('records a delivery that breaks the schema with Violation-shaped findings, and still acknowledges it', async () => {
    const { questionId: _dropped, ...item } = valid[0]!;
    const payload = await deliver(JSON.stringify([{ ...item, timestamp: 'yesterday' }]));
    expect(payload.violations.map((v) => v.path)).toEqual(expect.arrayContaining(['/0/questionId', '/0/timestamp']));
    for (const violation of payload.violations) {
      expect(violation.location).toBe('body');
      expect(validator.validateSchema('Violation', violation).valid).toBe(true);
    }
  });

  it('records what is not JSON, what is not POST and what is too large, each with its finding', async () => {
    const notJson = await deliver('[{"questionId": ');
    expect(notJson.jsonError).toBeDefined();
    expect(notJson.violations).toEqual([{ location: 'body', path: '', message: expect.stringMatching(/^not JSON: /) }]);

    const put = await deliver(JSON.stringify(valid), { method: 'PUT' });
    expect(put.violations).toEqual([{ message: 'delivered with PUT, expected POST' }]);
    expect(put.json).toEqual(valid.map((item) => ({ ...item, token: '***' })));

    const text = await deliver(JSON.stringify(valid), { contentType: 'text/plain' });
    expect(text.violations).toEqual([{ location: 'header', path: 'content-type', message: 'must be application/json' }]);

    const big = await deliver(JSON.stringify([{ ...valid[0], padding: 'x'.repeat(70 * 1024) }]));
    expect(big.violations).toEqual([{ location: 'body', path: '', message: `must be at most ${64 * 1024} bytes` }]);
  });
});
