// Judges traffic the toolkit did not make, in both directions: the app's requests to the service
// and the answers (forward), and the service's webhook deliveries and the receiver's answers. Each
// exchange is masked, routed to its operation and judged by the contract engine's own judges; async
// sends are correlated with their deliveries (a reply that never arrives within the window, or
// arrives twice though acknowledged, is a finding); and what the traffic covered is counted.
// Nothing grows with the traffic but its findings and tallies: an exchange is masked only when a
// sink (the HAR spool, the evidence) asks for it, and is not kept here, so a proxy may run for days.
import { describeOperation, type OperationSpec } from '../description/operations.js';
import { decodedOrUndefined } from '../description/percent-escapes.js';
import type { RouteMatch, Router } from '../description/router.js';
import type { SchemaValidator } from '../description/schemas.js';
import { bodyViolations, judgeDelivery } from '../client/webhook/receiver.js';
import { requestBodyText, type Exchange } from '../contract/engine/exchange.js';
import { identified, type Finding } from '../contract/engine/findings.js';
import type { CheckSelection } from '../contract/engine/judges.js';
import type { ApiProfile } from '../contract/engine/profile.js';
import { judgeRecorded } from '../contract/engine/traffic.js';
import type { HarAnnotation } from '../contract/engine/reporters/har.js';
import { SecretMasker } from './masking.js';

export interface TrafficEntry {
  direction: 'forward' | 'webhook';
  /** Masked (on first read: traffic nobody records is never masked). */
  readonly exchange: Exchange;
  operationId?: string;
  findings: Finding[];
  /** Milliseconds until the answer's headers: how long a long poll was held. */
  heldMs?: number;
  /** The client hung up before the answer (a long poll cut short): not judged. */
  clientClosed?: boolean;
  /** Not the API's (a page, an asset): passed through, not judged. */
  outside?: boolean;
  /** The service never answered: not judged. */
  unanswered?: boolean;
}

/** What the traffic added up to, counted as it passed. */
export interface TrafficTally {
  /** Requests of the app (forward), judged or not. */
  exchanges: number;
  /** The API's exchanges judged, forward. */
  judged: number;
  /** Pages and assets passed through unjudged. */
  outside: number;
  /** Cut short by the client (a long poll abandoned): not judged. */
  clientClosed: number;
  /** The service never answered (the proxy answered 502): not judged. */
  unanswered: number;
  deliveries: number;
}

/** The exchanges of one operation (or of none: `unmatched`) and their findings. */
export interface OperationTally {
  exchanges: number;
  findings: Finding[];
}

export interface Coverage {
  /** Operation → status → count. */
  statuses: Record<string, Record<string, number>>;
  /** Label (reply type, event kind, webhook reason) → count. */
  labels: Record<string, number>;
  /** Operations the description has that the traffic never reached. */
  unexercised: string[];
}

interface Promised {
  operationId: string;
  at: number;
  exchange: Exchange;
}

export interface TrafficJudgeOptions {
  operations: readonly OperationSpec[];
  router: Router;
  validator: SchemaValidator;
  profile: ApiProfile;
  selection?: CheckSelection;
  /** How long a promised delivery may take before it is reported missing. */
  webhookWindowMs: number;
  /** Every finding as it is made (the proxy prints a line). */
  onFinding?(finding: Finding, entry?: TrafficEntry): void;
  /** Every entry as it is judged (the HAR spool writes it). */
  onEntry?(entry: TrafficEntry): void;
}

/**
 * An entry whose exchange is masked when first read, with the masker as it is then (it only learns
 * more). A class, so that the getter is the prototype's, not defined anew on every entry (an object
 * literal with a getter costs a proxy measurably per exchange).
 */
class LazilyMaskedEntry implements TrafficEntry {
  findings!: Finding[];
  private masked: Exchange | undefined;

  constructor(
    readonly direction: TrafficEntry['direction'],
    private readonly raw: Exchange,
    private readonly masker: SecretMasker,
    fields: Omit<TrafficEntry, 'direction' | 'exchange'>,
  ) {
    Object.assign(this, fields);
  }

  get exchange(): Exchange {
    return (this.masked ??= this.masker.exchange(this.raw));
  }
}

const is2xx = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

