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

/**
 * The backend as the CLI's run line names it: its name, then for wasm its threads and whether
 * the engine's CPU addon runs the products, e.g. "wasm (2 threads, CPU addon: avx512)".
 */
export function backendDescription(backend: BackendReport): string {
  const parts = [
    ...(backend.threads === undefined ? [] : [`${backend.threads} thread${backend.threads === 1 ? '' : 's'}`]),
    ...(backend.cpuGemm ? [`CPU addon: ${backend.cpuGemm}`] : []),
  ];
  return parts.length ? `${backend.name} (${parts.join(', ')})` : backend.name;
}
