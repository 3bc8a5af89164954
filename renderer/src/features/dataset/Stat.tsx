import type { ReactNode } from 'react';

/** One figure of a dataset summary: a small label above its value (a file name keeps its full text as a tooltip). */
export function Stat({ label, value, file }: { label: string; value: ReactNode; file?: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className={file === undefined ? 'stat-value' : 'stat-value file-name'} title={file}>
        {value}
      </span>
    </div>
  );
}
