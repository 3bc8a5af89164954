import type { BackendReport } from '../project/schema';

/**
 * What a backend report says about the engine's TensorFlow.js accelerations, in the words every
 * surface shows (run panel, engine status, CLI): null while they are on, or for a report from
 * before they were reported.
 */
export function accelerationsNote(backend: BackendReport | null | undefined): string | null {
  const a = backend?.accelerations;
  if (!a || a.on) return null;
  return `Engine accelerations off: ${a.reason ?? 'no reason given'} (stock TensorFlow.js, slower).`;
}
