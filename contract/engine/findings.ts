// What the engine reports: one finding type for the active run, the proxy and recorded traffic.
// Reporters, the report files and the tests match on the stable `code`, never on the prose.
import { createHash } from 'node:crypto';
import type { RequestRecord, ResponseRecord } from './exchange.js';

export type FindingCode =
  // Judges of one exchange
  | 'server_error'
  | 'undocumented_status'
  | 'unexpected_status'
  | 'content_type'
  | 'schema_violation'
  | 'missing_header'
  | 'negative_data_accepted'
  | 'positive_data_rejected'
  | 'slow_response'
  | 'method_not_allowed_without_allow'
  // What the request did (the proxy judges an app's requests too)
  | 'request_violation'
  | 'no_response'
  | 'unknown_operation'
  | 'target_down'
  // Scenario checks and verdicts
  | 'unsupported_method'
  | 'behaviour'
  | 'webhook'
  | 'webhook_not_received'
  | 'webhook_duplicated'
  | 'not_exercised'
  | 'incomplete';

/** One contract break (not to be confused with the API's own `Violation` schema). */
export interface Finding {
  code: FindingCode;
  message: string;
  /** Stable id of the finding (from what was sent and found): `--replay ID` sends its request again. */
  id?: string;
  /** The judge that found it, when one did. */
  check?: string;
  /** JSON pointer into the response body (or the webhook payload, or the request body). */
  pointer?: string;
  keyword?: string;
  operationId?: string;
  request?: RequestRecord;
  response?: ResponseRecord;
  /** What the request tried (a coverage case, a fuzz finding, a link followed). */
  case?: string;
  /** A shell line that sends the request again (fuzz findings, after shrinking). */
  curl?: string;
}

/**
 * A short id for a finding, from its code, operation, request and where it points: the same break
 * found by the same request gets the same id in every run (the run's own clientIds aside, which
 * differ per run: the id is taken over the request with them as they were sent).
 */
export function findingId(finding: Omit<Finding, 'id'>): string {
  const hash = createHash('sha256');
  hash.update([finding.code, finding.operationId ?? '', finding.check ?? '', finding.pointer ?? '', finding.case ?? ''].join('\u0000'));
  if (finding.request) hash.update(`\u0000${finding.request.method} ${finding.request.url}\u0000${finding.request.rawBody ?? JSON.stringify(finding.request.body) ?? ''}`);
  hash.update(`\u0000${finding.message}`);
  return `f-${hash.digest('hex').slice(0, 10)}`;
}

/** The finding with its id. */
export function identified(finding: Finding): Finding {
  return finding.id ? finding : { ...finding, id: findingId(finding) };
}
