import { useEffect, useState } from 'react';
import { useProject, useWorkbench } from '../../app/context';
import { useActions } from '../../app/context';
import { formatBytes, formatInt, formatSecondsLeft } from '../../lib/format';

interface Progress {
  importId: string;
  bytesRead: number;
  totalBytes: number;
  rows: number;
  /** Computed once on the main side (csv-reader.ts); absent in the first half second. */
  bytesPerSecond?: number;
  secondsLeft?: number;
  /** A file too large for memory, after its last byte: its columns profiled so far. */
  profiled?: { done: number; total: number };
}

/** "42% · 4,200,000 rows · 690 MiB of 1.6 GiB · 45 MiB/s · about 31 s left" */
function progressText(p: Progress): string {
  const percent = p.totalBytes > 0 ? Math.round((100 * p.bytesRead) / p.totalBytes) : 0;
  const parts = [
    `${percent}%`,
    `${formatInt(p.rows)} rows`,
    `${formatBytes(p.bytesRead)} of ${formatBytes(p.totalBytes)}`,
  ];
  if (p.profiled) return [...parts, `profiling column ${p.profiled.done} of ${p.profiled.total}`].join(' · ');
  if (p.bytesPerSecond !== undefined) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
  if (p.secondsLeft !== undefined && p.bytesRead < p.totalBytes)
    parts.push(`about ${formatSecondsLeft(p.secondsLeft)} left`);
  return parts.join(' · ');
}

/** While an import runs: how far the main side has read, and a Cancel that leaves the project as it was. */
export function ImportProgress() {
  const { client } = useWorkbench();
  const importing = useProject((s) => s.importing);
  const upload = useProject((s) => s.upload);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => client.api.on('dataset.importProgress', (p) => setProgress(p)), [client]);
  useEffect(() => {
    if (!importing) {
      setProgress(null);
      setCancelling(false);
    }
  }, [importing]);
  if (!importing) return null;
  if (upload) return <UploadProgress upload={upload} />;

  const percent =
    progress && progress.totalBytes > 0 ? Math.round((100 * progress.bytesRead) / progress.totalBytes) : 0;
  return (
    <div className="import-progress" data-testid="import-progress">
      <div className="import-progress-text">
        <span role="status">
          Importing {importing}… {progress ? progressText(progress) : 'sending the file'}
        </span>
        <button
          type="button"
          className="btn"
          disabled={!progress || cancelling}
          onClick={() => {
            if (!progress) return;
            setCancelling(true);
            void client.api.invoke('dataset.cancelImport', { importId: progress.importId });
          }}
          data-testid="cancel-import"
        >
          {cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
      <progress max={100} value={percent} />
    </div>
  );
}

/** Host mode: the file on its way to the host, before the import reads it; Cancel deletes what was sent. */
function UploadProgress({ upload }: { upload: { name: string; sent: number; total: number } }) {
  const { cancelUpload } = useActions();
  const percent = upload.total > 0 ? Math.floor((100 * upload.sent) / upload.total) : 100;
  return (
    <div className="import-progress" data-testid="upload-progress">
      <div className="import-progress-text">
        <span role="status">
          Uploading {upload.name} to the host… {percent}% · {formatBytes(upload.sent)} of {formatBytes(upload.total)}
        </span>
        <button type="button" className="btn" onClick={cancelUpload} data-testid="cancel-upload">
          Cancel
        </button>
      </div>
      <progress max={100} value={percent} />
    </div>
  );
}
