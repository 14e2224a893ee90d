// Judges traffic the engine did not make (a proxy's, a HAR file's, a finding replayed): routes each
// request to its operation by the description's path templates (Prism's route step), reads its
// parameters back as their styles put them on the wire, asks the description whether the request
// is one it allows, and runs the same judges as the active run, with what the request entitles
// its sender to. Nothing here knows who sent the exchange.
import type { OperationSpec } from '../../description/operations.js';
import { decodes } from '../../description/percent-escapes.js';
import { Router, type RouteMatch } from '../../description/router.js';
import type { SchemaValidator } from '../../description/schemas.js';
import type { Exchange, RequestRecord } from './exchange.js';
import { identified, type Finding } from './findings.js';
import { judgeExchange, type CheckSelection, type Expectation } from './judges.js';
import { polarityOf, requestProblems, type RequestDraft } from './requests/draft.js';
import { decodeLeniently, readPathParameter, readQueryParameter, type ParamValue } from './requests/parameters.js';

/** The query string's pairs, decoded (a malformed escape kept as written). */
function queryPairs(search: string): Array<[string, string]> {
  return search
    .replace(/^\?/, '')
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const at = part.indexOf('=');
      const [name, value] = at < 0 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)];
      return [decodeLeniently(name.replace(/\+/g, ' ')), decodeLeniently(value.replace(/\+/g, ' '))];
    });
}

/** Whether a text has a percent escape that does not decode (`%E0%A4%A`). */
const malformed = (text: string) => !decodes(text);

/** A recorded request as a draft of its operation: what a server reads from it. */
export function draftOf(op: OperationSpec, segments: Record<string, string>, request: RequestRecord, url = new URL(request.url)): RequestDraft {
  const draft: RequestDraft = { path: {}, query: {}, headers: {} };
  for (const [name, segment] of Object.entries(segments)) {
    if (malformed(segment)) (draft.rawPath ??= {})[name] = segment;
    else draft.path[name] = readPathParameter(op.parameters.find((p) => p.in === 'path' && p.name === name) ?? { name, in: 'path', required: true, style: 'simple', explode: false, schema: {}, schemaPointer: '', examples: [] }, segment);
  }
  const rawPairs = url.search.replace(/^\?/, '').split('&').filter(Boolean);
  const broken = rawPairs.filter(malformed);
  if (broken.length > 0) draft.rawQuery = broken.join('&');
  const pairs = queryPairs(rawPairs.filter((part) => !malformed(part)).join('&'));
  const known = new Set<string>();
  for (const p of op.parameters) {
    if (p.in === 'query') {
      const value = readQueryParameter(p, pairs);
      if (value !== undefined) draft.query[p.name] = value;
      known.add(p.name);
    } else if (p.in === 'header') {
      const value = request.headers?.[p.name.toLowerCase()];
      if (value !== undefined) draft.headers[p.name] = value;
    }
  }
  // Parameters the description does not name stay visible (they are allowed, or not, by its rules).
  for (const [name, value] of pairs) if (!known.has(name) && !name.includes('[')) draft.query[name] ??= value as ParamValue;
  if (request.body !== undefined) {
    if (request.rawBody !== undefined && request.rawBody !== JSON.stringify(request.body)) draft.rawBody = request.rawBody;
    if (request.rawBody === undefined || typeof request.body !== 'string' || request.body !== request.rawBody) draft.body = request.body;
  }
  if (request.contentType !== undefined && (op.requestBody || request.body !== undefined)) draft.contentType = request.contentType;
  return draft;
}

export { Router };

export interface RecordedJudgement {
  match: RouteMatch;
  operationId?: string;
  findings: Finding[];
  /** The request broke the description (the sender's fault, as opposed to the server's). */
  requestProblems: string[];
}

export interface RecordedOptions {
  validator: SchemaValidator;
  selection?: CheckSelection;
  maxResponseTimeMs?: number;
}

/**
 * What a request the description allows entitles its sender to when its credential cannot be
 * checked (recorded traffic): a 2xx, or a documented answer that depends on state or on the
 * credential (401, 403, 404, 409, 410).
 */
const RECORDED_VALID: Expectation = 'valid';

/** Judges one recorded exchange of the API against the description. */
export function judgeRecorded(router: Router, exchange: Exchange, options: RecordedOptions): RecordedJudgement {
  let url: URL;
  try {
    url = new URL(exchange.request.url);
  } catch {
    return { match: { kind: 'unknown' }, findings: [identified({ code: 'unknown_operation', message: `the request URL ${exchange.request.url} cannot be read`, request: exchange.request })], requestProblems: [] };
  }
  const match = router.match(exchange.request.method, url.pathname);
  const base = { request: exchange.request, ...(exchange.response ? { response: exchange.response } : {}) };
  if (match.kind === 'outside') return { match, findings: [], requestProblems: [] };
  if (match.kind === 'unknown') {
    return { match, findings: [identified({ ...base, code: 'unknown_operation', message: `${exchange.request.method} ${url.pathname} matches no operation of the description` })], requestProblems: [] };
  }
  if (match.kind === 'method') {
    const status = exchange.response?.status;
    const findings: Finding[] = [];
    const allowed = match.allowed.map((op) => op.method.toUpperCase()).join(', ');
    if (status !== undefined && !(status >= 400 && status < 500) && status !== 501) {
      findings.push({ ...base, code: 'unsupported_method', message: `${exchange.request.method} ${url.pathname} answered ${status}: the description lists only ${allowed} for this path, so it must be refused with a 4xx (405)` });
    }
    if (status === 405 && exchange.response?.headers.allow === undefined) findings.push({ ...base, code: 'method_not_allowed_without_allow', message: 'a 405 without an Allow header (RFC 9110 § 15.5.6)' });
    return { match, findings: findings.map(identified), requestProblems: [] };
  }
  const { op } = match;
  const draft = draftOf(op, match.segments, exchange.request, url);
  const problems = requestProblems({ validator: options.validator }, op, draft);
  const polarity = polarityOf({ validator: options.validator }, op, draft, problems);
  const expect: Expectation = polarity === 'invalid' ? 'client-error' : polarity === 'unspecified' ? 'documented' : RECORDED_VALID;
  const findings = judgeExchange(options.validator, op, exchange, expect, { ...(options.selection ? { selection: options.selection } : {}), ...(options.maxResponseTimeMs !== undefined ? { maxResponseTimeMs: options.maxResponseTimeMs } : {}) })
    // A 401/403 to a valid request with a credential that cannot be checked here says nothing.
    .filter((f) => !(f.code === 'positive_data_rejected' && (exchange.response?.status === 401 || exchange.response?.status === 403)));
  // One finding for the request, however many ways it breaks the description (a oneOf says it in four).
  const requestFindings = problems.length === 0 ? [] : [{ ...base, operationId: op.operationId, code: 'request_violation' as const, message: `the request breaks the description: ${problems.join('; ')}` }];
  return { match, operationId: op.operationId, findings: [...requestFindings, ...findings].map(identified), requestProblems: problems };
}
