import { THRESHOLDS as T } from './thresholds';
import type { FixKind, Verdict } from './types';

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;

/**
 * The verdicts as the user sees them: most severe first, each with at most THRESHOLDS.maxFixes
 * fixes (the rules list them best first) and maxEvidencePoints chart points, and no fix proposed
 * twice: a fix kind that a more severe verdict already offers is dropped from the later ones (one
 * button per change; two different learning-rate factors would contradict each other).
 */
export function presentVerdicts(verdicts: readonly Verdict[]): Verdict[] {
  const sorted = [...verdicts].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const offered = new Set<FixKind>();
  return sorted.map((v) => {
    const fixes = v.fixes.filter((f) => !offered.has(f.kind)).slice(0, T.maxFixes);
    for (const f of fixes) offered.add(f.kind);
    return { ...v, fixes, evidence: { ...v.evidence, points: v.evidence.points.slice(0, T.maxEvidencePoints) } };
  });
}
