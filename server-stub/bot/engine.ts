// The scripted bot: picks the first rule that matches a query or an event (else the catch-all)
// and renders its replies.
import type { Reply } from '../types.js';
import type { CompiledRule, CompiledScript } from './script.js';

export interface BotInput {
  clientId: string;
  query?: string;
  event?: string;
}

/** What the bot answers in one turn. */
export interface BotTurn {
  nlpClass: string;
  confidence: number;
  replies: readonly Reply[];
  endSession: boolean;
  timeout?: { intervalMs: number; targetState: string };
}

const PLACEHOLDER = /\{\{\s*([\w$]+)\s*\}\}/g;

function render(value: unknown, variables: Record<string, string>): unknown {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, (_all, name: string) => variables[name] ?? '');
  if (Array.isArray(value)) return value.map((item) => render(item, variables));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, render(item, variables)]));
  }
  return value;
}

export class BotEngine {
  /** `stubUrl`: the stub's own origin (`http://host:port`), known once it listens; the demo bot's assets are served there. */
  constructor(
    readonly script: CompiledScript,
    private readonly stubUrl: () => string = () => '',
  ) {}

  respond(input: BotInput): BotTurn {
    const normalized = input.query?.trim().toLowerCase();
    for (const rule of this.script.rules) {
      for (const matcher of rule.matchers) {
        if (matcher.kind === 'query') {
          if (normalized === matcher.text) return this.turn(rule, input);
        } else if (matcher.kind === 'event') {
          if (input.event === matcher.name) return this.turn(rule, input);
        } else if (input.query !== undefined) {
          const match = matcher.regex.exec(input.query.trim());
          if (match) return this.turn(rule, input, match);
        }
      }
    }
    return this.turn(this.script.catchAll, input);
  }

  /** The turn of a state reached without a client message (a timeout's targetState). */
  enter(state: string, clientId: string): BotTurn | undefined {
    const rule = this.script.byState.get(state);
    return rule ? this.turn(rule, { clientId }) : undefined;
  }

  private turn(rule: CompiledRule, input: BotInput, match?: RegExpExecArray): BotTurn {
    let replies = rule.replies;
    if (rule.templated) {
      const variables: Record<string, string> = {
        input: input.query ?? (input.event !== undefined ? `event:${input.event}` : ''),
        query: input.query ?? '',
        event: input.event ?? '',
        clientId: input.clientId,
        stubUrl: this.stubUrl(),
      };
      match?.forEach((group, i) => (variables[String(i)] = group ?? ''));
      Object.assign(variables, match?.groups ?? {});
      replies = render(rule.replies, variables) as Reply[];
    }
    return { nlpClass: rule.nlpClass, confidence: rule.confidence, replies, endSession: rule.endSession, timeout: rule.timeout };
  }
}
