export { Baseline } from './baseline';
export { diagnose } from './diagnose';
export { diagnoseRun, headEpochs } from './from-run';
export { presentVerdicts } from './present';
export { applyFix, fixLabel, type Setup } from './apply-fix';
export { DROPOUT_RATE, dropoutTarget, resizedUnits } from './fixes';
export { THRESHOLDS } from './thresholds';
export {
  VERDICT_KINDS,
  type DiagnosisInput,
  type Evidence,
  type EvidencePoint,
  type Fix,
  type FixKind,
  type SeriesKey,
  type Severity,
  type Verdict,
  type VerdictKind,
} from './types';
