import { useSyncExternalStore } from 'react';

/**
 * Light and dark themes: the choice ("system" follows prefers-color-scheme) is kept in
 * localStorage and applied as data-theme="light" | "dark" on <html>, where styles/tokens.css
 * swaps the colour variables every view is drawn with.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const KEY = 'layerlab.theme';
const listeners = new Set<() => void>();
const media = () =>
  typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

export function themeChoice(): ThemeChoice {
  try {
    const saved = localStorage.getItem(KEY);
    return saved === 'light' || saved === 'dark' ? saved : 'system';
  } catch {
    return 'system';
  }
}

export function effectiveTheme(choice = themeChoice()): Theme {
  return choice === 'system' ? (media()?.matches ? 'dark' : 'light') : choice;
}

function apply() {
  document.documentElement.dataset.theme = effectiveTheme();
  for (const l of listeners) l();
}

/** Applies the saved theme now (before the first paint) and follows the system's while the choice is "system". */
export function initTheme(): void {
  apply();
  media()?.addEventListener('change', apply);
}

export function setThemeChoice(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Storage refused (private mode): the choice lasts for this page.
  }
  apply();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => void listeners.delete(l);
};

/** The theme shown now, for what draws its own colours (React Flow's colour mode). */
export function useTheme(): { choice: ThemeChoice; theme: Theme } {
  const choice = useSyncExternalStore(subscribe, themeChoice);
  const theme = useSyncExternalStore(subscribe, () => effectiveTheme(choice));
  return { choice, theme };
}
