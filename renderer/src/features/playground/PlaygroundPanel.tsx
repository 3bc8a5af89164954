import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { PredictInputs, PredictResult } from '../../../../app/ipc/contract';
import { parseDialectNumber } from '../../../../app/dataset/number-cell';
import { useActions, useProject } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { formatNumberText, formatStat } from '../../lib/format';
import { ImagePlayground } from './ImagePlayground';
import { ProbabilityChart } from './ProbabilityChart';
import { sliderRange, spellSliderValue } from './slider';
import { fieldList, readTypedRow, rowHint, rowPlaceholder } from './typed-row';
import './playground.css';

/**
 * "Try it": one field per raw input column of a trained run, prefilled with its first
 * validation row; the main side encodes the row with the run's own preprocessing and the
 * engine predicts, so what shows here is what the exported model gives.
 */
export function PlaygroundPanel({ runId }: { runId: string }) {
  const { predictInputs, predict } = useActions();
  const [inputs, setInputs] = useState<PredictInputs | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const [result, setResult] = useState<PredictResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [pasted, setPasted] = useState('');
  const [pasteError, setPasteError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setInputs(null);
    setResult(null);
    setError(null);
    setLoadError(null);
    setPasted('');
    setPasteError(null);
    predictInputs(runId).then(
      (loaded) => {
        if (!live) return;
        setInputs(loaded);
        setValues(Object.fromEntries(loaded.fields.map((f) => [f.name, formatNumberText(f.value)])));
      },
      (e: unknown) => live && setLoadError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [runId, predictInputs]);

  /** A whole row pasted in the CSV's spelling fills the fields in their order. */
  const paste = (line: string) => {
    setPasted(line);
    if (!inputs) return;
    const read = readTypedRow(inputs, line);
    setPasteError(read.error);
    if (read.values) setValues(read.values);
  };

  const run = async (row: Record<string, string>) => {
    setBusy(true);
    setError(null);
    try {
      setResult(await predict(runId, [row]));
    } catch (err) {
      setResult(null);
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    await run(values);
  };

  // A slider in the range the model was trained on; once a prediction shows, it follows the slider.
  const dataset = useProject((s) => s.current?.dataset ?? null);
  const comma = inputs?.csv?.decimal === ',';
  const rangeOf = (name: string) => {
    const column = dataset?.columns.find((c) => c.name === name && c.kind === 'numeric');
    return column ? sliderRange(column.min, column.max) : null;
  };
  const follow = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (follow.current && clearTimeout(follow.current)), []);
  const slide = (name: string, text: string) => {
    const next = { ...values, [name]: text };
    setValues(next);
    if (!result) return;
    if (follow.current) clearTimeout(follow.current);
    follow.current = setTimeout(() => void run(next), 120);
  };

  const prediction = result?.predictions[0];
  const image = inputs?.image ?? null;
  return (
    <section className="card playground" data-testid="playground">
      <h2>Try it</h2>
      <p className="muted">
        {image
          ? `Drop pictures to classify. Each is turned upright, ${image.fit === 'pad' ? 'padded' : image.fit === 'crop' ? 'cropped' : 'stretched'} to ${image.width}×${image.height} and made ${image.color === 'grayscale' ? 'grayscale' : 'RGB'}, exactly as the training images were.`
          : inputs
            ? rowHint(inputs)
            : 'Enter one row as it would appear in the CSV; the model sees it through the same preprocessing as in training.'}
      </p>
      {loadError && (
        <div className="error-box" role="alert">
          {loadError}
        </div>
      )}
      {!inputs && !loadError && <p className="muted">Loading the model's inputs…</p>}
      {inputs && image && <ImagePlayground runId={runId} target={inputs.target} />}
      {inputs && !image && (
        <form onSubmit={submit}>
          <label className="field">
            <span className="field-label">Paste a row ({fieldList(inputs)})</span>
            <input
              className="input mono"
              data-testid="playground-row"
              value={pasted}
              placeholder={rowPlaceholder(inputs)}
              onChange={(e) => paste(e.target.value)}
              spellCheck={false}
            />
          </label>
          {pasteError && (
            <p className="muted" role="alert" data-testid="playground-row-error">
              {pasteError}
            </p>
          )}
          <div className="playground-fields">
            {inputs.fields.map((field) => (
              <label key={field.name} className="field">
                <span className="field-label">{field.name}</span>
                {field.kind === 'numeric' ? (
                  <>
                    <input
                      className="input mono"
                      inputMode="decimal"
                      data-testid={`playground-field-${field.name}`}
                      value={values[field.name] ?? ''}
                      onChange={(e) => setValues((v) => ({ ...v, [field.name]: e.target.value }))}
                      spellCheck={false}
                    />
                    {(() => {
                      const range = rangeOf(field.name);
                      if (!range) return null;
                      const now = parseDialectNumber(values[field.name] ?? '', comma);
                      return (
                        <input
                          type="range"
                          className="pg-slider"
                          aria-label={`${field.name}, from ${range.min} to ${range.max}`}
                          data-testid={`playground-slider-${field.name}`}
                          min={range.min}
                          max={range.max}
                          step={range.step}
                          value={now === null ? range.min : Math.min(range.max, Math.max(range.min, now))}
                          onChange={(e) => slide(field.name, spellSliderValue(Number(e.target.value), range, comma))}
                        />
                      );
                    })()}
                  </>
                ) : (
                  <select
                    className="select"
                    data-testid={`playground-field-${field.name}`}
                    value={values[field.name] ?? ''}
                    onChange={(e) => setValues((v) => ({ ...v, [field.name]: e.target.value }))}
                  >
                    <option value="">(missing)</option>
                    {field.categories.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </select>
                )}
              </label>
            ))}
          </div>
          <div className="card-actions">
            <button type="submit" className="btn btn-primary" data-testid="predict-button" disabled={busy}>
              {busy ? 'Predicting…' : 'Predict'}
            </button>
          </div>
        </form>
      )}
      {error && (
        <div className="error-box" role="alert" data-testid="predict-error">
          <strong>Could not predict.</strong> {error}
        </div>
      )}
      {result && prediction && (
        <div className="playground-result" data-testid="predict-result">
          {result.task === 'classification' ? (
            <>
              <p className="playground-answer">
                {result.target}: <strong data-testid="predict-label">{prediction.label}</strong>
              </p>
              {result.labels && prediction.probabilities && (
                <ProbabilityChart
                  labels={result.labels}
                  probabilities={prediction.probabilities}
                  best={prediction.label}
                />
              )}
            </>
          ) : (
            <p className="playground-answer">
              {result.target}: <strong data-testid="predict-value">{formatStat(prediction.value)}</strong>
            </p>
          )}
        </div>
      )}
    </section>
  );
}
