// Recorded traffic as evidence for the description's provenance marks. Each exchange the traffic
// judge routed to an operation exercises that operation's mark; its answer's body (by the schema
// documented for its status), the body of a request the service accepted (a 2xx: the service took
// it, so what it takes is evidence), the parameters of such a request (read as the server reads
// them, the credential aside) and each webhook payload are walked through the schema, so
// that every component the values went through is exercised and every place where the service did
// what the description does not say contradicts the mark that says it. A mark is contradicted,
// confirmed (exercised, never contradicted) or never exercised.
import type { OpenApiDocument } from '../description/bundle.js';
import { documentedResponse, type OperationSpec } from '../description/operations.js';
import type { Router } from '../description/router.js';
import type { SchemaValidator } from '../description/schemas.js';
import { mediaTypeOf, type Exchange, type RequestRecord, type ResponseRecord } from '../contract/engine/exchange.js';
import { documentedMediaType } from '../contract/engine/judges.js';
import type { ApiProfile } from '../contract/engine/profile.js';
import { parseParameter } from '../contract/engine/requests/parameters.js';
import { draftOf } from '../contract/engine/traffic.js';
import type { TrafficEntry } from './judge.js';
import type { SecretMasker } from './masking.js';
import { LEVELS, markIndex, operationKey, type ProvenanceLevel, type ProvenanceMark } from './provenance.js';
import { SchemaWalker, type ContradictionKind, type WalkContradiction } from './schema-walk.js';

export type { ContradictionKind };

export interface EvidenceExample {
  /** JSON pointer into the value (the body, the payload). */
  at: string;
  message: string;
  /** The exchange, masked (the token as three asterisks): `POST http://host/chatapi/…/async → 200`. */
  request: string;
}

/** Contradictions of one kind at one place (array indexes as `*`), however often the traffic showed them. */
export interface ContradictionGroup {
  kind: ContradictionKind;
  /** `response 200`, `request body`, `webhook payload`, or `status` / `content type` for the answer itself. */
  in: string;
  at: string;
  /** The schema node whose keyword the value broke (none for an undeclared member, or the answer itself). */
  schemaPointer?: string;
  count: number;
  /** Up to the report's limit, each with a different message. */
  examples: EvidenceExample[];
}

export type Verdict = 'contradicted' | 'confirmed' | 'unexercised';

export interface MarkEvidence extends ProvenanceMark {
  verdict: Verdict;
  /** Operations: the exchanges (deliveries) routed to it; schemas: the values that went through it. */
  exercised: number;
  /** How many exchanges those were in. */
  exchanges: number;
  /** Operations: the statuses answered (the webhook: the receiver's), with their counts. */
  statuses?: Record<string, number>;
  contradictions: number;
  groups: ContradictionGroup[];
}

/** A request under the API's paths that no operation of the description matches. */
export interface UnmatchedRequest {
  request: string;
  status: number;
  count: number;
  /** The service answered it with a 2xx or 3xx: it has an operation the description lacks. */
  answered: boolean;
}

export interface EvidenceReport {
  tool: { name: string; version: string };
  description: { title: string; version: string };
  files: string[];
  traffic: {
    /** The app's exchanges routed to an operation (answered, not cut short). */
    exchanges: number;
    deliveries: number;
    /** Under the API's paths but matching no operation. */
    unmatched: number;
    /** Not the API's (pages, assets) or HTTP's own (CORS preflights, HEAD): passed over. */
    outside: number;
    /** Cut short by the client (a long poll abandoned): no answer to weigh. */
    clientClosed: number;
    /** Values walked through the schema. */
    walked: { responses: number; requests: number; parameters: number; payloads: number };
  };
  summary: { marks: number; contradicted: number; confirmed: number; unexercised: number; byLevel: Record<ProvenanceLevel, Record<Verdict, number>> };
  /** Contradicted first, then confirmed, then never exercised; inferred before observed before documented. */
  marks: MarkEvidence[];
  unmatched: UnmatchedRequest[];
  /** 1 when the traffic contradicts a mark or reaches an operation the description lacks. */
  exitCode: 0 | 1;
}