export class TrafficJudge {
  readonly masker = new SecretMasker();
  readonly tally: TrafficTally = { exchanges: 0, judged: 0, outside: 0, clientClosed: 0, unanswered: 0, deliveries: 0 };
  /** Operation id → its judged exchanges and findings. */
  readonly operations = new Map<string, OperationTally>();
  /** Judged requests no operation matches. */
  readonly unmatched: OperationTally = { exchanges: 0, findings: [] };
  /** Findings that belong to no one exchange (a delivery that never came). */
  readonly standalone: Finding[] = [];
  private readonly promised = new Map<string, Promised>();
  /** Delivered ids, and how the receiver acknowledged them (a 2xx passed back to the service, and how fast). */
  private readonly delivered = new Map<string, { acknowledged: boolean; status?: number; ms: number }>();
  private readonly statuses: Coverage['statuses'] = {};
  private readonly labels: Coverage['labels'] = {};
  private readonly webhook?: OperationSpec;
  /** Where the credential stands in each path template that has it (segment indexes). */
  private readonly credentialIndexes: number[];

  constructor(private readonly options: TrafficJudgeOptions) {
    this.webhook = options.operations.find((op) => op.kind === 'webhook' && op.requestBody);
    this.credentialIndexes = options.operations
      .filter((op) => op.kind === 'path')
      .map((op) => op.path.split('/').indexOf(`{${options.profile.credential.name}}`))
      .filter((index) => index > 0);
  }

  private count(operationId: string, status: number | undefined, body: unknown, kind: 'path' | 'webhook', promised: boolean): void {
    const byStatus = (this.statuses[operationId] ??= {});
    const key = String(status ?? 'no answer');
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    for (const label of this.options.profile.traffic?.coverage(operationId, body, { kind, promised }) ?? []) this.labels[label] = (this.labels[label] ?? 0) + 1;
  }

  private entry(direction: TrafficEntry['direction'], raw: Exchange, fields: Omit<TrafficEntry, 'direction' | 'exchange'>): TrafficEntry {
    return new LazilyMaskedEntry(direction, raw, this.masker, fields);
  }

  private record(entry: TrafficEntry): TrafficEntry {
    if (entry.direction === 'forward') this.tally.exchanges++;
    else this.tally.deliveries++;
    const judged = entry.direction === 'webhook' || !(entry.outside || entry.clientClosed || entry.unanswered);
    if (entry.outside) this.tally.outside++;
    else if (entry.clientClosed) this.tally.clientClosed++;
    else if (entry.unanswered) this.tally.unanswered++;
    else if (entry.direction === 'forward') this.tally.judged++;
    if (judged) {
      const tally = entry.operationId === undefined ? this.unmatched : this.operations.get(entry.operationId) ?? this.operations.set(entry.operationId, { exchanges: 0, findings: [] }).get(entry.operationId)!;
      tally.exchanges++;
      tally.findings.push(...entry.findings);
    }
    for (const finding of entry.findings) this.options.onFinding?.(finding, entry);
    this.options.onEntry?.(entry);
    return entry;
  }

  /** Learns the credential a request carries in its path, so that it is masked everywhere from now on. */
  private learnCredential(match: RouteMatch, url: string): void {
    const { credential } = this.options.profile;
    if (credential.in !== 'path') return;
    let candidates: Array<string | undefined>;
    if (match.kind === 'operation') candidates = [match.segments[credential.name]];
    else {
      try {
        candidates = this.credentialSegments(new URL(url).pathname);
      } catch {
        return; // an unreadable URL: judged as such, with nothing to learn
      }
    }
    // A segment that does not decode is no working credential: it stays visible, as the judges saw it.
    for (const segment of candidates) {
      const decoded = segment === undefined ? undefined : decodedOrUndefined(segment);
      if (decoded !== undefined) this.masker.learn(decoded);
    }
  }

  /** The credential's place in any template whose literal prefix the path shares (a wrong method, an unknown tail). */
  private credentialSegments(pathname: string): string[] {
    const segments = pathname.split('/');
    return this.credentialIndexes
      .map((index) => segments[index] ?? '')
      .filter((segment) => segment !== '');
  }

  /** A finding with its records and message masked. */
  private masked(finding: Finding): Finding {
    return identified({
      ...finding,
      id: undefined,
      message: this.masker.text(finding.message),
      ...(finding.request ? { request: this.masker.request(finding.request) } : {}),
      ...(finding.response ? { response: this.masker.response(finding.response) } : {}),
    });
  }

