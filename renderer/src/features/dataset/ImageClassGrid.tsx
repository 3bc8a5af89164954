import { useEffect, useState } from 'react';
import type { ImageDatasetMeta } from '../../../../app/dataset/images';
import type { ClassThumbnails } from '../../../../app/ipc/image-contract';
import { messageOf } from '../../lib/errors';
import { plural } from '../../lib/format';
import { useImageActions } from './use-image-import';

/** One row per class: its name, how many images it has, and the first few as thumbnails. */
export function ImageClassGrid({ meta }: { meta: ImageDatasetMeta }) {
  const { thumbnails } = useImageActions();
  const [classes, setClasses] = useState<ClassThumbnails[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const largest = Math.max(...meta.classes.map((c) => c.count));

  useEffect(() => {
    let live = true;
    setClasses(null);
    setError(null);
    thumbnails().then(
      (result) => live && result.datasetId === meta.id && setClasses(result.classes),
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [meta.id, thumbnails]);

  return (
    <div className="class-grid" data-testid="class-grid">
      {meta.classes.map((c, k) => {
        const images = classes?.[k]?.images ?? [];
        return (
          <div key={c.name} className="class-row" data-testid={`class-${c.name}`}>
            <div className="class-head">
              <strong className="class-name" title={c.name}>
                {c.name}
              </strong>
              <span className="muted" data-testid="class-count">
                {plural(c.count, 'image')}
              </span>
              <span className="class-bar" aria-hidden="true">
                <span style={{ width: `${Math.max(2, (100 * c.count) / largest)}%` }} />
              </span>
            </div>
            <div className="thumbs">
              {classes === null && !error && c.thumbnails.map((t) => <span key={t} className="thumb thumb-loading" />)}
              {images.map((src, i) => (
                <img
                  key={i}
                  className="thumb"
                  src={src}
                  alt={`${c.name} example ${i + 1}`}
                  data-testid="class-thumbnail"
                />
              ))}
            </div>
          </div>
        );
      })}
      {error && <p className="error-box">Could not load the thumbnails: {error}</p>}
    </div>
  );
}
