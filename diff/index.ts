// `chatapi-contract diff` as a library: two descriptions in, findings with their source lines out.
import { diffDocuments } from './compare.js';
import { countByLevel, type Finding } from './findings.js';
import { sourceMapOf, type DescriptionSide } from './load.js';
import type { SourceMap } from './source-map.js';
import type { Level } from './rules.js';

export { diffDocuments } from './compare.js';
export type { Finding, SourceLocation } from './findings.js';
export { bundledSide, DiffInputError, loadSide, readDescriptionFile, Scratch, type DescriptionSide } from './load.js';
export { atLeast, LEVELS, RULE_IDS, RULES, type Level, type RuleId, type Who } from './rules.js';

export interface DiffResult {
  old: { label: string; version: string };
  new: { label: string; version: string };
  findings: Finding[];
  counts: Record<Level, number>;
}

export function diffSides(before: DescriptionSide, after: DescriptionSide): DiffResult {
  const findings = diffDocuments(before.document, after.document);
  // A side's source map is made only when a finding needs a line from it: parsing with positions costs more than the diff.
  const maps: { old?: SourceMap; new?: SourceMap } = {};
  for (const finding of findings) {
    const map = (maps[finding.side] ??= sourceMapOf(finding.side === 'old' ? before : after));
    finding.source = map.locate(finding.pointer);
  }
  return {
    old: { label: before.label, version: before.document.info.version },
    new: { label: after.label, version: after.document.info.version },
    findings,
    counts: countByLevel(findings),
  };
}
