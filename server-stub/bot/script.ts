// Loads a bot script (YAML or JSON), checks it against bots/bot-script.schema.json and each reply
// against the description's reply schemas, and compiles it for the engine. A bad script fails at
// start-up with one line per problem.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { loadDescription, packageRoot } from '../../description/bundle.js';
import { dereferenced } from '../../description/dereference.js';
import { valueAt } from '../../description/pointer.js';
import { createAjv } from '../../description/schemas.js';
import type { Reply } from '../types.js';

export const BOT_SCRIPT_SCHEMA = join(packageRoot(), 'server-stub', 'bots', 'bot-script.schema.json');
/**
 * Scripts that passed the schema check, parsed, by a hash of everything the check depends on
 * (the script's text, the script schema, the description's schemas): an unchanged script is
 * neither parsed nor checked again, which keeps ~100 ms of YAML and Ajv off the stub's start-up.
 */
export const BOT_SCRIPT_CACHE = join(packageRoot(), 'node_modules', '.cache', 'chatapi-stub', 'bot-scripts');

/** The script as written (see bot-script.schema.json). */
export interface BotScriptFile {
  name?: string;
  description?: string;
  rules: RuleFile[];
  catchAll: Omit<RuleFile, 'match'>;
}

export interface RuleFile {
  state: string;
  match?: ({ query: string } | { regex: string; flags?: string } | { event: string })[];
  replies: Reply[];
  nlpClass?: string;
  confidence?: number;
  endSession?: boolean;
}

export type Matcher = { kind: 'query'; text: string } | { kind: 'regex'; regex: RegExp } | { kind: 'event'; name: string };

/** A rule ready to answer: replies carry their state, and templated ones are marked. */
export interface CompiledRule {
  state: string;
  nlpClass: string;
  confidence: number;
  endSession: boolean;
  matchers: Matcher[];
  replies: readonly Reply[];
  /** Whether any reply string holds a {{placeholder}} (otherwise the replies are sent as they are). */
  templated: boolean;
  /** The rule's timeout reply, if any. */
  timeout?: { intervalMs: number; targetState: string };
}

export interface CompiledScript {
  name: string;
  rules: CompiledRule[];
  catchAll: CompiledRule;
  byState: Map<string, CompiledRule>;
}

export class BotScriptError extends Error {
  override name = 'BotScriptError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Bot script ${file} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const PLACEHOLDER = /\{\{\s*([\w$]+)\s*\}\}/g;
const FIXED_VARIABLES = new Set(['input', 'query', 'event', 'clientId', 'stubUrl']);
/** What a placeholder is replaced with when a script is checked: `{{stubUrl}}/a.png` must stay a URL. */
const sampleOf = (name: string): string => (name === 'stubUrl' ? 'http://127.0.0.1:3000' : 'x');

let validators: { script: (value: unknown) => boolean; errors: () => ErrorObject[]; reply: Map<string, (value: unknown) => ErrorObject[]> } | undefined;

/**
 * Compiles the script schema once. Its replies refer to the description's Reply schema by a relative
 * path; Ajv finds it in a small document holding only the reply schemas, dereferenced from the bundle
 * and registered under the bundle's file URL (adding the whole description would cost ~100 ms).
 */
async function scriptValidators(): Promise<NonNullable<typeof validators>> {
  if (validators) return validators;
  const root = pathToFileURL(packageRoot() + '/').href;
  const components = (await dereferenced(loadDescription())).components as { schemas: Record<string, unknown> };
  const replySchema = components.schemas.Reply as { discriminator?: { mapping?: Record<string, string> } } | undefined;
  const mapping = replySchema?.discriminator?.mapping ?? {};
  const schemas: Record<string, unknown> = { Reply: replySchema };
  for (const ref of Object.values(mapping)) {
    const name = ref.split('/').pop()!;
    schemas[name] = components.schemas[name];
  }
  // Each reply type pins `type` with `const`, so the OpenAPI discriminator (its mapping is not JSON Schema) is not needed.
  const ajv = createAjv({ discriminator: false, validateSchema: false });
  ajv.addSchema({ components: { schemas } }, `${root}dist/openapi.json`);
  const schema = JSON.parse(await readFile(BOT_SCRIPT_SCHEMA, 'utf8')) as Record<string, unknown>;
  const script = ajv.compile({ ...schema, $id: `${root}server-stub/bots/bot-script.schema.json` });
  // One validator per reply type (compiled only when a reply is bad), for precise messages.
  const reply = new Map<string, (value: unknown) => ErrorObject[]>();
  for (const [type, ref] of Object.entries(mapping)) {
    reply.set(type, (value) => {
      const validate = ajv.getSchema(`${root}dist/openapi.json${ref}`);
      if (!validate) return [];
      return validate(value) ? [] : (validate.errors ?? []);
    });
  }
  validators = { script: (value) => script(value) as boolean, errors: () => script.errors ?? [], reply };
  return validators;
}

const REPLY_PATH = /^(\/rules\/\d+|\/catchAll)\/replies\/\d+/;

function formatErrors(errors: readonly ErrorObject[], prefix = ''): string[] {
  return errors.map((e) => {
    const where = `${prefix}${e.instancePath}` || '/';
    const extra =
      e.keyword === 'additionalProperties'
        ? ` ('${String((e.params as { additionalProperty: string }).additionalProperty)}')`
        : e.keyword === 'enum'
          ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
          : '';
    return `${where}: ${e.message ?? e.keyword}${extra}`;
  });
}

/** A copy with every {{placeholder}} in reply strings filled with a sample, so that templates are checked as they will be sent (a templated URL stays a URL). */
function withSampleValues(value: unknown, inReplies = false): unknown {
  if (typeof value === 'string') return inReplies ? value.replace(PLACEHOLDER, (_all, name: string) => sampleOf(name)) : value;
  if (Array.isArray(value)) return value.map((item) => withSampleValues(item, inReplies));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withSampleValues(item, inReplies || key === 'replies')]));
  }
  return value;
}

