import { useState } from 'react';
import { ACTIVATIONS, LAYERS } from '../../../../app/graph';
import type { TaskShape } from '../../../../app/dataset/task';
import { useGraph } from '../../app/context';
import type { LayerNode } from './graph-model';

const NO_ERRORS: string[] = [];

/** Settings of the selected layer. Input and Output follow the data, so they are read-only here. */
export function NodeConfigPanel({ shape }: { shape: TaskShape | null }) {
  const selected = useGraph((s) => s.nodes.find((n) => n.selected) ?? null);
  const selectedEdge = useGraph((s) => s.edges.some((e) => e.selected));
  return (
    <section className="config-panel" data-testid="node-config-panel" aria-label="Layer settings">
      {selected ? (
        <NodeForm key={selected.id} node={selected} shape={shape} />
      ) : (
        <div className="config-empty">
          <h2 className="side-title">Layer settings</h2>
          <p className="muted">
            {selectedEdge ? 'A connection is selected: press Delete to remove it.' : 'Select a layer on the canvas to change its settings.'}
          </p>
          <ul className="tips muted">
            <li>Connect layers by dragging from a layer's bottom handle to another layer's top handle.</li>
            <li>Select a layer or a connection and press Delete to remove it.</li>
          </ul>
        </div>
      )}
    </section>
  );
}

function NodeForm({ node, shape }: { node: LayerNode; shape: TaskShape | null }) {
  const updateConfig = useGraph((s) => s.updateConfig);
  const onNodesChange = useGraph((s) => s.onNodesChange);
  const errors = useGraph((s) => s.analysis.nodes[node.id]?.errors ?? NO_ERRORS);
  const config = node.data.config as Record<string, unknown>;
  const type = node.data.type;

  return (
    <div className="config-form">
      <div className="config-title">
        <h2 className="side-title">
          {type} <span className="muted">{node.data.name ?? node.id}</span>
        </h2>
      </div>
      <p className="config-help muted">{LAYERS[type].help}</p>

      {type === 'Dense' && (
        <>
          <NumberField
            label="Units"
            testId="units-input"
            value={config.units}
            step={1}
            min={1}
            onChange={(units) => updateConfig(node.id, { units })}
            hint="How many outputs this layer has."
          />
          <label className="field">
            <span className="field-label">Activation</span>
            <select className="select" data-testid="activation-select" value={String(config.activation)} onChange={(e) => updateConfig(node.id, { activation: e.target.value })}>
              {ACTIVATIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox">
            <input type="checkbox" data-testid="use-bias-checkbox" checked={config.use_bias !== false} onChange={(e) => updateConfig(node.id, { use_bias: e.target.checked })} />
            <span>Use bias</span>
          </label>
        </>
      )}

      {type === 'Dropout' && (
        <NumberField
          label="Rate"
          testId="rate-input"
          value={config.rate}
          step={0.05}
          min={0}
          max={0.95}
          onChange={(rate) => updateConfig(node.id, { rate })}
          hint="Fraction of inputs zeroed during training (0 to below 1)."
        />
      )}

      {type === 'Input' && (
        <dl className="readonly">
          <dt>Shape</dt>
          <dd>({Array.isArray(config.shape) ? config.shape.join(', ') : '?'})</dd>
          <dd className="explain muted">One number per encoded feature column. It follows the dataset: change the data or target to change it.</dd>
        </dl>
      )}

      {type === 'Output' && (
        <dl className="readonly">
          <dt>Units</dt>
          <dd>{String(config.units)}</dd>
          <dt>Activation</dt>
          <dd>{String(config.activation)}</dd>
          <dt>Loss</dt>
          <dd>{shape ? lossLabel(shape.head.loss) : '–'}</dd>
          <dd className="explain muted">{outputExplanation(shape)}</dd>
        </dl>
      )}

      {errors.length > 0 && (
        <ul className="config-errors" role="alert">
          {errors.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}

      {node.deletable !== false && (
        <button type="button" className="btn btn-ghost btn-small btn-delete" onClick={() => onNodesChange([{ type: 'remove', id: node.id }])}>
          Delete layer
        </button>
      )}
    </div>
  );
}

function lossLabel(loss: TaskShape['head']['loss']): string {
  return { categoricalCrossentropy: 'categorical cross-entropy', binaryCrossentropy: 'binary cross-entropy', meanSquaredError: 'mean squared error' }[loss];
}

function outputExplanation(shape: TaskShape | null): string {
  if (!shape) return 'Follows the task chosen in Data.';
  const { head, labels } = shape;
  if (head.activation === 'softmax') return `One probability per class (${(labels ?? []).join(', ')}); softmax makes them sum to 1. Set by the task chosen in Data.`;
  if (head.activation === 'sigmoid') return `The probability of "${labels?.[1] ?? 'the second class'}" (vs "${labels?.[0] ?? 'the first'}"). Set by the task chosen in Data.`;
  return 'One number: the predicted value (standardised during training, scaled back on export). Set by the task chosen in Data.';
}

/** A number input that lets the user type freely; a value that is not a number reaches the graph as NaN and is reported on the node. */
function NumberField(props: { label: string; testId: string; value: unknown; step: number; min?: number; max?: number; hint: string; onChange: (n: number) => void }) {
  const [text, setText] = useState(typeof props.value === 'number' && Number.isFinite(props.value) ? String(props.value) : '');
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
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
          props.onChange(e.target.value.trim() === '' ? NaN : Number(e.target.value));
        }}
      />
      <span className="field-hint muted">{props.hint}</span>
    </label>
  );
}
