import { useEffect, useState } from 'react';
import type { Augmentation, ImageDatasetMeta } from '../../../../app/dataset/images';
import type { AugmentedPreview } from '../../../../app/ipc/image-contract';
import { useProject } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { useImageActions } from './use-image-import';

const OFF: Augmentation = { flip: 0, rotation: 0, zoom: 0, brightness: 0, contrast: 0 };

/** Each knob's range (the schema's bounds) and what its strength means, in words. */
const KNOBS: Array<{
  key: keyof Augmentation;
  label: string;
  max: number;
  step: number;
  explain: (v: number) => string;
}> = [
  {
    key: 'flip',
    label: 'Horizontal flip',
    max: 1,
    step: 0.05,
    explain: (v) => `${Math.round(v * 100)}% of images mirrored`,
  },
  { key: 'rotation', label: 'Rotation', max: 0.5, step: 0.01, explain: (v) => `up to ±${Math.round(v * 360)}°` },
  {
    key: 'zoom',
    label: 'Zoom / crop',
    max: 0.9,
    step: 0.05,
    explain: (v) => `${Math.round((1 - v) * 100)}% to ${Math.round((1 + v) * 100)}%`,
  },
  {
    key: 'brightness',
    label: 'Brightness',
    max: 1,
    step: 0.05,
    explain: (v) => `±${Math.round(v * 100)}% of full scale`,
  },
  {
    key: 'contrast',
    label: 'Contrast',
    max: 1,
    step: 0.05,
    explain: (v) => `×${(1 - v).toFixed(2)} to ×${(1 + v).toFixed(2)}`,
  },
];

/**
 * On-the-fly augmentation of training batches (validation is never augmented), each kind with a
 * strength where 0 is off, and a preview: a few stored images next to what the same functions
 * and seeded draws as training make of them.
 */
export function ImageAugmentation({ meta }: { meta: ImageDatasetMeta }) {
  const saved = useProject((s) => s.current?.project.augmentation) ?? OFF;
  const { setAugmentation, preview } = useImageActions();
  const [seed, setSeed] = useState(1);
  const [samples, setSamples] = useState<AugmentedPreview['samples'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(saved);

  useEffect(() => {
    let live = true;
    // A slider sends many values a second: ask for a preview once it rests.
    const timer = setTimeout(() => {
      preview(JSON.parse(key) as Augmentation, seed).then(
        (result) => {
          if (!live) return;
          setSamples(result.samples);
          setError(null);
        },
        (e: unknown) => live && setError(messageOf(e)),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, seed, meta.id, preview]);

  const on = KNOBS.filter((k) => saved[k.key] > 0);
  return (
    <section className="card" aria-labelledby="augment-title" data-testid="augmentation">
      <h2 id="augment-title">
        Augmentation{' '}
        <span className="muted count">{on.length === 0 ? 'off' : on.map((k) => k.label.toLowerCase()).join(', ')}</span>
      </h2>
      <p className="muted">
        Random changes to the training images each epoch, so the model learns what a class looks like rather than these
        exact pictures. Validation images are never changed.
      </p>
      <div className="augment-knobs">
        {KNOBS.map((k) => (
          <label key={k.key} className="augment-knob">
            <span className="augment-label">
              {k.label}
              <span className="muted">{saved[k.key] > 0 ? k.explain(saved[k.key]) : 'off'}</span>
            </span>
            <input
              type="range"
              min={0}
              max={k.max}
              step={k.step}
              value={saved[k.key]}
              onChange={(e) => setAugmentation({ ...saved, [k.key]: Number(e.target.value) })}
              data-testid={`augment-${k.key}`}
            />
          </label>
        ))}
      </div>
      <div className="augment-preview-head">
        <h3>Augmented preview</h3>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setSeed((s) => s + 1)}
          data-testid="augment-reshuffle"
        >
          New draws
        </button>
      </div>
      {error && <p className="error-box">Could not make the preview: {error}</p>}
      <div className="augment-preview" data-testid="augment-preview">
        {samples?.map((s) => (
          <div key={s.index} className="augment-row">
            <figure>
              <img className="thumb" src={s.original} alt={`${s.className}, as stored`} />
              <figcaption>{s.className}</figcaption>
            </figure>
            {s.augmented.map((src, i) => (
              <figure key={i}>
                <img
                  className="thumb"
                  src={src}
                  alt={`${s.className}, augmented draw ${i + 1}`}
                  data-testid="augmented-sample"
                />
                <figcaption className="muted">draw {i + 1}</figcaption>
              </figure>
            ))}
          </div>
        ))}
      </div>
    </section>
  );
}