/** Schema problems, with each bad reply checked against the schema of its own type instead of the oneOf noise. */
async function schemaProblems(original: unknown): Promise<string[]> {
  const v = await scriptValidators();
  const value = withSampleValues(original);
  if (v.script(value)) return [];
  const problems: string[] = [];
  const badReplies = new Set<string>();
  for (const error of v.errors()) {
    const replyPath = REPLY_PATH.exec(error.instancePath)?.[0];
    if (replyPath) badReplies.add(replyPath);
    else if (!(error.keyword === 'oneOf' || error.schemaPath.includes('/oneOf/'))) problems.push(...formatErrors([error]));
  }
  for (const path of badReplies) {
    const reply = valueAt(value, path);
    const type = (reply as { type?: unknown } | undefined)?.type;
    const check = typeof type === 'string' ? v.reply.get(type) : undefined;
    if (!check) problems.push(`${path}/type: must be one of: ${[...v.reply.keys()].join(', ')}`);
    else problems.push(...formatErrors(check(reply), path));
  }
  // Matcher errors are oneOf noise too: say what a matcher is.
  for (const error of v.errors()) {
    if (/\/match\/\d+$/.test(error.instancePath) && error.keyword === 'oneOf') {
      problems.push(`${error.instancePath}: a matcher is exactly one of {query}, {regex, flags?}, {event}`);
    }
  }
  return [...new Set(problems)];
}

