import { MOUSE_HINTS, SHORTCUTS } from './shortcuts';

/** The keyboard shortcuts, over the canvas. Esc, ? or the button closes it. */
export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="shortcuts-help" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-help">
      <div className="shortcuts-head">
        <h2 className="side-title">Keyboard shortcuts</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} data-testid="shortcuts-close">
          Close
        </button>
      </div>
      <table className="table shortcuts-table">
        <tbody>
          {[...SHORTCUTS, ...MOUSE_HINTS].map((s) => (
            <tr key={s.keys}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