interface Tally {
  exercised: number;
  exchanges: Set<number>;
  statuses: Record<string, number>;
  groups: Map<string, ContradictionGroup>;
  contradictions: number;
}

export interface EvidenceOptions {
  document: OpenApiDocument;
  operations: readonly OperationSpec[];
  /** The traffic judge's router: reads a request's path parameters back. */
  router: Router;
  validator: SchemaValidator;
  /** Where the credential travels: it is never weighed (nor shown). */
  credential: ApiProfile['credential'];
  marks: readonly ProvenanceMark[];
  /** The traffic judge's masker: what the report shows of a value or a request is masked by it. */
  masker: SecretMasker;
  /** Examples kept per group of contradictions (default 3). */
  maxExamples?: number;
}

const is2xx = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

/** HTTP's own requests, answered by the server's framework rather than an operation: a CORS preflight, a HEAD. */
const isProtocolRequest = (request: RequestRecord) => request.method === 'HEAD' || (request.method === 'OPTIONS' && request.headers?.['access-control-request-method'] !== undefined);

/** A cache revalidation a browser made (`If-None-Match`…) and its 304: HTTP's answer, with no body to weigh. */
const isRevalidated = (request: RequestRecord, status: number) => status === 304 && (request.headers?.['if-none-match'] !== undefined || request.headers?.['if-modified-since'] !== undefined);
const VERDICT_ORDER: Verdict[] = ['contradicted', 'confirmed', 'unexercised'];

/** `/data/replies/3/x` → `/data/replies/*\/x`: one place however many items show it. */
const generalized = (at: string) => at.replace(/\/\d+(?=\/|$)/g, '/*');

export class EvidenceCollector {
  private readonly walker: SchemaWalker;
  private readonly tallies = new Map<string, Tally>();
  private readonly operations: ReadonlyMap<string, OperationSpec>;
  private readonly unmatched = new Map<string, UnmatchedRequest>();
  private readonly traffic: EvidenceReport['traffic'] = { exchanges: 0, deliveries: 0, unmatched: 0, outside: 0, clientClosed: 0, walked: { responses: 0, requests: 0, parameters: 0, payloads: 0 } };
  private readonly maxExamples: number;
  private exchangeCount = 0;

  constructor(private readonly options: EvidenceOptions) {
    this.maxExamples = options.maxExamples ?? 3;
    this.operations = new Map(options.operations.map((op) => [op.operationId, op]));
    for (const mark of options.marks) this.tallies.set(mark.key, { exercised: 0, exchanges: new Set(), statuses: {}, groups: new Map(), contradictions: 0 });
    const markAt = markIndex(options.marks);
    this.walker = new SchemaWalker({
      document: options.document,
      validator: options.validator,
      markAt: (pointer) => markAt(pointer)?.key,
      // The masker's own rule: a member named like a secret is shown masked, a learned secret too.
      show: (value, key) => (options.masker.json({ [key]: value }) as Record<string, unknown>)[key],
    });
  }


  /** Counts a mark as exercised by the current exchange (an operation's, with the status it answered). */
  private exercise(key: string, exchange: number, status?: string): void {
    const tally = this.tallies.get(key);
    if (!tally) return;
    tally.exercised++;
    tally.exchanges.add(exchange);
    if (status !== undefined) tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
  }

  private contradict(contradiction: WalkContradiction, where: string, request: string): void {
    const tally = this.tallies.get(contradiction.owner);
    if (!tally) return;
    tally.contradictions++;
    const key = `${contradiction.kind}\u0000${where}\u0000${generalized(contradiction.at)}`;
    let group = tally.groups.get(key);
    if (!group) {
      group = { kind: contradiction.kind, in: where, at: generalized(contradiction.at), ...(contradiction.schemaPointer ? { schemaPointer: contradiction.schemaPointer } : {}), count: 0, examples: [] };
      tally.groups.set(key, group);
    }
    group.count++;
    if (group.examples.length < this.maxExamples && !group.examples.some((e) => e.message === contradiction.message)) {
      group.examples.push({ at: contradiction.at, message: contradiction.message, request });
    }
  }

