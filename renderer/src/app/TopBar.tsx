import { useActions, useProject } from './context';
import { StepNav } from './StepNav';
import { EngineStatus } from './EngineStatus';
import { ThemeToggle } from './ThemeToggle';

export function TopBar() {
  const name = useProject((s) => s.current?.project.name ?? null);
  const saveError = useProject((s) => s.saveError);
  const { closeProject } = useActions();
  return (
    <header className="topbar">
      <div className="topbar-left">
        <div className="brand" aria-label="Layerlab">
          <span className="brand-mark" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          <span className="brand-name">Layerlab</span>
        </div>
        {name !== null && (
          <>
            <span className="topbar-sep" aria-hidden="true">
              /
            </span>
            <span className="topbar-project" data-testid="current-project" title={name}>
              {name}
            </span>
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={closeProject}
              title="Close this project and see all projects"
            >
              All projects
            </button>
          </>
        )}
      </div>
      {name !== null && <StepNav />}
      <div className="topbar-right">
        {saveError && (
          <span className="save-error" role="alert" title={saveError}>
            Not saved
          </span>
        )}
        <ThemeToggle />
        <EngineStatus />
      </div>
    </header>
  );
}
