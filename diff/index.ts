// `chatapi-contract diff` as a library: two descriptions in, findings with their source lines out.
import { diffDocuments } from './compare.js';
import { countByLevel, type Finding } from './findings.js';
import { sourceMapOf, type DescriptionSide } from './load.js';
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
  if (findings.length > 0) {
    const maps = { old: sourceMapOf(before), new: sourceMapOf(after) };
    for (const finding of findings) finding.source = maps[finding.side].locate(finding.pointer);
  }
  return {
    old: { label: before.label, version: before.document.info.version },
    new: { label: after.label, version: after.document.info.version },
    findings,
    counts: countByLevel(findings),
  };
}
