import { accelerationsNote } from '../../../app/engine/accelerations-note';
import { useConnection, useProject } from './context';

/** The engine's state and backend, with why each faster backend was skipped on hover. */
export function EngineStatus() {
  const engine = useProject((s) => s.engine);
  const mode = useProject((s) => s.appInfo?.mode ?? null);
  const connection = useConnection((s) => s.status);
  // While the host cannot be reached, the last engine state it reported is not news: say so.
  const disconnected = connection !== 'open' && connection !== 'connecting';
  const state = disconnected ? 'disconnected' : (engine?.state ?? 'unknown');
  const label = disconnected
    ? 'Not connected'
    : state === 'ready'
      ? `Engine ready${engine?.backend ? ` · ${engine.backend.name}${engine.backend.threads && engine.backend.threads > 1 ? ` · ${engine.backend.threads} threads` : ''}` : ''}`
      : state === 'starting'
        ? 'Engine starting…'
        : state === 'crashed'
          ? 'Engine stopped'
          : 'Engine: unknown';
  const skipped = engine?.backend?.skipped ?? [];
  const title = [
    mode === 'host'
      ? 'Host mode: training runs on the machine serving this page.'
      : mode === 'electron'
        ? 'Desktop app'
        : null,
    engine?.backend ? `Backend: ${engine.backend.name}` : null,
    engine?.backend?.cpuGemm ? `Matrix products: the engine's CPU addon (${engine.backend.cpuGemm})` : null,
    ...skipped.map((s) => `${s.name} skipped: ${s.reason}`),
    accelerationsNote(engine?.backend),
    engine?.message ?? null,
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <span className={`engine-pill engine-${state}`} data-testid="engine-status" title={title || undefined}>
      <span className="engine-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
