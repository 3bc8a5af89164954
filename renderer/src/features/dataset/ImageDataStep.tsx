import { Stat } from './Stat';
import type { ImageDatasetMeta } from '../../../../app/dataset/images';
import { formatDateTime, formatInt, formatRelative, plural } from '../../lib/format';
import { DropZone } from './DropZone';
import { ImageAugmentation } from './ImageAugmentation';
import { ImageClassGrid } from './ImageClassGrid';
import { ImageImportPanel } from './ImageImportPanel';
import { WebcamCollector } from './WebcamCollector';
import { ImageSkippedList } from './ImageSkippedList';
import './images.css';

const FIT_WORDS: Record<ImageDatasetMeta['fit'], string> = {
  pad: 'padded',
  crop: 'centre-cropped',
  stretch: 'stretched',
};

/** The data step for an image-folder dataset: what was imported, the classes, what was skipped, augmentation. */
export function ImageDataStep({ meta }: { meta: ImageDatasetMeta }) {
  return (
    <>
      <div className="data-top">
        <section className="card dataset-card">
          <h2>Dataset</h2>
          <div className="dataset-summary" data-testid="image-dataset-summary">
            <Stat label="Source" value={meta.sourceFile} file={meta.sourceFile} />
            <Stat label="Images" value={plural(meta.count, 'image')} />
            <Stat label="Classes" value={plural(meta.classes.length, 'class', 'classes')} />
            <Stat label="Skipped" value={formatInt(meta.skippedCount)} />
          </div>
          <p className="dataset-kinds">
            <span>
              Stored at {meta.width}×{meta.height}, {meta.color === 'rgb' ? 'RGB' : 'grayscale'}, {FIT_WORDS[meta.fit]}
              {meta.chosen ? <span className="muted" data-testid="image-chosen">{` (${meta.chosen})`}</span> : null}
            </span>
            <span className="muted imported" title={formatDateTime(meta.importedAt)}>
              Imported {formatRelative(meta.importedAt)}
            </span>
          </p>
          <DropZone compact />
        </section>
        <section className="card" aria-labelledby="image-task-title">
          <h2 id="image-task-title">Task</h2>
          <p className="task-summary" data-testid="image-task">
            <strong>Classification</strong> into {plural(meta.classes.length, 'class', 'classes')}, one per folder:{' '}
            {meta.classes.map((c) => c.name).join(', ')}.
          </p>
          <p className="muted">
            The model reads {meta.height}×{meta.width}×{meta.channels} pixels scaled to 0..1. Start from the CNN
            template in the Model step.
          </p>
        </section>
      </div>

      <WebcamCollector />
      <ImageImportPanel />

      {meta.warnings.length > 0 && (
        <div className="image-warnings" data-testid="image-warnings">
          {meta.warnings.map((w) => (
            <p key={w} className="banner banner-warn" role="note">
              {w}
            </p>
          ))}
        </div>
      )}

      <section className="card" aria-labelledby="classes-title">
        <h2 id="classes-title">
          Classes <span className="muted count">{meta.classes.length}</span>
        </h2>
        <ImageClassGrid meta={meta} />
      </section>

      <ImageSkippedList meta={meta} />
      <ImageAugmentation meta={meta} />
    </>
  );
}
