// Issue 2: the description is complete, honest (x-provenance), its examples are valid, and its
// derived artefacts (lint, generated types, docs) are current.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_HTML, loadDescription } from '../../description/bundle.js';
import { SchemaValidator } from '../../description/schemas.js';
import { runCommand } from '../helpers/run-command.js';
import { deref, examples, operations } from '../helpers/walk-description.js';

const document = loadDescription();
const validator = new SchemaValidator(document);
type Obj = Record<string, unknown>;

const LEVELS = ['documented', 'observed', 'inferred'];

describe('lint', () => {
  // Redocly's JSON report counts problems by severity; the human output mixes in a Node banner.
  for (const [name, target] of [
    ['the multi-file source', 'chatapi'],
    ['the bundle', 'dist/openapi.yaml'],
  ] as const) {
    it(`passes on ${name} with no errors and no warnings`, async () => {
      const result = await runCommand('npx', ['redocly', 'lint', target, '--format=json']);
      const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number } };
      expect(report.totals, result.stdout).toEqual(expect.objectContaining({ errors: 0, warnings: 0 }));
      expect(result.code).toBe(0);
    });
  }
});

describe('x-read-only', () => {
  it('is on every operation of paths, true only for those with no lasting effect', () => {
    const marks = Object.fromEntries(operations(loadDescription()).filter((o) => o.kind === 'path').map((o) => [o.operation.operationId, o.operation['x-read-only']]));
    expect(Object.values(marks).every((mark) => typeof mark === 'boolean')).toBe(true);
    expect(Object.keys(marks).filter((id) => marks[id] === true).sort()).toEqual(['getEvents', 'getHistory', 'getMessageStatus', 'getNotReadCount', 'loadState']);
  });

  it('missing from an operation is a lint error', async () => {
    const bundle = loadDescription() as unknown as { paths: Record<string, Record<string, Obj>> };
    delete bundle.paths['/chatapi/{token}/events']!.get!['x-read-only'];
    const file = join(mkdtempSync(join(tmpdir(), 'chatapi-lint-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(bundle));
    const result = await runCommand('npx', ['redocly', 'lint', file, '--config', 'redocly.yaml', '--format=json']);
    const report = JSON.parse(result.stdout) as { problems: Array<{ ruleId: string }> };
    expect(report.problems.map((p) => p.ruleId)).toEqual(['read-only/read-only-declared']);
    expect(result.code).toBe(1);
  });
});

describe('operations', () => {
  const expected = [
    'POST /chatapi/{token} sendMessage',
    'GET /chatapi/{token} sendMessageSimple',
    'POST /chatapi/{token}/async sendMessageAsync',
    'GET /chatapi/{token}/events getEvents',
    'GET /chatapi/{token}/client/{clientId}/history getHistory',
    'GET /chatapi/{token}/client/{clientId}/state loadState',
    'POST /chatapi/{token}/client/{clientId}/state saveState',
    'GET /chatapi/{token}/client/{clientId}/message/{questionId}/status getMessageStatus',
    'POST /chatapi/{token}/client/{clientId}/message/{questionId}/status setMessageStatus',
    'POST /chatapi/{token}/client/{clientId}/message-statuses setMessageStatuses',
    'GET /chatapi/{token}/client/{clientId}/message-not-read-count getNotReadCount',
  ];

  it('describes every Chat API method', () => {
    const found = operations(document)
      .filter((op) => op.kind === 'path')
      .map((op) => `${op.method.toUpperCase()} ${op.name} ${String(op.operation.operationId)}`);
    expect(found.sort()).toEqual([...expected].sort());
  });

  it.each(operations(document).map((op) => [`${op.method.toUpperCase()} ${op.name}`, op] as const))(
    '%s is complete and carries x-provenance',
    (_label, op) => {
      const operation = op.operation;
      for (const field of ['operationId', 'summary', 'description']) {
        expect(typeof operation[field], field).toBe('string');
      }
      expect((operation.tags as string[]).length).toBeGreaterThan(0);
      const mark = operation['x-provenance'] as Obj;
      expect(LEVELS).toContain(mark.level);
      expect(String(mark.note)).toMatch(/^[^\n]{10,}$/);
      expect(String(operation.description)).toContain(`**Provenance: ${String(mark.level)}.**`);

      const responses = operation.responses as Obj;
      expect(Object.keys(responses).some((s) => s.startsWith('2'))).toBe(true);
      for (const [status, raw] of Object.entries(responses)) {
        const response = deref<Obj>(document, raw);
        const content = response.content as Record<string, Obj> | undefined;
        if (op.kind === 'webhook') continue; // the receiver's answer has no body
        const json = content?.['application/json'];
        expect(json?.schema, `${status} has a schema`).toBeDefined();
        expect(Object.keys((json?.examples ?? {}) as Obj).length, `${status} has a named example`).toBeGreaterThan(0);
        if (!status.startsWith('2')) expect(json?.schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
      if (operation.requestBody) {
        const body = deref<Obj>(document, operation.requestBody);
        const json = (body.content as Record<string, Obj>)['application/json'];
        expect(Object.keys((json?.examples ?? {}) as Obj).length, 'request has a named example').toBeGreaterThan(0);
      }
    },
  );

  it('documents the error answers every client meets', () => {
    for (const op of operations(document).filter((o) => o.kind === 'path')) {
      expect(Object.keys(op.operation.responses as Obj), String(op.operation.operationId)).toContain('401');
      if (op.operation.requestBody) {
        expect(Object.keys(op.operation.responses as Obj)).toEqual(expect.arrayContaining(['400', '415']));
      }
    }
    const errorExamples = Object.keys(document.components?.examples ?? {}).filter((name) => name.startsWith('Error'));
    expect(errorExamples).toEqual(
      expect.arrayContaining(['ErrorUnknownToken', 'ErrorInvalidBody', 'ErrorInvalidParameter', 'ErrorUnknownClient', 'ErrorUnknownMessage', 'ErrorBodyTooLarge']),
    );
  });
});

describe('webhooks', () => {
  const webhook = (document.webhooks?.chatApiMessage as Obj | undefined)?.post as Obj | undefined;

  it('describe the array payload with an example for each reason it fires', () => {
    expect(webhook).toBeDefined();
    const json = (deref<Obj>(document, webhook?.requestBody).content as Record<string, Obj>)['application/json'];
    expect(json?.schema).toEqual({ $ref: '#/components/schemas/WebhookPayload' });
    expect(deref<Obj>(document, json?.schema).type).toBe('array');
    expect(Object.keys(json?.examples as Obj).sort()).toEqual(['asyncReply', 'operatorReply', 'replyTimeout', 'textCampaign']);
  });
});

describe('schemas', () => {
  const schemas = Object.entries(document.components?.schemas ?? {});

  it('discriminate replies by type over every reply kind', () => {
    const reply = document.components?.schemas?.Reply as Obj;
    const mapping = (reply.discriminator as Obj).mapping as Obj;
    expect(Object.keys(mapping).sort()).toEqual(
      ['audio', 'buttons', 'carousel', 'file', 'image', 'inlineButtons', 'location', 'raw', 'switch', 'text', 'timeout'],
    );
    expect(validator.validateSchema('Reply', { type: 'image' }).valid).toBe(false);
    expect(validator.validateSchema('Reply', { type: 'unknown', text: 'x' }).valid).toBe(false);
  });

  it('keep the statuses of the real API', () => {
    expect((document.components?.schemas?.MessageStatus as Obj).enum).toEqual(['SENT', 'DELIVERED', 'READ', 'NOT_SENT', 'NOT_DELIVERED']);
  });

  it.each(schemas)('%s carries x-provenance', (_name, schema) => {
    const mark = (schema as Obj)['x-provenance'] as Obj;
    expect(LEVELS).toContain(mark.level);
    expect(String(mark.note)).toMatch(/^[^\n]{10,}$/);
  });
});

describe('examples', () => {
  const all = examples(document);
  const schemaExamples = Object.entries(document.components?.schemas ?? {}).flatMap(([name, schema]) =>
    ((schema as Obj).examples as unknown[] | undefined ?? []).map((value, index) => ({
      where: `schema ${name}`,
      exampleName: String(index),
      value,
      schemaPointer: `#/components/schemas/${name}`,
    })),
  );

  it('cover requests, responses and parameters', () => {
    expect(all.length).toBeGreaterThan(50);
  });

  it.each([...all, ...schemaExamples].map((e) => [`${e.where}: ${e.exampleName}`, e] as const))(
    '%s validates against its schema (Ajv 2020)',
    (_label, example) => {
      const result = validator.validate(example.schemaPointer, example.value);
      expect(result.violations).toEqual([]);
    },
  );
});

describe('generated types', () => {
  it('are current', async () => {
    const result = await runCommand('npx', ['tsx', 'scripts/generate-types.ts', '--check']);
    expect(result.stderr + result.stdout).toContain('is current');
    expect(result.code).toBe(0);
  });
});

describe('rendered docs', () => {
  const html = readFileSync(DOCS_HTML, 'utf8');

  it('load no external script or stylesheet', () => {
    const external = [...html.matchAll(/<(script|link)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?\/\/[^>]*>/gi)].map((m) => m[0]);
    expect(external).toEqual([]);
  });

  it('contain every operation, every webhook and the provenance notes', () => {
    for (const op of operations(document)) expect(html).toContain(String(op.operation.operationId));
    for (const name of Object.keys(document.webhooks ?? {})) expect(html).toContain(name);
    expect(html).toContain('Provenance: documented.');
    expect(html).toContain('Provenance: inferred.');
  });
});
