import { differingSettings, type RunRow, type SettingValue } from '../../../../app/experiments/runs-table';
import { formatStat } from '../../lib/format';
import { runColor } from './colors';
import { runLabel } from './labels';

const show = (v: SettingValue | undefined) =>
  v === undefined || v === null ? '–' : typeof v === 'number' ? formatStat(v) : String(v);

/** Only the settings that differ between the selected runs, one column per run. */
export function SettingsDiff({ rows }: { rows: readonly RunRow[] }) {
  if (rows.length < 2)
    return (
      <section className="runs-diff" data-testid="runs-diff">
        <h3>Settings that differ</h3>
        <p className="muted">Tick a second run to see which settings differ.</p>
      </section>
    );
  // The data is compared like a setting: runs on other data are not comparable by their settings alone.
  const withData = rows.map((r) => ({
    ...r,
    settings: { ...r.settings, 'data (SHA-256)': r.dataFingerprint } as Record<string, SettingValue>,
  }));
  const keys = differingSettings(withData);
  return (
    <section className="runs-diff" data-testid="runs-diff">
      <h3>
        Settings that differ <span className="muted count">{keys.length}</span>
      </h3>
      {keys.length === 0 ? (
        <p className="muted">These runs trained with the same settings.</p>
      ) : (
        <table className="runs-diff-table">
          <thead>
            <tr>
              <th scope="col">Setting</th>
              {rows.map((r, i) => (
                <th key={r.id} scope="col">
                  <span className="runs-swatch" style={{ background: runColor(i) }} aria-hidden="true" />
                  {runLabel(r)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k} data-testid="runs-diff-row" data-key={k}>
                <th scope="row" className="mono">
                  {k}
                </th>
                {withData.map((r) => (
                  <td key={r.id} className="num">
                    {show(r.settings[k])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
