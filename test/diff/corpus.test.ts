// Issue 20: the rule corpus. Each folder of test/diff/corpus/ is a before/after pair of small
// descriptions (old.yaml, new.yaml; the first line says what changed) and expected.yaml, every
// finding the diff must report for it: rule id, level, who breaks, JSON pointer and source line.
// Every rule has at least one pair; a pair may expect nothing (a change the rules must not report).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../../description/bundle.js';
import { diffSides, loadSide, RULE_IDS, RULES, Scratch } from '../../diff/index.js';

const CORPUS = join(packageRoot(), 'test', 'diff', 'corpus');
const PAIRS = readdirSync(CORPUS).sort();

interface Expected {
  rule: string;
  level: string;
  who: string;
  pointer: string;
  at: string;
}

const expectedOf = (pair: string) => parse(readFileSync(join(CORPUS, pair, 'expected.yaml'), 'utf8')) as Expected[];
const key = (f: Expected) => `${f.rule} ${f.who} ${f.pointer}`;

async function findings(pair: string): Promise<Expected[]> {
  const scratch = new Scratch();
  try {
    const result = diffSides(await loadSide(join(CORPUS, pair, 'old.yaml'), scratch, 'old'), await loadSide(join(CORPUS, pair, 'new.yaml'), scratch, 'new'));
    return result.findings.map((f) => ({ rule: f.rule, level: f.level, who: f.who, pointer: f.pointer, at: `${basename(f.source!.file)}:${f.source!.line}` }));
  } finally {
    scratch.dispose();
  }
}

describe('the rule corpus', () => {
  it.each(PAIRS)('%s: exactly the expected findings', async (pair) => {
    const actual = await findings(pair);
    expect([...actual].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...expectedOf(pair)].sort((a, b) => key(a).localeCompare(key(b))));
  });

  it('has a pair for every rule, at the level the rule table gives', () => {
    const expected = PAIRS.flatMap(expectedOf);
    const covered = new Set(expected.map((f) => f.rule));
    expect(RULE_IDS.filter((rule) => !covered.has(rule))).toEqual([]);
    for (const finding of expected) expect(finding.level, finding.rule).toBe(RULES[finding.rule as keyof typeof RULES].level);
  });

  it('reports a change to a shared component once per consumer it reaches, with every operation', async () => {
    const scratch = new Scratch();
    try {
      const dir = join(CORPUS, 'enum-value-added');
      const result = diffSides(await loadSide(join(dir, 'old.yaml'), scratch, 'old'), await loadSide(join(dir, 'new.yaml'), scratch, 'new'));
      const received = result.findings.filter((f) => f.rule === 'received-enum-value-added');
      expect(received.map((f) => [f.who, f.operations])).toEqual([
        ['caller', ['getStatus (GET /messages/{id}/status)']],
        ['receiver', ['onStatusChanged (webhook statusChanged)']],
      ]);
      expect(received[0]!.message).toBe('`Status` gained the value "ARCHIVED".');
    } finally {
      scratch.dispose();
    }
  });
});
