import { setThemeChoice, useTheme, type ThemeChoice } from './theme';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<ThemeChoice, string> = { system: 'Auto', light: 'Light', dark: 'Dark' };

/** One button cycling Auto (the system's) → Light → Dark. */
export function ThemeToggle() {
  const { choice, theme } = useTheme();
  return (
    <button
      type="button"
      className="btn btn-ghost btn-small theme-toggle"
      data-testid="theme-toggle"
      data-theme-choice={choice}
      title={`Theme: ${LABEL[choice]}${choice === 'system' ? ` (${theme} now)` : ''}. Click for ${LABEL[NEXT[choice]]}.`}
      onClick={() => setThemeChoice(NEXT[choice])}
    >
      <span aria-hidden="true">{theme === 'dark' ? '☾' : '☀'}</span> {LABEL[choice]}
    </button>
  );
}