  /** An app's request and the service's answer: judged as they were, recorded masked. */
  forward(raw: Exchange, extra: { heldMs?: number; clientClosed?: boolean } = {}): TrafficEntry {
    if (extra.clientClosed || !raw.response) {
      this.learnCredential({ kind: 'unknown' }, raw.request.url);
      return this.record(this.entry('forward', raw, { findings: [], ...extra, ...(extra.clientClosed ? {} : { unanswered: true }) }));
    }
    const judged = judgeRecorded(this.options.router, raw, { validator: this.options.validator, ...(this.options.selection ? { selection: this.options.selection } : {}) });
    this.learnCredential(judged.match, raw.request.url);
    if (judged.match.kind === 'outside') return this.record(this.entry('forward', raw, { findings: [], outside: true, ...extra }));
    const entry = this.entry('forward', raw, { findings: judged.findings.map((f) => this.masked(f)), ...(judged.operationId ? { operationId: judged.operationId } : {}), ...extra });
    if (judged.operationId) {
      this.count(judged.operationId, raw.response.status, raw.response.json, 'path', false);
      for (const id of this.options.profile.traffic?.promisedDeliveries(judged.operationId, raw) ?? []) {
        if (!this.delivered.has(id)) this.promised.set(id, { operationId: judged.operationId, at: raw.startedAt || Date.now(), exchange: raw });
      }
    }
    return this.record(entry);
  }

  /** A webhook delivery (the request) and the receiver's answer (the response, if it answered). */
  delivery(raw: Exchange): TrafficEntry {
    // Judged as it came (a secret-named member masked first could break its schema), its findings masked.
    const exchange = raw;
    const webhook = this.webhook;
    const findings: Finding[] = [];
    const body = requestBodyText(exchange.request) ?? '';
    let json: unknown;
    if (webhook?.requestBody) {
      const pointer = webhook.requestBody.schemaPointer;
      const judged = judgeDelivery({ method: exchange.request.method, contentType: exchange.request.contentType, body: { ok: true, bytes: Buffer.from(body) } }, (value) => bodyViolations(this.options.validator.validate(pointer, value)));
      json = judged.json?.value;
      for (const v of judged.violations) {
        findings.push({ code: 'webhook', operationId: webhook.operationId, request: exchange.request, ...(v.location === 'body' ? { pointer: v.path ?? '' } : {}), message: `webhook ${v.location === 'header' ? `header ${v.path ?? ''}` : `payload ${v.path || '/'}`}: ${v.message}` });
      }
    }
    const ids = this.options.profile.traffic?.deliveredIds(json) ?? [];
    const acknowledged = is2xx(exchange.response?.status);
    let promised = false;
    for (const id of ids) {
      const before = this.delivered.get(id);
      if (before?.acknowledged) {
        findings.push({ code: 'webhook_duplicated', operationId: webhook?.operationId, request: exchange.request, message: `the reply ${id} was delivered again, though the receiver's ${before.status} acknowledging it went back to the service in ${Math.round(before.ms)} ms` });
      }
      if (this.promised.delete(id) || before) promised = true;
      this.delivered.set(id, before?.acknowledged ? before : { acknowledged, ...(exchange.response ? { status: exchange.response.status } : {}), ms: exchange.durationMs });
    }
    if (webhook) this.count(webhook.operationId, exchange.response?.status, json, 'webhook', promised);
    return this.record(this.entry('webhook', raw, { findings: findings.map((f) => this.masked(f)), ...(webhook ? { operationId: webhook.operationId } : {}) }));
  }

  /** Promised deliveries past the window: each reported once, as it goes overdue. */
  overdue(now = Date.now()): Finding[] {
    const late: Finding[] = [];
    for (const [id, promise] of this.promised) {
      if (now - promise.at < this.options.webhookWindowMs) continue;
      this.promised.delete(id);
      const finding = this.masked({
        code: 'webhook_not_received',
        operationId: this.webhook?.operationId ?? promise.operationId,
        request: promise.exchange.request,
        ...(promise.exchange.response ? { response: promise.exchange.response } : {}),
        message: `the reply ${id} to ${promise.operationId} was not delivered to the webhook within ${this.options.webhookWindowMs / 1000} s`,
      });
      this.standalone.push(finding);
      this.options.onFinding?.(finding);
      late.push(finding);
    }
    return late;
  }

  /** Promised deliveries still inside their window (at the end: neither missing nor arrived). */
  pending(): string[] {
    return [...this.promised.keys()];
  }

  coverage(): Coverage {
    const seen = new Set(Object.keys(this.statuses));
    return {
      statuses: this.statuses,
      labels: this.labels,
      unexercised: this.options.operations.filter((op) => !seen.has(op.operationId)).map((op) => describeOperation(op)),
    };
  }

  /** The HAR annotation of an entry. */
  static annotation(entry: TrafficEntry): HarAnnotation {
    return {
      direction: entry.direction,
      findings: entry.findings,
      ...(entry.operationId ? { operationId: entry.operationId } : {}),
      ...(entry.heldMs !== undefined ? { heldMs: entry.heldMs } : {}),
      ...(entry.clientClosed ? { clientClosed: true } : {}),
      ...(entry.outside ? { outside: true } : {}),
      ...(entry.unanswered ? { unanswered: true } : {}),
    };
  }
}
