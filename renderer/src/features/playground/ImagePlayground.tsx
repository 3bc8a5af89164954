import { useEffect, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import { useProject, useWorkbench } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { plural } from '../../lib/format';
import { base64Of } from '../dataset/image-import';
import { contractName, MAX_DROPPED_IMAGES, planImageRequests } from './image-requests';
import { ProbabilityChart } from './ProbabilityChart';
import { WebcamCapture } from './WebcamCapture';

/** One dropped file and what came back for it. */
interface ImageItem {
  key: string;
  name: string;
  pending: boolean;
  thumbnail: string | null;
  label: string | null;
  probabilities: number[] | null;
  error: string | null;
}

const ACCEPT = 'image/*,.png,.jpg,.jpeg,.webp,.gif,.bmp,.tif,.tiff';

/**
 * The image run's playground: files dropped here (or chosen) go to main, which decodes each
 * one exactly as the run's import did and predicts it; every file gets its thumbnail (what the
 * model saw) beside its class probabilities, or its own message when it cannot be read.
 */
export function ImagePlayground({ runId, target }: { runId: string; target: string }) {
  const { client } = useWorkbench();
  const projectId = useProject((s) => s.current?.id ?? null);
  const [items, setItems] = useState<ImageItem[]>([]);
  const [labels, setLabels] = useState<string[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  // Answers for an earlier drop (or another run) must not land in this one's list.
  const generation = useRef(0);

  useEffect(() => {
    generation.current += 1;
    setItems([]);
    setNote(null);
    setBusy(false);
  }, [runId]);

  const predictFiles = async (files: File[]) => {
    if (files.length === 0 || busy || !projectId) return;
    const mine = ++generation.current;
    const plan = planImageRequests(files);
    const sent = files.slice(0, MAX_DROPPED_IMAGES);
    const stamp = Date.now().toString(36);
    const initial: ImageItem[] = sent.map((f, i) => ({
      key: `${stamp}-${i}`,
      name: f.name,
      pending: true,
      thumbnail: null,
      label: null,
      probabilities: null,
      error: null,
    }));
    for (const { index, message } of plan.refused) Object.assign(initial[index]!, { pending: false, error: message });
    setItems(initial);
    setNote(
      plan.leftOut > 0
        ? `Only the first ${MAX_DROPPED_IMAGES} files of this drop are predicted; ${plural(plan.leftOut, 'file')} left out.`
        : null,
    );
    const update = (index: number, patch: Partial<ImageItem>) => {
      if (generation.current === mine)
        setItems((list) => list.map((item, i) => (i === index ? { ...item, ...patch, pending: false } : item)));
    };
    setBusy(true);
    try {
      for (const request of plan.requests) {
        if (generation.current !== mine) return;
        // A file the browser cannot read (a dropped folder, a file gone since) is named and skipped.
        const read = await Promise.all(
          request.map(async (index) => {
            const file = sent[index]!;
            try {
              return { index, name: contractName(file.name), data: await base64Of(file) };
            } catch (error) {
              update(index, {
                error: `${file.name}: could not be read (${messageOf(error)}); drop image files, not folders`,
              });
              return null;
            }
          }),
        );
        const ready = read.filter((r): r is NonNullable<typeof r> => r !== null);
        if (ready.length === 0) continue;
        try {
          const result = await client.api.invoke('run.predictImages', {
            projectId,
            runId,
            images: ready.map(({ name, data }) => ({ name, data })),
          });
          if (generation.current !== mine) return;
          setLabels(result.labels);
          result.images.forEach((answer, k) =>
            update(ready[k]!.index, {
              thumbnail: answer.thumbnail,
              label: answer.label,
              probabilities: answer.probabilities,
              error: answer.error,
            }),
          );
        } catch (error) {
          for (const { index } of ready) update(index, { error: messageOf(error) });
        }
      }
    } finally {
      if (generation.current === mine) setBusy(false);
    }
  };

  // The window-wide drop imports a dataset: drags over this zone stop here, so the overlay hides and the drop predicts instead.
  const hold = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.stopPropagation();
  };
  const onDrop = (e: DragEvent) => {
    hold(e);
    setOver(false);
    void predictFiles(Array.from(e.dataTransfer.files));
  };
  const onChoose = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    // Choosing the same files again must fire change again.
    e.target.value = '';
    void predictFiles(files);
  };

  return (
    <div className="image-playground">
      <div
        className={`pg-dropzone${over ? ' is-over' : ''}${busy ? ' is-busy' : ''}`}
        data-testid="playground-image-drop"
        onDragEnter={(e) => {
          hold(e);
          setOver(true);
        }}
        onDragOver={hold}
        onDragLeave={(e) => {
          hold(e);
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
        }}
        onDrop={onDrop}
      >
        <div className="pg-dropzone-text">
          <strong>{busy ? 'Predicting…' : 'Drop one or several images here'}</strong>
          <span className="muted">PNG, JPEG, WebP, GIF, BMP or TIFF; up to {MAX_DROPPED_IMAGES} files at a time.</span>
        </div>
        <label className="btn btn-small pg-choose">
          Choose images
          <input
            type="file"
            className="visually-hidden"
            accept={ACCEPT}
            multiple
            data-testid="playground-image-input"
            onChange={onChoose}
            disabled={busy}
          />
        </label>
      </div>
      <WebcamCapture busy={busy} onFrame={(file) => void predictFiles([file])} />
      {note && <p className="muted">{note}</p>}
      {items.length > 0 && (
        <ul className="pg-image-results" data-testid="image-predictions">
          {items.map((item) => (
            <li
              key={item.key}
              className={`pg-image-result${item.error ? ' is-error' : ''}`}
              data-testid="image-prediction"
              data-name={item.name}
            >
              <div className="pg-thumb">
                {item.thumbnail ? (
                  <img
                    src={item.thumbnail}
                    alt={`${item.name} as the model sees it`}
                    data-testid="image-prediction-thumbnail"
                  />
                ) : (
                  <span className="pg-thumb-empty" aria-hidden="true" />
                )}
              </div>
              <div className="pg-image-body">
                <div className="pg-image-name mono" title={item.name}>
                  {item.name}
                </div>
                {item.pending && <p className="muted">Predicting…</p>}
                {item.error && (
                  <div className="error-box" role="alert" data-testid="image-prediction-error">
                    {item.error}
                  </div>
                )}
                {item.label !== null && item.probabilities && (
                  <>
                    <p className="playground-answer">
                      {target}: <strong data-testid="image-prediction-label">{item.label}</strong>
                    </p>
                    <ProbabilityChart
                      labels={labels}
                      probabilities={item.probabilities}
                      best={item.label}
                      width={400}
                    />
                  </>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
