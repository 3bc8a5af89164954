/** The editor's keyboard shortcuts: one list for the key handler and the help overlay. */
export type ShortcutAction =
  'undo' | 'redo' | 'copy' | 'paste' | 'duplicate' | 'selectAll' | 'delete' | 'autoLayout' | 'fitView' | 'help';

export interface Shortcut {
  action: ShortcutAction;
  keys: string;
  what: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'undo', keys: 'Ctrl+Z', what: 'Undo' },
  { action: 'redo', keys: 'Ctrl+Shift+Z or Ctrl+Y', what: 'Redo' },
  { action: 'copy', keys: 'Ctrl+C', what: 'Copy the selected layers' },
  { action: 'paste', keys: 'Ctrl+V', what: 'Paste' },
  { action: 'duplicate', keys: 'Ctrl+D', what: 'Duplicate the selected layers' },
  { action: 'selectAll', keys: 'Ctrl+A', what: 'Select every layer' },
  { action: 'delete', keys: 'Delete or Backspace', what: 'Delete the selection' },
  { action: 'autoLayout', keys: 'L', what: 'Auto-layout (top to bottom)' },
  { action: 'fitView', keys: 'F', what: 'Zoom to fit' },
  { action: 'help', keys: '?', what: 'Show or hide this list' },
];

/** Shift-click or Shift-drag (a selection box) selects several layers; that is React Flow's own. */
export const MOUSE_HINTS: readonly { keys: string; what: string }[] = [
  { keys: 'Shift+click', what: 'Add a layer to the selection' },
  { keys: 'Shift+drag', what: 'Select with a box' },
  { keys: 'Drag a handle', what: 'Connect two layers' },
];

/** Which action a key press means, or null. Ctrl and Cmd are the same. */
export function shortcutFor(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (e.altKey) return null;
  if (mod) {
    if (key === 'z') return e.shiftKey ? 'redo' : 'undo';
    if (key === 'y') return 'redo';
    if (key === 'c') return 'copy';
    if (key === 'v') return 'paste';
    if (key === 'd') return 'duplicate';
    if (key === 'a') return 'selectAll';
    return null;
  }
  if (e.key === '?') return 'help';
  if (key === 'l' && !e.shiftKey) return 'autoLayout';
  if (key === 'f' && !e.shiftKey) return 'fitView';
  return null;
}
