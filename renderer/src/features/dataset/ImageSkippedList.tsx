import type { ImageDatasetMeta } from '../../../../app/dataset/images';
import { formatInt } from '../../lib/format';

/** Every file the import left out, by name, with why: the user can fix or remove them. */
export function ImageSkippedList({ meta }: { meta: ImageDatasetMeta }) {
  if (meta.skippedCount === 0) return null;
  const unlisted = meta.skippedCount - meta.skipped.length;
  return (
    <section className="card" aria-labelledby="skipped-title">
      <h2 id="skipped-title">
        Skipped files <span className="muted count">{formatInt(meta.skippedCount)}</span>
      </h2>
      <div className="preview-scroll skipped-scroll">
        <table className="preview-table skipped-table" data-testid="skipped-list">
          <thead>
            <tr>
              <th>File</th>
              <th>Why it was skipped</th>
            </tr>
          </thead>
          <tbody>
            {meta.skipped.map((s) => (
              <tr key={s.path}>
                <td className="skipped-path">{s.path}</td>
                <td>{s.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {unlisted > 0 && <p className="muted">and {formatInt(unlisted)} more, not listed.</p>}
    </section>
  );
}
