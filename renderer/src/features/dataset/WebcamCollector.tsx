import { useEffect, useRef, useState } from 'react';
import { plural } from '../../lib/format';
import { frameOf, useCamera } from '../playground/WebcamCapture';
import { selectionOf, type PickedFile } from './image-files';
import { useImageActions, useImageImport } from './use-image-import';

interface Frame {
  file: File;
  url: string;
}
interface CollectedClass {
  key: number;
  name: string;
  frames: Frame[];
}

/** A frame every 150 ms while a class's button is held: about 7 a second, like Teachable Machine. */
const HOLD_INTERVAL_MS = 150;
/** Thumbnails shown per class: the latest ones; the count says how many there are. */
const SHOWN_THUMBNAILS = 12;

/** What is wrong with the class names, or null: each becomes a folder, so each must be one plain, distinct name. */
export function classNameProblem(names: string[]): string | null {
  const seen = new Set<string>();
  for (const [i, raw] of names.entries()) {
    const name = raw.trim();
    if (name === '') return `Class ${i + 1} has no name.`;
    if (/[/\\:*?"<>|]/.test(name) || name.startsWith('.'))
      return `"${name}" cannot be a class name: no / \\ : * ? " < > | and no leading dot.`;
    if (seen.has(name.toLowerCase())) return `Two classes are called "${name}".`;
    seen.add(name.toLowerCase());
  }
  return null;
}

/**
 * Teachable Machine's way to make an image dataset: name the classes, hold a class's button
 * while showing it to the camera (a click takes one frame), and the frames go to the usual image
 * import as a folder with one subfolder per class, where size, colour and fit are chosen.
 */
export function WebcamCollector() {
  const collecting = useImageImport((s) => s.collecting);
  const { collect } = useImageActions();
  return collecting ? <Collector onClose={() => collect(false)} /> : null;
}

/** The drop zone's way in to the collector. */
export function CollectButton({ disabled }: { disabled: boolean }) {
  const { collect } = useImageActions();
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={() => collect(true)}
      disabled={disabled}
      data-testid="webcam-collect-open"
    >
      Collect from the webcam
    </button>
  );
}

function Collector({ onClose }: { onClose: () => void }) {
  const { video, stream, error, start, stop } = useCamera();
  const images = useImageActions();
  const nextKey = useRef(3);
  const [classes, setClasses] = useState<CollectedClass[]>([
    { key: 1, name: 'Class 1', frames: [] },
    { key: 2, name: 'Class 2', frames: [] },
  ]);
  const [holding, setHolding] = useState<number | null>(null);
  const urls = useRef(new Set<string>());

  // Thumbnails are object URLs: freed when the collector closes.
  useEffect(() => {
    const owned = urls.current;
    return () => owned.forEach((u) => URL.revokeObjectURL(u));
  }, []);

  const drop = (frames: Frame[]) =>
    frames.forEach((f) => {
      URL.revokeObjectURL(f.url);
      urls.current.delete(f.url);
    });

  const captureInto = (key: number) => {
    void frameOf(video.current).then((blob) => {
      if (!blob) return;
      const url = URL.createObjectURL(blob);
      urls.current.add(url);
      setClasses((cs) =>
        cs.map((c) =>
          c.key === key
            ? { ...c, frames: [...c.frames, { file: new File([blob], 'frame.png', { type: 'image/png' }), url }] }
            : c,
        ),
      );
    });
  };

  // While a button is held: one frame at once, then one every HOLD_INTERVAL_MS until it is let go.
  useEffect(() => {
    if (holding === null) return;
    captureInto(holding);
    const timer = setInterval(() => captureInto(holding), HOLD_INTERVAL_MS);
    const release = () => setHolding(null);
    window.addEventListener('pointerup', release);
    window.addEventListener('pointercancel', release);
    return () => {
      clearInterval(timer);
      window.removeEventListener('pointerup', release);
      window.removeEventListener('pointercancel', release);
    };
    // captureInto reads the video ref only; the hold restarts only when the held class changes.
  }, [holding]);

  const update = (key: number, patch: Partial<CollectedClass>) =>
    setClasses((cs) => cs.map((c) => (c.key === key ? { ...c, ...patch } : c)));
  const remove = (key: number) =>
    setClasses((cs) => {
      drop(cs.find((c) => c.key === key)?.frames ?? []);
      return cs.filter((c) => c.key !== key);
    });

  const nameProblem = classNameProblem(classes.map((c) => c.name));
  const filled = classes.filter((c) => c.frames.length > 0).length;
  const problem =
    nameProblem ??
    (classes.length < 2 || filled < classes.length
      ? 'Every class needs at least one frame, and there must be two classes or more.'
      : null);

  const use = () => {
    if (problem) return;
    const files: PickedFile[] = classes.flatMap((c) =>
      c.frames.map((f, i) => ({ path: `webcam/${c.name.trim()}/${c.name.trim()}-${i + 1}.png`, file: f.file })),
    );
    stop();
    images.select(selectionOf('webcam', 'folder', files));
    onClose();
  };

  return (
    <section className="card webcam-collector" data-testid="webcam-collector" aria-labelledby="webcam-collect-title">
      <h2 id="webcam-collect-title">Collect images from the webcam</h2>
      <p className="muted">
        Name a class, show it to the camera and hold its button: a frame is taken about seven times a second while you
        hold it (a click takes one). Vary the angle and the distance. Then use the frames as a dataset.
      </p>
      <div className="webcam-collector-body">
        <div className="webcam-collector-camera">
          {stream ? (
            <video ref={video} className="webcam-video" autoPlay playsInline muted data-testid="webcam-video" />
          ) : (
            <button type="button" className="btn btn-primary" onClick={() => void start()} data-testid="webcam-start">
              Start the camera
            </button>
          )}
          {error && (
            <p className="field-error" role="alert" data-testid="webcam-error">
              {error}
            </p>
          )}
        </div>
        <ol className="webcam-classes">
          {classes.map((c, i) => (
            <li key={c.key} className="webcam-class" data-testid={`webcam-class-${i}`}>
              <div className="webcam-class-head">
                <input
                  type="text"
                  className="input"
                  value={c.name}
                  aria-label={`Name of class ${i + 1}`}
                  onChange={(e) => update(c.key, { name: e.target.value })}
                  data-testid="webcam-class-name"
                />
                <button
                  type="button"
                  className={`btn btn-small${holding === c.key ? ' is-holding' : ''}`}
                  disabled={!stream}
                  aria-pressed={holding === c.key}
                  onPointerDown={(e) => {
                    if (e.button === 0) setHolding(c.key);
                  }}
                  // A keyboard press (detail 0) takes one frame; the mouse is handled by the hold.
                  onClick={(e) => {
                    if (e.detail === 0) captureInto(c.key);
                  }}
                  data-testid="webcam-hold"
                >
                  {holding === c.key ? 'Recording…' : 'Hold to record'}
                </button>
                <span className="muted" data-testid="webcam-class-count">
                  {plural(c.frames.length, 'frame')}
                </span>
                {c.frames.length > 0 && (
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    onClick={() => {
                      drop(c.frames);
                      update(c.key, { frames: [] });
                    }}
                  >
                    Clear
                  </button>
                )}
                {classes.length > 2 && (
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    onClick={() => remove(c.key)}
                    aria-label={`Remove ${c.name}`}
                  >
                    Remove
                  </button>
                )}
              </div>
              {c.frames.length > 0 && (
                <div className="thumbs">
                  {c.frames.slice(-SHOWN_THUMBNAILS).map((f) => (
                    <img key={f.url} className="thumb" src={f.url} alt="" data-testid="webcam-thumb" />
                  ))}
                </div>
              )}
            </li>
          ))}
        </ol>
      </div>
      <div className="webcam-collector-actions">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => {
            const key = nextKey.current++;
            setClasses((cs) => [...cs, { key, name: `Class ${cs.length + 1}`, frames: [] }]);
          }}
          data-testid="webcam-add-class"
        >
          Add a class
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={problem !== null}
          title={problem ?? undefined}
          onClick={use}
          data-testid="webcam-use"
        >
          Use these{' '}
          {plural(
            classes.reduce((n, c) => n + c.frames.length, 0),
            'image',
          )}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            stop();
            onClose();
          }}
        >
          Close
        </button>
        {problem && (
          <span className="muted small" data-testid="webcam-collect-problem">
            {problem}
          </span>
        )}
      </div>
    </section>
  );
}
