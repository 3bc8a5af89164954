import { Stat } from './Stat';
import { useProject } from '../../app/context';
import { useTaskInfo } from '../../app/derived';
import { formatDateTime, formatInt, formatRelative, plural } from '../../lib/format';
import { ColumnTable } from './ColumnTable';
import { DropZone } from './DropZone';
import { ImageDataStep } from './ImageDataStep';
import { ImageImportPanel } from './ImageImportPanel';
import { WebcamCollector } from './WebcamCollector';
import './images.css';
import { useImageImport } from './use-image-import';
import { ImportOptions } from './ImportOptions';
import { ImportProgress } from './ImportProgress';
import { PreviewTable } from './PreviewTable';
import { TaskPanel } from './TaskPanel';
import './dataset.css';

export function DataStep() {
  const dataset = useProject((s) => s.current?.dataset ?? null);
  const imageDataset = useProject((s) => s.current?.imageDataset ?? null);
  // An image import shows its own progress (ImageImportPanel); the table's would only repeat it.
  const imagePhase = useImageImport((s) => s.phase);
  const importError = useProject((s) => s.importError);
  const info = useTaskInfo();
  const missing = dataset?.columns.reduce((n, c) => n + c.missing, 0) ?? 0;
  const kinds = { numeric: 0, categorical: 0, ignored: 0 };
  for (const c of dataset?.columns ?? []) kinds[c.kind] += 1;

  return (
    <div className="page data-step">
      <div className="page-header">
        <div>
          <h1>Data</h1>
          <p className="muted">
            Import a table and choose the column to predict, or a folder of images with one subfolder per class.
          </p>
        </div>
      </div>

      {imageDataset && <ImageDataStep meta={imageDataset} />}

      {dataset && (
        <div className="data-top">
          <section className="card dataset-card">
            <h2>Dataset</h2>
            <div className="dataset-summary" data-testid="dataset-summary">
              <Stat label="File" value={dataset.sourceFile} file={dataset.sourceFile} />
              <Stat label="Rows" value={plural(dataset.rows, 'row')} />
              <Stat label="Columns" value={plural(dataset.columns.length, 'column')} />
              <Stat label="Missing values" value={formatInt(missing)} />
            </div>
            <p className="dataset-kinds">
              {(['numeric', 'categorical', 'ignored'] as const).map((kind) => (
                <span key={kind} className="kind-count">
                  <span className={`badge badge-${kind}`}>{kind}</span> {kinds[kind]}
                </span>
              ))}
              <span className="muted imported" title={formatDateTime(dataset.importedAt)}>
                Imported {formatRelative(dataset.importedAt)}
              </span>
            </p>
            <ImportOptions key={dataset.id} dataset={dataset} />
            <DropZone compact />
            {imagePhase === 'idle' && <ImportProgress />}
          </section>
          <TaskPanel dataset={dataset} info={info} />
        </div>
      )}
      {dataset && <WebcamCollector />}
      {dataset && <ImageImportPanel />}

      {!dataset && !imageDataset && (
        <>
          <DropZone compact={false} />
          <WebcamCollector />
          {imagePhase === 'idle' && <ImportProgress />}
          <ImageImportPanel />
        </>
      )}

      {importError && (
        <div className="error-box" role="alert" data-testid="import-error">
          <strong>Import failed.</strong> {importError}
        </div>
      )}

      {dataset && (
        <>
          <section className="card">
            <h2>
              Columns <span className="muted count">{dataset.columns.length}</span>
            </h2>
            <ColumnTable dataset={dataset} spec={info.spec} />
          </section>
          <section className="card">
            <h2>
              Preview{' '}
              <span className="muted count">
                first {plural(dataset.preview.length, 'row')} of {formatInt(dataset.rows)}
                {dataset.csv?.decimalComma ? ' · numbers as read with a decimal comma (14,23 is 14.23)' : ''}
              </span>
            </h2>
            <PreviewTable dataset={dataset} />
          </section>
        </>
      )}
    </div>
  );
}
