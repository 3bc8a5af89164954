import { useEffect, useState } from 'react';
import { RunsTable } from './RunsTable';

/** "Compare runs": the runs table over the workbench, closed with its button or Escape. */
export function CompareRunsButton({ disabled }: { disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  return (
    <>
      <button
        type="button"
        className="btn btn-secondary btn-small"
        data-testid="open-runs-table"
        disabled={disabled}
        onClick={() => setOpen(true)}
      >
        Compare
      </button>
      {open && (
        <div className="runs-dialog-backdrop">
          <div className="runs-dialog" role="dialog" aria-modal="true" aria-labelledby="runs-dialog-title">
            <header className="runs-dialog-header">
              <h2 id="runs-dialog-title">Compare runs, search settings</h2>
              <button
                type="button"
                className="btn btn-ghost btn-small"
                data-testid="close-runs-table"
                onClick={() => setOpen(false)}
              >
                Close
              </button>
            </header>
            <RunsTable />
          </div>
        </div>
      )}
    </>
  );
}