function placeholders(replies: readonly Reply[]): string[] {
  return [...JSON.stringify(replies).matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

function compileRule(rule: RuleFile, where: string, problems: string[]): CompiledRule {
  const matchers: Matcher[] = [];
  const groupNames = new Set<string>();
  let hasRegex = false;
  (rule.match ?? []).forEach((m, i) => {
    if ('query' in m) matchers.push({ kind: 'query', text: m.query.trim().toLowerCase() });
    else if ('event' in m) matchers.push({ kind: 'event', name: m.event });
    else {
      try {
        const regex = new RegExp(m.regex, m.flags ?? 'i');
        matchers.push({ kind: 'regex', regex });
        hasRegex = true;
        for (const g of m.regex.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)) groupNames.add(g[1]!);
      } catch (error) {
        problems.push(`${where}/match/${i}/regex: ${(error as Error).message}`);
      }
    }
  });
  const used = placeholders(rule.replies);
  for (const name of used) {
    const known = FIXED_VARIABLES.has(name) || (hasRegex && (/^\d+$/.test(name) || groupNames.has(name)));
    if (!known) problems.push(`${where}/replies: unknown placeholder {{${name}}}`);
  }
  const replies = rule.replies.map((reply) => Object.freeze({ ...reply, state: reply.state ?? rule.state }) as Reply);
  const timeoutReply = replies.find((reply) => reply.type === 'timeout') as { interval: number; targetState: string } | undefined;
  return {
    state: rule.state,
    nlpClass: rule.nlpClass ?? rule.state,
    confidence: rule.confidence ?? 1,
    endSession: rule.endSession ?? false,
    matchers,
    replies: Object.freeze(replies),
    templated: used.length > 0,
    timeout: timeoutReply ? { intervalMs: Math.round(timeoutReply.interval * 1000), targetState: timeoutReply.targetState } : undefined,
  };
}

/** Checks and compiles a parsed script; `file` names it in messages. `checked`: it passed the schema check before. */
export async function compileScript(value: unknown, file: string, options: { checked?: boolean } = {}): Promise<CompiledScript> {
  const problems = options.checked ? [] : await schemaProblems(value);
  if (problems.length > 0) throw new BotScriptError(file, problems);
  const script = value as BotScriptFile;
  const rules = script.rules.map((rule, i) => compileRule(rule, `/rules/${i}`, problems));
  const catchAll = compileRule(script.catchAll, '/catchAll', problems);
  const byState = new Map<string, CompiledRule>();
  [...rules, catchAll].forEach((rule, i) => {
    if (byState.has(rule.state)) problems.push(`${i < rules.length ? `/rules/${i}` : '/catchAll'}/state: ${rule.state} is used by an earlier rule`);
    byState.set(rule.state, rule);
  });
  [...rules, catchAll].forEach((rule, i) => {
    if (rule.timeout && !byState.has(rule.timeout.targetState)) {
      problems.push(`${i < rules.length ? `/rules/${i}` : '/catchAll'}/replies: timeout targetState ${rule.timeout.targetState} is not a state of the script`);
    }
  });
  if (problems.length > 0) throw new BotScriptError(file, problems);
  return { name: script.name ?? file, rules, catchAll, byState };
}

function checkedScriptKey(text: string, schemaText: string): string {
  const schemas = JSON.stringify(loadDescription().components?.schemas ?? {});
  return createHash('sha256').update(text).update('\0').update(schemaText).update('\0').update(schemas).digest('hex');
}

export interface LoadOptions {
  /** Where checked scripts are cached; `false` checks every time. */
  cacheDir?: string | false;
}

/** Reads, parses (by extension: .json is JSON, anything else YAML), checks and compiles a script file. */
export async function loadBotScript(file: string, options: LoadOptions = {}): Promise<CompiledScript> {
  const cacheDir = options.cacheDir ?? BOT_SCRIPT_CACHE;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BotScriptError(file, [`cannot read the file: ${(error as Error).message}`]);
  }
  const key = cacheDir ? checkedScriptKey(text, await readFile(BOT_SCRIPT_SCHEMA, 'utf8')) : '';
  if (cacheDir) {
    const cached = await readFile(join(cacheDir, `${key}.json`), 'utf8').catch(() => undefined);
    let parsed: unknown;
    try {
      parsed = cached === undefined ? undefined : JSON.parse(cached);
    } catch {
      parsed = undefined; // A damaged entry: check the script again.
    }
    if (parsed !== undefined) return compileScript(parsed, file, { checked: true });
  }
  const json = extname(file).toLowerCase() === '.json';
  let value: unknown;
  try {
    // YAML is loaded only when a script has to be parsed.
    value = json ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (error) {
    throw new BotScriptError(file, [`not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`]);
  }
  const script = await compileScript(value, file);
  if (cacheDir) {
    // Best effort: a read-only tree just means checking again next time. Written to a temporary
    // file and renamed, so that a stub starting at the same moment never reads half an entry.
    const entry = join(cacheDir, `${key}.json`);
    const temporary = `${entry}.${process.pid}.tmp`;
    await mkdir(cacheDir, { recursive: true })
      .then(() => writeFile(temporary, JSON.stringify(value)))
      .then(() => rename(temporary, entry))
      .catch(() => undefined);
  }
  return script;
}