  /** Walks a value through the schema at `pointer`: every mark it went through is exercised, every contradiction recorded. */
  private walk(pointer: string, value: unknown, owner: string, where: string, request: string, exchange: number): void {
    const result = this.walker.walk(pointer, value, owner);
    for (const key of result.entered) this.exercise(key, exchange);
    for (const contradiction of result.contradictions) this.contradict(contradiction, where, request);
  }

  /** One exchange of the app with the service: `raw` as recorded (its values are weighed), `entry` the traffic judge's (routed, masked). */
  forward(raw: Exchange, entry: TrafficEntry): void {
    if (entry.outside) return void this.traffic.outside++;
    if (entry.clientClosed || !raw.response || !entry.exchange.response) return void this.traffic.clientClosed++;
    const { request, response } = entry.exchange;
    const line = `${request.method} ${request.url} → ${response.status}`;
    const op = entry.operationId === undefined ? undefined : this.operations.get(entry.operationId);
    if (!op) {
      if (isProtocolRequest(request)) this.traffic.outside++;
      else this.unmatchedRequest(request, response.status);
      return;
    }
    this.traffic.exchanges++;
    const exchange = this.exchangeCount++;
    const owner = operationKey(op.operationId);
    this.exercise(owner, exchange, String(response.status));
    if (isRevalidated(raw.request, response.status)) return;
    this.answer(op, raw.response, owner, line, exchange);
    // A request body the service accepted is evidence of what it takes; one it refused says nothing of which part it minded.
    const body = raw.request.body;
    if (op.requestBody && is2xx(response.status) && body !== undefined && !(typeof body === 'string' && body === raw.request.rawBody)) {
      this.traffic.walked.requests++;
      this.walk(op.requestBody.schemaPointer, body, owner, 'request body', line, exchange);
    }
    if (is2xx(response.status)) this.parameters(op, raw, owner, line, exchange);
  }

  private unmatchedRequest(request: RequestRecord, status: number): void {
    this.traffic.unmatched++;
    let path = request.url;
    try {
      path = new URL(request.url).pathname;
    } catch {
      // an unreadable URL is shown as it is
    }
    const key = `${request.method} ${path} ${status}`;
    const seen = this.unmatched.get(key) ?? { request: `${request.method} ${path}`, status, count: 0, answered: status >= 200 && status < 400 };
    seen.count++;
    this.unmatched.set(key, seen);
  }

  /** The answer: its status listed, its content type documented, its body walked by the status's schema. */
  private answer(op: OperationSpec, response: ResponseRecord, owner: string, line: string, exchange: number): void {
    const documented = documentedResponse(op, response.status);
    if (!documented) {
      const listed = op.responses.map((r) => r.key).join(', ');
      this.contradict({ kind: 'undocumented_status', owner, at: '', schemaPointer: '', message: `status ${response.status} is not listed (the operation lists ${listed})` }, 'status', line);
      return;
    }
    if (response.text === '' || Object.keys(documented.content).length === 0) return;
    const media = documentedMediaType(documented, response.contentType);
    if (media === undefined) {
      this.contradict({ kind: 'content_type', owner, at: '', schemaPointer: '', message: `content type ${response.contentType ?? '(none)'} is not documented for ${response.status} (${Object.keys(documented.content).join(', ')})` }, 'content type', line);
      return;
    }
    const pointer = documented.content[media];
    if (pointer === undefined || !mediaTypeOf(media)?.endsWith('json')) return;
    if (response.json === undefined) {
      this.contradict({ kind: 'not_json', owner, at: '', schemaPointer: '', message: `the ${media} body does not parse: ${response.jsonError ?? 'empty'}` }, `response ${response.status}`, line);
      return;
    }
    this.traffic.walked.responses++;
    this.walk(pointer, response.json, owner, `response ${response.status}`, line, exchange);
  }

