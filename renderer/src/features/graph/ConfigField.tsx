import { useState } from 'react';
import type { FieldSpec } from '../../../../app/graph';

/** "kernel_size" → "kernel-size": test ids and ids follow the config key (units-input, activation-select). */
export function fieldKey(field: FieldSpec): string {
  return field.path.join('-').replace(/_/g, '-');
}

export function valueAt(config: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
}

/** The config with one (possibly nested) value replaced; only the top-level key changes identity. */
export function withValue(
  config: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return config;
  return {
    ...config,
    [head]: rest.length === 0 ? value : withValue((config[head] ?? {}) as Record<string, unknown>, rest, value),
  };
}

const asNumber = (text: string) => (text.trim() === '' ? NaN : Number(text));
const textOf = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');

/**
 * One field of a layer's config form, rendered from the catalogue's FieldSpec. Numbers are typed
 * freely: a value that is not a number reaches the graph as NaN and is reported on the node.
 */
export function ConfigField({
  field,
  value,
  onChange,
}: {
  field: FieldSpec;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const key = fieldKey(field);
  const hint = field.hint ? <span className="field-hint muted">{field.hint}</span> : null;
  switch (field.kind) {
    case 'int':
    case 'float':
      return (
        <label className="field">
          <span className="field-label">{field.label}</span>
          <NumberInput
            testId={`${key}-input`}
            value={value}
            step={field.kind === 'int' ? 1 : field.step}
            min={field.min}
            max={field.max}
            onChange={onChange}
          />
          {hint}
        </label>
      );
    case 'enum':
      return (
        <label className="field">
          <span className="field-label">{field.label}</span>
          <select
            className="select"
            data-testid={`${key}-select`}
            value={String(value)}
            onChange={(e) => onChange(e.target.value)}
          >
            {field.options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          {hint}
        </label>
      );
    case 'bool':
      return (
        <label className="checkbox" title={field.hint}>
          <input
            type="checkbox"
            data-testid={`${key}-checkbox`}
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          <span>{field.label}</span>
        </label>
      );
    case 'ints':
      return (
        <IntsField
          field={field}
          testId={`${key}-input`}
          value={Array.isArray(value) ? (value as unknown[]) : []}
          onChange={onChange}
          labels={field.labels}
          fixed={field.length}
          hint={hint}
        />
      );
    case 'optional-ints': {
      const on = value !== null && value !== undefined;
      const list = Array.isArray(value) ? (value as unknown[]) : on ? [value] : [];
      return (
        <fieldset className="field tuple-field">
          <legend className="field-label">{field.label}</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid={`${key}-default-checkbox`}
              checked={!on}
              onChange={(e) =>
                onChange(
                  e.target.checked ? null : field.length === 1 ? 1 : Array.from({ length: field.length }, () => 1),
                )
              }
            />
            <span>{field.nullLabel}</span>
          </label>
          {on && (
            <div className="tuple-inputs">
              {Array.from({ length: field.length }, (_, i) => (
                <NumberInput
                  key={i}
                  testId={`${key}-input-${i}`}
                  value={list[i]}
                  step={1}
                  min={field.min}
                  onChange={(n) => onChange(field.length === 1 ? n : list.map((v, j) => (j === i ? n : v)))}
                />
              ))}
            </div>
          )}
        </fieldset>
      );
    }
    case 'pairs': {
      const rows = Array.isArray(value) ? (value as unknown[][]) : [];
      const labels = [
        ['top', 'bottom'],
        ['left', 'right'],
      ];
      return (
        <fieldset className="field tuple-field">
          <legend className="field-label">{field.label}</legend>
          {[0, 1].map((r) => (
            <div className="tuple-inputs" key={r}>
              {[0, 1].map((c) => (
                <label key={c} className="tuple-cell">
                  <span className="muted">{labels[r]![c]}</span>
                  <NumberInput
                    testId={`${key}-input-${r}-${c}`}
                    value={rows[r]?.[c]}
                    step={1}
                    min={0}
                    onChange={(n) =>
                      onChange([0, 1].map((i) => [0, 1].map((j) => (i === r && j === c ? n : rows[i]?.[j]))))
                    }
                  />
                </label>
              ))}
            </div>
          ))}
        </fieldset>
      );
    }
    case 'columns':
    case 'target':
      // Chosen from the table's columns: NodeColumns renders them with the dataset at hand.
      return null;
    case 'regularizer': {
      const reg = value as { l1: number; l2: number } | null | undefined;
      return (
        <fieldset className="field tuple-field">
          <legend className="field-label">{field.label}</legend>
          <label className="checkbox" title={field.hint}>
            <input
              type="checkbox"
              data-testid={`${key}-checkbox`}
              checked={!!reg}
              onChange={(e) => onChange(e.target.checked ? { l1: 0, l2: 0.01 } : null)}
            />
            <span>L1/L2 penalty</span>
          </label>
          {reg && (
            <div className="tuple-inputs">
              {(['l1', 'l2'] as const).map((k) => (
                <label key={k} className="tuple-cell">
                  <span className="muted">{k.toUpperCase()}</span>
                  <NumberInput
                    testId={`${key}-${k}-input`}
                    value={reg[k]}
                    step={0.001}
                    min={0}
                    onChange={(n) => onChange({ ...reg, [k]: n })}
                  />
                </label>
              ))}
            </div>
          )}
        </fieldset>
      );
    }
  }
}

function NumberInput(props: {
  testId: string;
  value: unknown;
  step: number;
  min?: number | undefined;
  max?: number | undefined;
  onChange: (n: number) => void;
}) {
  const [text, setText] = useState(textOf(props.value));
  return (
    <input
      className="input"
      type="number"
      inputMode="decimal"
      data-testid={props.testId}
      value={text}
      step={props.step}
      min={props.min}
      max={props.max}
      onChange={(e) => {
        setText(e.target.value);
        props.onChange(asNumber(e.target.value));
      }}
    />
  );
}

/** A tuple such as kernel_size (2 numbers) or target_shape (1-4 numbers, typed as "28, 28, 1"). */
function IntsField(props: {
  field: FieldSpec;
  testId: string;
  value: unknown[];
  labels: readonly string[] | undefined;
  fixed: number | undefined;
  hint: React.ReactNode;
  onChange: (v: unknown) => void;
}) {
  const { field, value, fixed } = props;
  const [text, setText] = useState(value.map(textOf).join(', '));
  if (fixed !== undefined) {
    return (
      <fieldset className="field tuple-field">
        <legend className="field-label">{field.label}</legend>
        <div className="tuple-inputs">
          {Array.from({ length: fixed }, (_, i) => (
            <label key={i} className="tuple-cell">
              {props.labels?.[i] && <span className="muted">{props.labels[i]}</span>}
              <NumberInput
                testId={`${props.testId}-${i}`}
                value={value[i]}
                step={1}
                min={1}
                onChange={(n) => props.onChange(Array.from({ length: fixed }, (_, j) => (j === i ? n : value[j])))}
              />
            </label>
          ))}
        </div>
        {props.hint}
      </fieldset>
    );
  }
  return (
    <label className="field">
      <span className="field-label">{field.label}</span>
      <input
        className="input mono"
        data-testid={props.testId}
        value={text}
        placeholder="e.g. 28, 28, 1"
        onChange={(e) => {
          setText(e.target.value);
          const parts = e.target.value.split(/[\s,()x×]+/).filter((p) => p !== '');
          props.onChange(parts.map(asNumber));
        }}
      />
      {props.hint}
    </label>
  );
}
