import { useProject } from './context';

/** The engine's state and backend, with why each faster backend was skipped on hover. */
export function EngineStatus() {
  const engine = useProject((s) => s.engine);
  const mode = useProject((s) => s.appInfo?.mode ?? null);
  const state = engine?.state ?? 'unknown';
  const label =
    state === 'ready' ? `Engine ready${engine?.backend ? ` · ${engine.backend.name}` : ''}` : state === 'starting' ? 'Engine starting…' : state === 'crashed' ? 'Engine stopped' : 'Engine: unknown';
  const skipped = engine?.backend?.skipped ?? [];
  const title = [
    mode === 'host' ? 'Host mode: training runs on the machine serving this page.' : mode === 'electron' ? 'Desktop app' : null,
    engine?.backend ? `Backend: ${engine.backend.name}` : null,
    ...skipped.map((s) => `${s.name} skipped: ${s.reason}`),
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