  /** The parameters of a request the service accepted, typed as a server reads them from their text. */
  private parameters(op: OperationSpec, raw: Exchange, owner: string, line: string, exchange: number): void {
    let pathname: string;
    try {
      pathname = new URL(raw.request.url).pathname;
    } catch {
      return;
    }
    const match = this.options.router.match(raw.request.method, pathname);
    if (match.kind !== 'operation') return;
    const draft = draftOf(op, match.segments, raw.request);
    const { credential } = this.options;
    for (const p of op.parameters) {
      if (p.in === credential.in && p.name === credential.name) continue;
      const text = p.in === 'path' ? draft.path[p.name] : p.in === 'query' ? draft.query[p.name] : p.in === 'header' ? draft.headers[p.name] : undefined;
      if (text === undefined) continue;
      // Text that does not read as the parameter's type is weighed as text (the schema then says why);
      // an integer past 2^53 as the nearest double, which the bound still catches.
      const typed = parseParameter(p.schema, text) ?? text;
      this.traffic.walked.parameters++;
      this.walk(p.schemaPointer, typeof typed === 'bigint' ? Number(typed) : typed, owner, `${p.in} parameter ${p.name}`, line, exchange);
    }
  }

  /** One webhook delivery: the payload is the service's, the receiver's answer is the team's (not weighed). */
  delivery(raw: Exchange, entry: TrafficEntry): void {
    const op = entry.operationId === undefined ? undefined : this.operations.get(entry.operationId);
    this.traffic.deliveries++;
    if (!op?.requestBody) return;
    const exchange = this.exchangeCount++;
    const owner = operationKey(op.operationId);
    const { request, response } = entry.exchange;
    const status = response ? String(response.status) : 'no answer';
    this.exercise(owner, exchange, status);
    const line = `webhook delivery ${request.method} ${request.url} → ${status}`;
    const payload = raw.request.body;
    if (payload === undefined || (typeof payload === 'string' && payload === raw.request.rawBody)) {
      this.contradict({ kind: 'not_json', owner, at: '', schemaPointer: '', message: `the payload is not JSON (${raw.request.contentType ?? 'no content type'})` }, 'webhook payload', line);
      return;
    }
    this.traffic.walked.payloads++;
    this.walk(op.requestBody.schemaPointer, payload, owner, 'webhook payload', line, exchange);
  }

  report(context: { tool: EvidenceReport['tool']; description: EvidenceReport['description']; files: string[] }): EvidenceReport {
    const marks: MarkEvidence[] = this.options.marks.map((mark) => {
      const tally = this.tallies.get(mark.key)!;
      const verdict: Verdict = tally.contradictions > 0 ? 'contradicted' : tally.exercised > 0 ? 'confirmed' : 'unexercised';
      const groups = [...tally.groups.values()].sort((a, b) => b.count - a.count);
      return { ...mark, verdict, exercised: tally.exercised, exchanges: tally.exchanges.size, ...(mark.kind === 'operation' ? { statuses: tally.statuses } : {}), contradictions: tally.contradictions, groups };
    });
    // Stable order: verdict, then level (inferred first: the guesses are the point), then as the description lists them.
    const ordered = marks
      .map((mark, index) => ({ mark, index }))
      .sort((a, b) => VERDICT_ORDER.indexOf(a.mark.verdict) - VERDICT_ORDER.indexOf(b.mark.verdict) || LEVELS.indexOf(a.mark.level) - LEVELS.indexOf(b.mark.level) || a.index - b.index)
      .map(({ mark }) => mark);
    const byLevel = Object.fromEntries(LEVELS.map((level) => [level, Object.fromEntries(VERDICT_ORDER.map((v) => [v, marks.filter((m) => m.level === level && m.verdict === v).length]))])) as EvidenceReport['summary']['byLevel'];
    const count = (verdict: Verdict) => marks.filter((m) => m.verdict === verdict).length;
    const unmatched = [...this.unmatched.values()].sort((a, b) => Number(b.answered) - Number(a.answered) || b.count - a.count);
    const contradicted = count('contradicted');
    return {
      ...context,
      traffic: this.traffic,
      summary: { marks: marks.length, contradicted, confirmed: count('confirmed'), unexercised: count('unexercised'), byLevel },
      marks: ordered,
      unmatched,
      exitCode: contradicted > 0 || unmatched.some((u) => u.answered) ? 1 : 0,
    };
  }
}
