import { useEffect, useState } from 'react';
import { useProject, useWorkbench } from '../../app/context';
import { useActions } from '../../app/context';
import { csvImportProgressText, type CsvImportCounts } from '../../../../app/progress/work-progress';
import { formatBytes } from '../../lib/format';

interface Progress extends CsvImportCounts {
  importId: string;
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
          Importing {importing}… {progress ? csvImportProgressText(progress) : 'sending the file'}
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
