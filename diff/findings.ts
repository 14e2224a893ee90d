// A finding: one change that one rule reports for one kind of consumer. A change in a shared
// component is one finding per rule and consumer, listing every operation it reaches (not only the
// first, as Redocly's diff does), so that a change the webhook receiver reads is never hidden behind
// the same change in a response.
import { levelOf, LEVELS, type Level, type RuleId, type Who } from './rules.js';

export interface SourceLocation {
  /** The file, relative to the working directory (or as given). */
  file: string;
  /** 1-based. */
  line: number;
}

export interface Finding {
  rule: RuleId;
  level: Level;
  who: Who;
  message: string;
  /** JSON pointer (`#/components/schemas/…`) in the bundle of the side named: where the change is. */
  pointer: string;
  /** `old` for what was removed or changed away from, `new` for what was added or changed to. */
  side: 'old' | 'new';
  /** Where `pointer` comes from in the description's source files, when known. */
  source?: SourceLocation;
  /** The operations the change reaches: `sendMessage (POST /chatapi/{token})`. */
  operations: string[];
}

export type FindingInput = Omit<Finding, 'level' | 'operations' | 'source'>;

/** Collects findings, merging those of one rule, pointer and consumer across operations. */
export class FindingSet {
  private readonly byKey = new Map<string, Finding>();

  add(input: FindingInput, operation: string): void {
    const key = `${input.rule}\u0000${input.side}\u0000${input.pointer}\u0000${input.who}`;
    const found = this.byKey.get(key);
    if (found) {
      if (!found.operations.includes(operation)) found.operations.push(operation);
      return;
    }
    this.byKey.set(key, { ...input, level: levelOf(input.rule), operations: [operation] });
  }

  /** Breaking first, then warnings, then info; within a level by rule and pointer. */
  list(): Finding[] {
    return [...this.byKey.values()].sort(
      (a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || a.rule.localeCompare(b.rule) || a.pointer.localeCompare(b.pointer) || a.who.localeCompare(b.who),
    );
  }
}

export function countByLevel(findings: readonly Finding[]): Record<Level, number> {
  const counts: Record<Level, number> = { breaking: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.level]++;
  return counts;
}
