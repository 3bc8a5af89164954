import { useState } from 'react';
import { MAX_IMAGE_SIDE, MIN_IMAGE_SIDE, type ImageColor, type ImageFit } from '../../../../app/dataset/images';
import { workProgressText } from '../../../../app/progress/work-progress';
import { plural } from '../../lib/format';
import { useImageActions, useImageImport } from './use-image-import';

const FITS: Record<ImageFit, string> = {
  pad: 'Pad (keep the whole image, black borders)',
  crop: 'Crop the centre (keep the aspect ratio)',
  stretch: 'Stretch to the size',
};

const mib = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * A side in pixels: typed freely, kept only when it is a whole number the importer takes (main
 * checks again). Left empty it is "auto": the import chooses it from the images.
 */
function SideInput({
  label,
  value,
  disabled,
  onChange,
  testId,
}: {
  label: string;
  value: number | undefined;
  disabled: boolean;
  onChange: (v: number | undefined) => void;
  testId: string;
}) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  const n = Number(text);
  const valid = text.trim() === '' || (Number.isInteger(n) && n >= MIN_IMAGE_SIDE && n <= MAX_IMAGE_SIDE);
  return (
    <label>
      {label}
      <input
        type="number"
        min={MIN_IMAGE_SIDE}
        max={MAX_IMAGE_SIDE}
        value={text}
        placeholder="auto"
        disabled={disabled}
        aria-invalid={!valid}
        title={
          valid
            ? "Empty: the images' own size when they share one (at most 64 pixels a side), else their median size"
            : `${MIN_IMAGE_SIDE} to ${MAX_IMAGE_SIDE} pixels, or empty for auto`
        }
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '') return onChange(undefined);
          const v = Number(e.target.value);
          if (Number.isInteger(v) && v >= MIN_IMAGE_SIDE && v <= MAX_IMAGE_SIDE) onChange(v);
        }}
        onBlur={() => setText(value === undefined ? '' : String(value))}
        data-testid={testId}
      />
    </label>
  );
}

/**
 * A dropped folder or zip before it is imported: the size, colour and fit the images are stored
 * at (decoded once into the project's cache), then Import; while it runs, how far it got and Cancel.
 */
export function ImageImportPanel() {
  const pending = useImageImport((s) => s.pending);
  const options = useImageImport((s) => s.options);
  const phase = useImageImport((s) => s.phase);
  const sent = useImageImport((s) => s.sent);
  const total = useImageImport((s) => s.total);
  const progress = useImageImport((s) => s.progress);
  const cancelling = useImageImport((s) => s.cancelling);
  const { setOptions, start, clear, cancel } = useImageActions();
  if (!pending) return null;
  const busy = phase !== 'idle';
  const percent =
    phase === 'uploading'
      ? total > 0
        ? Math.round((100 * sent) / total)
        : 0
      : progress && progress.total > 0
        ? Math.round((100 * progress.done) / progress.total)
        : 0;

  return (
    <section className="card image-import" data-testid="image-import-panel" aria-labelledby="image-import-title">
      <h2 id="image-import-title">
        Import images from <span className="file-name">{pending.name}</span>
      </h2>
      <p className="muted">
        {pending.path !== undefined
          ? `${pending.kind === 'zip' ? 'A .zip' : 'A folder'} at ${pending.path}`
          : pending.kind === 'zip'
            ? `A .zip of ${mib(pending.bytes)}`
            : `${plural(pending.files.length, 'file')}, ${mib(pending.bytes)}`}
        . Each subfolder is a class, named after it; files that are not images are listed and skipped.
      </p>
      <div className="import-options-form">
        <SideInput
          label="Width"
          value={options.width}
          disabled={busy}
          onChange={(width) => setOptions({ width })}
          testId="image-width"
        />
        <SideInput
          label="Height"
          value={options.height}
          disabled={busy}
          onChange={(height) => setOptions({ height })}
          testId="image-height"
        />
        <label>
          Colour
          <select
            value={options.color ?? 'auto'}
            disabled={busy}
            onChange={(e) =>
              setOptions({ color: e.target.value === 'auto' ? undefined : (e.target.value as ImageColor) })
            }
            data-testid="image-color"
          >
            <option value="auto">Auto (grayscale when every image is gray)</option>
            <option value="rgb">RGB (3 channels)</option>
            <option value="grayscale">Grayscale (1 channel)</option>
          </select>
        </label>
        <label>
          Fit
          <select
            value={options.fit}
            disabled={busy}
            onChange={(e) => setOptions({ fit: e.target.value as ImageFit })}
            data-testid="image-fit"
          >
            {(Object.keys(FITS) as ImageFit[]).map((fit) => (
              <option key={fit} value={fit}>
                {FITS[fit]}
              </option>
            ))}
          </select>
        </label>
        {!busy && (
          <>
            <button type="button" className="btn btn-primary" onClick={() => void start()} data-testid="import-images">
              Import images
            </button>
            <button type="button" className="btn" onClick={clear}>
              Not now
            </button>
          </>
        )}
      </div>
      {busy && (
        <div className="import-progress" data-testid="image-import-progress">
          <div className="import-progress-text">
            <span role="status">
              {phase === 'uploading'
                ? `Sending ${pending.name}… ${percent}% of ${mib(total)}`
                : progress?.phase === 'decoding'
                  ? `Building the image cache… ${workProgressText(progress)}`
                  : progress?.phase === 'finishing'
                    ? 'Finishing…'
                    : 'Looking for class folders…'}
            </span>
            <button
              type="button"
              className="btn"
              disabled={cancelling}
              onClick={() => void cancel()}
              data-testid="cancel-image-import"
            >
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          </div>
          <progress max={100} value={percent} />
        </div>
      )}
    </section>
  );
}
