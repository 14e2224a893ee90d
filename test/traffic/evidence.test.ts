// `chatapi-contract evidence`: recorded traffic weighed against the description's provenance marks.
// The traffic is real: a session of the typed client against the stub through `chatapi-contract
// proxy`, webhook deliveries included. Altered copies of its HAR then contradict one mark each, and
// each contradiction must be found and laid at that mark, and at no other.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Har, HarEntry } from '../../contract/engine/reporters/har.js';
import type { EvidenceReport, MarkEvidence } from '../../traffic/evidence.js';
import { main } from '../../traffic/evidence-command.js';
import { runCli } from '../contract/helpers.js';
import { recordSession, SESSION_TOKEN } from './record-session.js';

let dir: string;
let session: { file: string; har: Har };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evidence-'));
  session = await recordSession(dir);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function evidence(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function jsonReport(file: string): Promise<{ code: number; report: EvidenceReport }> {
  const { code, out } = await evidence([file, '--format', 'json']);
  return { code, report: JSON.parse(out) as EvidenceReport };
}

const mark = (report: EvidenceReport, key: string): MarkEvidence => {
  const found = report.marks.find((m) => m.key === key);
  if (!found) throw new Error(`no mark ${key}`);
  return found;
};

let copies = 0;
/** The session's HAR as a browser's devtools would have saved it: the channel token in every path and echo. */
function withToken(har: Har): Har {
  return JSON.parse(JSON.stringify(har).replaceAll('***', SESSION_TOKEN)) as Har;
}

function writeCopy(har: Har): string {
  const file = join(dir, `altered-${++copies}.har`);
  writeFileSync(file, JSON.stringify(har));
  return file;
}

/** A copy of the session's HAR with one entry (the first of an operation, or of a direction) changed. */
function altered(select: (entry: HarEntry) => boolean, change: (entry: HarEntry) => void): string {
  const har = withToken(session.har);
  const entry = har.log.entries.find(select);
  if (!entry) throw new Error('the session has no such entry');
  change(entry);
  return writeCopy(har);
}

const operation = (operationId: string) => (entry: HarEntry) => entry._chatapi?.operationId === operationId && entry._chatapi.direction === 'forward';
const delivery = (entry: HarEntry) => entry._chatapi?.direction === 'webhook';

/** Changes a JSON response body in place. */
const reply = (edit: (body: any) => void) => (entry: HarEntry) => {
  const body = JSON.parse(entry.response.content.text!);
  edit(body);
  entry.response.content.text = JSON.stringify(body);
};
/** Changes a JSON request body (a webhook delivery's payload) in place. */
const sent = (edit: (body: any) => void) => (entry: HarEntry) => {
  const body = JSON.parse(entry.request.postData!.text);
  edit(body);
  entry.request.postData!.text = JSON.stringify(body);
};

describe('a normal session against the stub', () => {
  it('contradicts nothing, confirms what it went through and lists what it never reached (JSON)', async () => {
    const { code, report } = await jsonReport(session.file);
    expect(code).toBe(0);
    expect(report.exitCode).toBe(0);
    expect(report.summary.contradicted).toBe(0);
    expect(report.marks.filter((m) => m.verdict === 'contradicted')).toEqual([]);
    // Every operation and top-level schema of the description has its mark here, each once.
    expect(report.summary.marks).toBe(report.marks.length);
    expect(new Set(report.marks.map((m) => m.key)).size).toBe(report.marks.length);
    expect(report.summary.byLevel.inferred.confirmed + report.summary.byLevel.inferred.unexercised).toBe(17);
    expect(report.traffic).toMatchObject({ exchanges: 12, deliveries: 2, unmatched: 0, walked: { responses: 12, requests: 5, payloads: 2 } });
    // Of the accepted requests: clientId ×8 (path or query), questionId ×2, query and all; never the token.
    expect(report.traffic.walked.parameters).toBe(12);

    // The operations it called, with the statuses it saw; the 401 of an unknown token is documented.
    expect(mark(report, 'operation:getNotReadCount')).toMatchObject({ verdict: 'confirmed', level: 'documented', exercised: 2, statuses: { 200: 1, 401: 1 } });
    expect(mark(report, 'operation:loadState')).toMatchObject({ verdict: 'confirmed', level: 'inferred', source: 'openapi/paths/chatapi_{token}_client_{clientId}_state.yaml', route: 'GET /chatapi/{token}/client/{clientId}/state' });
    expect(mark(report, 'operation:receiveChatApiMessage')).toMatchObject({ verdict: 'confirmed', exercised: 2 });
    // Components the values went through: the 401's Error body, the async answer, the reply types the bot sent.
    expect(mark(report, 'schema:Error')).toMatchObject({ verdict: 'confirmed', level: 'inferred', source: 'openapi/components/schemas/Error.yaml' });
    expect(mark(report, 'schema:AsyncAccepted').verdict).toBe('confirmed');
    expect(mark(report, 'schema:ButtonsReply').verdict).toBe('confirmed');
    expect(mark(report, 'schema:TextReply').exercised).toBeGreaterThan(mark(report, 'schema:ButtonsReply').exercised);
    // A request body the service accepted exercises the request's schemas.
    expect(mark(report, 'schema:ClientQueryRequest')).toMatchObject({ verdict: 'confirmed', exercised: 3 });
    // What the session never reached: the batch status update, the widget's state event, reply types the bot did not send.
    expect(mark(report, 'operation:setMessageStatuses')).toMatchObject({ verdict: 'unexercised', exercised: 0 });
    expect(mark(report, 'schema:WidgetStateChangeEvent')).toMatchObject({ verdict: 'unexercised', level: 'inferred' });
    expect(mark(report, 'schema:ClientEventRequest').verdict).toBe('unexercised');
    expect(mark(report, 'schema:ImageReply').verdict).toBe('unexercised');
    // Ordered: confirmed before never exercised, inferred first within each.
    const verdicts = report.marks.map((m) => m.verdict);
    expect(verdicts.indexOf('unexercised')).toBeGreaterThan(verdicts.lastIndexOf('confirmed'));
    expect(report.marks[0]!.level).toBe('inferred');
  });

  it('prints Markdown by default: confirmed and never exercised, inferred and observed marks in full', async () => {
    const { code, out } = await evidence([session.file]);
    expect(code).toBe(0);
    expect(out).toMatch(/^# Evidence for the description from recorded traffic/);
    expect(out).toContain('| inferred | 17 | 0 |');
    expect(out).not.toContain('## Contradicted');
    const confirmed = out.slice(out.indexOf('## Confirmed'), out.indexOf('## Never exercised'));
    const never = out.slice(out.indexOf('## Never exercised'));
    expect(confirmed).toContain(
      '- **inferred** · operation `loadState` (GET /chatapi/{token}/client/{clientId}/state, `openapi/paths/chatapi_{token}_client_{clientId}_state.yaml`): 1 exchange (200 ×1). *Save and load of an arbitrary object are documented',
    );
    expect(confirmed).toMatch(/- \*\*documented\*\*, confirmed: .*`getNotReadCount` \(2\)/);
    expect(never).toContain('- **inferred** · schema `WidgetStateChangeEvent` (`openapi/components/schemas/WidgetStateChangeEvent.yaml`): never exercised.');
    expect(never).toMatch(/- \*\*documented\*\*, never exercised: .*`setMessageStatuses`.*`ImageReply`/);
    expect(out).toMatch(/Result: the traffic contradicts no mark of the description \(exit 0\)\.$/);
  });
});

describe('altered traffic: each contradiction at the mark that says it', () => {
  const cases: Array<{ name: string; file: () => string; key: string; kind: string; in: string; at: string; message: RegExp }> = [
    {
      name: 'an extra field in a reply',
      file: () => altered(operation('sendMessage'), reply((b) => (b.data.replies[0].sentiment = 'positive'))),
      key: 'schema:TextReply',
      kind: 'undeclared_member',
      in: 'response 200',
      at: '/data/replies/*/sentiment',
      message: /member "sentiment" is not declared: "positive"/,
    },
    {
      name: 'an extra field where the schema forbids one',
      file: () => altered(operation('getMessageStatus'), reply((b) => (b.readAt = 1700000000000))),
      key: 'schema:MessageStatusInfo',
      kind: 'undeclared_member',
      in: 'response 200',
      at: '/readAt',
      message: /member "readAt" is not declared \(and the schema forbids it\)/,
    },
    {
      name: 'an undocumented status',
      file: () => altered(operation('getNotReadCount'), (e) => (e.response.status = 418)),
      key: 'operation:getNotReadCount',
      kind: 'undocumented_status',
      in: 'status',
      at: '',
      message: /status 418 is not listed \(the operation lists 200, 400, 401/,
    },
    {
      name: 'an unknown reply type',
      file: () => altered(operation('sendMessage'), reply((b) => (b.data.replies[1].type = 'video'))),
      key: 'schema:Reply',
      kind: 'unknown_variant',
      in: 'response 200',
      at: '/data/replies/*',
      message: /type "video" is none of text, buttons, inlineButtons/,
    },
    {
      name: 'an enum value outside the enum',
      file: () => altered(operation('getMessageStatus'), reply((b) => (b.status = 'PENDING'))),
      key: 'schema:MessageStatus',
      kind: 'enum',
      in: 'response 200',
      at: '/status',
      message: /"PENDING" is not one of "SENT", "DELIVERED", "READ", "NOT_SENT", "NOT_DELIVERED"/,
    },
    {
      name: 'a value under a minimum',
      file: () => altered(operation('getNotReadCount'), reply((b) => (b.count = -1))),
      key: 'schema:NotReadCount',
      kind: 'bound',
      in: 'response 200',
      at: '/count',
      message: /-1 must be >= 0/,
    },
    {
      name: 'a request past a length limit that the service accepted',
      file: () => altered(operation('sendMessage'), sent((b) => (b.query = 'q'.repeat(5000)))),
      key: 'schema:ClientQueryRequest',
      kind: 'bound',
      in: 'request body',
      at: '/query',
      message: /must NOT have more than 4096 characters/,
    },
    {
      name: 'a query parameter outside its bound that the service accepted',
      file: () => altered(operation('getHistory'), (e) => (e.request.url += '?fromTimestamp=-5')),
      key: 'operation:getHistory',
      kind: 'bound',
      in: 'query parameter fromTimestamp',
      at: '',
      message: /^-5 must be >= 0$/,
    },
    {
      name: 'a required member missing',
      file: () => altered(operation('getHistory'), reply((b) => delete b.totalCount)),
      key: 'schema:HistoryResponse',
      kind: 'missing_member',
      in: 'response 200',
      at: '/totalCount',
      message: /the required member "totalCount" is missing/,
    },
    {
      name: 'a webhook payload with a member the envelope lacks',
      file: () => altered(delivery, sent((b) => (b[0].channel = 'web'))),
      key: 'schema:ChatResponse',
      kind: 'undeclared_member',
      in: 'webhook payload',
      at: '/*/channel',
      message: /member "channel" is not declared: "web"/,
    },
    {
      name: 'a reply in another content type',
      file: () => altered(operation('loadState'), (e) => (e.response.headers = [{ name: 'content-type', value: 'text/html' }])),
      key: 'operation:loadState',
      kind: 'content_type',
      in: 'content type',
      at: '',
      message: /content type text\/html is not documented for 200 \(application\/json\)/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.kind} at ${c.key}, and nowhere else`, async () => {
      const { code, report } = await jsonReport(c.file());
      expect(code).toBe(1);
      expect(report.marks.filter((m) => m.verdict === 'contradicted').map((m) => m.key)).toEqual([c.key]);
      const contradicted = mark(report, c.key);
      expect(contradicted.contradictions).toBe(1);
      expect(contradicted.groups).toHaveLength(1);
      const group = contradicted.groups[0]!;
      expect(group).toMatchObject({ kind: c.kind, in: c.in, at: c.at, count: 1 });
      expect(group.examples[0]!.message).toMatch(c.message);
      // The masked request line says which exchange showed it.
      expect(group.examples[0]!.request).toMatch(/^(POST|GET|webhook delivery POST) http:\/\/127\.0\.0\.1:\d+\/.* → \d+$/);
    });
  }

  it('shows contradictions first in Markdown, each with its examples, mark, source and note', async () => {
    const har = withToken(session.har);
    for (const entry of har.log.entries.filter(operation('sendMessage'))) reply((b) => (b.data.replies[0].sentiment = 'positive'))(entry);
    const { code, out } = await evidence([writeCopy(har), '--examples', '1']);
    expect(code).toBe(1);
    const contradicted = out.slice(out.indexOf('## Contradicted (1)'), out.indexOf('## Confirmed'));
    expect(contradicted).toContain('- **documented** · schema `TextReply` (`openapi/components/schemas/TextReply.yaml`): 2 contradictions, ');
    expect(contradicted).toMatch(/ {2}- `undeclared_member` ×2, response 200 at `\/data\/replies\/\*\/sentiment`: member "sentiment" is not declared: "positive" — `POST http:\/\/127\.0\.0\.1:\d+\/chatapi\/\*\*\* → 200`/);
    expect(out).toMatch(/Result: the traffic contradicts 1 mark \(1 documented\) \(exit 1\)\.$/);
  });

  it('reports a request no operation matches that the service answered: an operation the description lacks', async () => {
    const har = withToken(session.har);
    const template = har.log.entries.find(operation('loadState'))!;
    const extra = JSON.parse(JSON.stringify(template)) as HarEntry;
    extra.request.url = template.request.url.replace(/\/state$/, '/profile');
    delete extra._chatapi;
    // HTTP's own requests a browser's HAR holds are no operation's: a CORS preflight, a HEAD, a cache revalidation's 304.
    const preflight = { ...JSON.parse(JSON.stringify(template)), _chatapi: undefined } as HarEntry;
    preflight.request.method = 'OPTIONS';
    preflight.request.headers.push({ name: 'Access-Control-Request-Method', value: 'POST' });
    preflight.response = { ...preflight.response, status: 204, headers: [], content: { size: 0, mimeType: '' } };
    const head = { ...JSON.parse(JSON.stringify(template)), _chatapi: undefined } as HarEntry;
    head.request.method = 'HEAD';
    head.response.content = { size: 0, mimeType: 'application/json' };
    const revalidated = JSON.parse(JSON.stringify(template)) as HarEntry;
    revalidated.request.headers.push({ name: 'If-None-Match', value: 'W/"2-vyGp6PvFo4RvsFtPoIWeCReyIC8"' });
    revalidated.response = { ...revalidated.response, status: 304, content: { size: 0, mimeType: '' } };
    har.log.entries.push(extra, preflight, head, revalidated);
    const file = writeCopy(har);
    const { code, report } = await jsonReport(file);
    expect(code).toBe(1);
    expect(report.summary.contradicted).toBe(0);
    expect(report.traffic).toMatchObject({ outside: 2, unmatched: 1 });
    expect(mark(report, 'operation:loadState').statuses).toEqual({ 200: 1, 304: 1 });
    expect(report.unmatched).toEqual([{ request: 'GET /chatapi/***/client/evidence-user-1/profile', status: 200, count: 1, answered: true }]);
    const { out } = await evidence([file]);
    expect(out).toContain('- `GET /chatapi/***/client/evidence-user-1/profile → 200` ×1: answered, so the service has an operation the description lacks');
  });
});

describe('secrets', () => {
  it('never writes the channel token, in either format, to the console or to --out', async () => {
    // A recording as a browser keeps it: the token in every path and echoed in the envelopes; and a
    // contradiction that shows a secret-named member and a value holding the token.
    const file = altered(operation('sendMessage'), reply((b) => {
      b.data.replies[0].sessionToken = 'another-secret-4b9d';
      b.data.replies[0].echo = `token=${SESSION_TOKEN}`;
      b.token = 42;
    }));
    expect(readFileSync(file, 'utf8')).toContain(SESSION_TOKEN);
    const outputs: string[] = [];
    let printedJson = '';
    for (const format of ['markdown', 'json']) {
      const printed = await evidence([file, '--format', format]);
      expect(printed.code).toBe(1);
      outputs.push(printed.out, printed.err);
      if (format === 'json') printedJson = printed.out;
      const out = join(dir, `evidence.${format}`);
      const written = await evidence([file, '--format', format, '--out', out]);
      expect(written.code).toBe(1);
      expect(written.out).toMatch(/^chatapi-contract evidence: 2 contradicted, \d+ confirmed, \d+ never exercised of 63 marks; written to .* \(exit 1\)$/);
      outputs.push(written.out, written.err, readFileSync(out, 'utf8'));
    }
    for (const output of outputs) {
      expect(output).not.toContain(SESSION_TOKEN);
      expect(output).not.toContain('another-secret-4b9d');
    }
    const json = JSON.parse(printedJson) as EvidenceReport;
    const examples = mark(json, 'schema:TextReply').groups.flatMap((g) => g.examples.map((e) => e.message));
    expect(examples).toEqual(expect.arrayContaining(['member "sessionToken" is not declared: "***"', 'member "echo" is not declared: "token=***"']));
    expect(mark(json, 'schema:ChatResponse').groups[0]).toMatchObject({ kind: 'type', at: '/token' });
  });
});

describe('the command as users run it', () => {
  it('chatapi-contract evidence FILE --format json: the report on stdout, exit 0 for the clean session', async () => {
    const run = await runCli(['evidence', session.file, '--format', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as EvidenceReport;
    expect(report.files).toEqual([session.file]);
    expect(report.summary.contradicted).toBe(0);
  });

  it('exit 2 when it cannot run: no file, an unreadable file, a bad option', async () => {
    const none = await evidence([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('name at least one HAR file');
    const missing = await evidence([join(dir, 'no-such.har')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read .*no-such\.har/);
    const notHar = join(dir, 'not.har');
    writeFileSync(notHar, '{"log": {}}');
    expect((await evidence([notHar])).err).toContain('is not a HAR file');
    const format = await evidence([session.file, '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.err).toContain('--format must be markdown or json');
    const help = await evidence(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: chatapi-contract evidence FILE.har…');
  });
});
