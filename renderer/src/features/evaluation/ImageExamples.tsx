import { useEffect, useState } from 'react';
import type { RawExample } from '../../../../app/ipc/contract';
import { useWorkbench } from '../../app/context';
import { messageOf } from '../../lib/errors';

/**
 * Examples of an image dataset as a gallery: each picture read back from the project's shard
 * cache by its index (what the model was given, not the original file), with its file name and
 * a caption (the model's view of it, for the confidently wrong ones).
 */
export function ImageExamples({
  examples,
  caption,
  testId,
}: {
  examples: readonly RawExample[];
  caption?: (example: RawExample, k: number) => string;
  testId: string;
}) {
  const { images } = useWorkbench();
  const [sources, setSources] = useState<Map<number, string> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = examples.map((e) => e.datasetRow).join(',');

  useEffect(() => {
    let live = true;
    setSources(null);
    setError(null);
    const indices = key === '' ? [] : key.split(',').map(Number);
    if (indices.length === 0) return;
    images.actions.images(indices.slice(0, 200)).then(
      (result) => live && setSources(new Map(result.images.map((i) => [i.index, i.src]))),
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [key, images]);

  return (
    <div className="image-examples" data-testid={testId}>
      {error && <p className="error-box">Could not load the images: {error}</p>}
      {examples.map((ex, k) => {
        const file = ex.values[0] ?? '';
        const src = sources?.get(ex.datasetRow);
        return (
          <figure key={ex.index} className="image-example" data-testid="example-image" title={file}>
            {src ? <img src={src} alt={file} /> : <span className="image-example-loading" />}
            <figcaption>
              <span className="image-example-file">{file.split('/').pop()}</span>
              {caption && <span className="muted">{caption(ex, k)}</span>}
            </figcaption>
          </figure>
        );
      })}
    </div>
  );
}
