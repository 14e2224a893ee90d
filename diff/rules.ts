// Every rule of `chatapi-contract diff`: a stable id, its one level and what it means. The ids are
// the contract of the command (JSON, JUnit, the CHANGELOG, the test corpus pin them): rename none.
//
// `sent-…` and `received-…` are said from the consumer's side. The app calling the API sends
// requests (parameters, bodies) and receives responses; the back end receiving webhooks receives
// the payload (and its headers) and sends the acknowledgement. What a consumer sends breaks it when
// the description accepts less (narrowing); what it receives breaks it when the description may
// deliver more (widening) or stops promising something it read.

export type Level = 'breaking' | 'warning' | 'info';
export const LEVELS: readonly Level[] = ['breaking', 'warning', 'info'];

/** Who a change breaks: the app calling the API, or the back end receiving its webhooks. */
export type Who = 'caller' | 'receiver';

export interface Rule {
  level: Level;
  /** One sentence: the change and why it has this level. */
  summary: string;
}

export const RULES = {
  // Operations
  'operation-removed': { level: 'breaking', summary: 'A path operation was removed: calls to it fail.' },
  'operation-added': { level: 'info', summary: 'A path operation was added.' },
  'webhook-removed': { level: 'warning', summary: 'The platform no longer posts this webhook: the receiver keeps code that never runs, and loses what it carried.' },
  'webhook-added': { level: 'warning', summary: 'The platform posts a new webhook: the receiver must at least acknowledge it, or the platform retries.' },
  'operation-id-changed': { level: 'breaking', summary: 'An operationId changed: generated clients and handler tables name methods after it.' },
  'read-only-revoked': { level: 'breaking', summary: '`x-read-only` went from true to false: code (and `chatapi-contract --read-only`) that calls it as harmless now changes state.' },
  'read-only-granted': { level: 'info', summary: '`x-read-only` became true: the operation no longer has lasting effects.' },

  // Security
  'security-scheme-changed': { level: 'breaking', summary: 'A security scheme an operation uses changed its type, location, name or scheme: old credentials no longer fit.' },
  'sent-security-narrowed': { level: 'breaking', summary: 'An operation needs credentials that some old way of calling it does not send.' },
  'sent-security-widened': { level: 'info', summary: 'An operation accepts new ways to authenticate, or none.' },
  'received-security-widened': { level: 'breaking', summary: 'The platform may authenticate a webhook in a way the receiver does not check.' },
  'received-security-narrowed': { level: 'info', summary: 'The platform authenticates a webhook in fewer ways.' },

  // Status codes
  'received-success-status-added': { level: 'breaking', summary: 'A new success status: a caller written for the old one gets a status (and a body) it does not expect.' },
  'received-success-status-removed': { level: 'breaking', summary: 'A success status is no longer answered: code that waits for it (and typed code naming it) breaks.' },
  'received-error-status-added': {
    level: 'info',
    summary: 'A new error status is documented. Callers already handle errors as such; the typed client now types its body instead of reporting it as `undocumented`.',
  },
  'received-error-status-removed': { level: 'warning', summary: 'An error status is no longer documented: code that branches on it loses the case (the typed client reports it as `undocumented`).' },
  'sent-success-status-removed': { level: 'breaking', summary: 'A success status the receiver may acknowledge with is no longer accepted: the platform treats it as a failure and retries.' },
  'sent-error-status-removed': { level: 'info', summary: 'An error status the receiver may answer is no longer documented.' },
  'sent-status-added': { level: 'info', summary: 'The receiver may acknowledge with one more status.' },

  // Media types and bodies
  'sent-media-type-removed': { level: 'breaking', summary: 'A content type the consumer sends is no longer accepted.' },
  'sent-media-type-added': { level: 'info', summary: 'A new content type is accepted.' },
  'received-media-type-removed': { level: 'breaking', summary: 'A content type the consumer reads is no longer sent (a body was removed).' },
  'received-media-type-added': { level: 'warning', summary: 'A new content type may be sent: a reader that parses only the old one may fail on it.' },
  'sent-body-became-required': { level: 'breaking', summary: 'A request body became required (or a required body was added): calls without one are refused.' },
  'received-body-became-optional': { level: 'breaking', summary: 'A body the consumer reads may now be missing.' },

  // Parameters and headers (request parameters; response headers; webhook headers; acknowledgement headers)
  'sent-parameter-became-required': { level: 'breaking', summary: 'A parameter became required, or a required one was added: calls without it are refused.' },
  'sent-parameter-added': { level: 'info', summary: 'An optional parameter was added.' },
  'sent-parameter-removed': { level: 'breaking', summary: 'A parameter the consumer may send was removed: a validating server refuses it, and generated code loses it.' },
  'parameter-serialization-changed': { level: 'breaking', summary: 'A parameter is serialized differently (style, explode, allowReserved, content): old requests are read wrong.' },
  'received-parameter-removed': { level: 'breaking', summary: 'A required header the consumer reads was removed.' },
  'received-optional-parameter-removed': { level: 'warning', summary: 'An optional header the consumer may read was removed.' },
  'received-parameter-became-optional': { level: 'breaking', summary: 'A header the consumer reads may now be missing.' },
  'received-parameter-added': { level: 'info', summary: 'A header was added to what the consumer receives.' },

  // Schemas: properties
  'sent-property-became-required': { level: 'breaking', summary: 'A property became required, or a required one was added: values without it are refused.' },
  'sent-property-became-optional': { level: 'info', summary: 'A required property became optional.' },
  'sent-property-added': { level: 'info', summary: 'An optional property was added.' },
  'sent-property-removed': { level: 'warning', summary: 'A property is no longer read by the API: what the consumer sends in it is ignored (refused, if the object is closed: see constraint rules).' },
  'received-property-removed': { level: 'breaking', summary: 'A required property the consumer reads was removed.' },
  'received-optional-property-removed': { level: 'warning', summary: 'An optional property was removed: readers that use it when present lose it.' },
  'received-property-became-optional': { level: 'breaking', summary: 'A property the consumer could rely on may now be missing.' },
  'received-property-became-required': { level: 'info', summary: 'An optional property is now always present.' },
  'received-property-added': { level: 'info', summary: 'A property was added to what the consumer reads.' },

  // Schemas: types, enums, constraints, variants
  'sent-type-narrowed': { level: 'breaking', summary: 'The type accepts fewer kinds of values (a type, or null, left the `type` list).' },
  'sent-type-widened': { level: 'info', summary: 'The type accepts more kinds of values.' },
  'received-type-widened': { level: 'breaking', summary: 'The value may now be of a type the reader does not expect (e.g. null, from a 3.1 type list).' },
  'received-type-narrowed': { level: 'info', summary: 'The value comes in fewer types.' },
  'sent-enum-value-removed': { level: 'breaking', summary: 'An enum value the consumer may send was removed.' },
  'sent-enum-value-added': { level: 'info', summary: 'An enum value was added to what the consumer may send.' },
  'received-enum-value-added': { level: 'warning', summary: 'An enum value was added to what the consumer reads: code that switches over the values meets one it does not know.' },
  'received-enum-value-removed': { level: 'info', summary: 'An enum value is no longer sent.' },
  'sent-constraint-tightened': { level: 'breaking', summary: 'A constraint accepts fewer values (a bound, pattern, format, uniqueness, a closed object, an enum where there was none).' },
  'sent-constraint-loosened': { level: 'info', summary: 'A constraint accepts more values.' },
  'received-constraint-loosened': { level: 'breaking', summary: 'A constraint the reader relied on was loosened: values outside the old bounds, pattern or format may come.' },
  'received-constraint-tightened': { level: 'info', summary: 'A constraint on what the consumer reads became stricter.' },
  'sent-variant-removed': { level: 'breaking', summary: 'A oneOf/anyOf variant the consumer may send was removed.' },
  'sent-variant-added': { level: 'info', summary: 'A oneOf/anyOf variant was added to what the consumer may send.' },
  'received-variant-added': { level: 'warning', summary: 'A oneOf/anyOf variant was added to what the consumer reads: like a new enum value, a reader meets a kind it does not know.' },
  'received-variant-removed': { level: 'info', summary: 'A oneOf/anyOf variant is no longer sent.' },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;
export const RULE_IDS = Object.keys(RULES) as RuleId[];

export function levelOf(rule: RuleId): Level {
  return RULES[rule].level;
}

/** `breaking` > `warning` > `info`. */
export function atLeast(level: Level, threshold: Level): boolean {
  return LEVELS.indexOf(level) <= LEVELS.indexOf(threshold);
}
