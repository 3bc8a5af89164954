import { useMemo } from 'react';
import { bindGraphToData, LAYERS, usesColumnBinding, type BoundHead } from '../../../../app/graph';
import type { TaskShape } from '../../../../app/dataset/task';
import { useGraph } from '../../app/context';
import { ConfigField, valueAt, withValue } from './ConfigField';
import type { LayerNode } from './graph-model';
import { InputColumns, OutputTarget } from './NodeColumns';

const NO_ERRORS: string[] = [];

/** Settings of the selected layer. Input and Output follow the data, so they are read-only here. */
export function NodeConfigPanel({ shape }: { shape: TaskShape | null }) {
  const selected = useGraph((s) => s.nodes.find((n) => n.selected) ?? null);
  const selectedEdge = useGraph((s) => s.edges.some((e) => e.selected));
  // Undo and redo replace the config under the form: start the form afresh.
  const restored = useGraph((s) => s.restored);
  return (
    <section className="config-panel" data-testid="node-config-panel" aria-label="Layer settings">
      {selected ? (
        <NodeForm key={`${selected.id}:${restored}`} node={selected} shape={shape} />
      ) : (
        <div className="config-empty">
          <h2 className="side-title">Layer settings</h2>
          <p className="muted">
            {selectedEdge
              ? 'A connection is selected: press Delete to remove it.'
              : 'Select a layer on the canvas to change its settings.'}
          </p>
          <ul className="tips muted">
            <li>
              Connect layers by dragging from a layer's bottom handle to another layer's top handle. A merge layer has
              one numbered port per input.
            </li>
            <li>
              Select a layer or a connection and press Delete to remove it. Shift-click or Shift-drag selects several.
            </li>
            <li>Press ? for all keyboard shortcuts (undo, copy, paste, duplicate, auto-layout).</li>
          </ul>
        </div>
      )}
    </section>
  );
}

function NodeForm({ node, shape }: { node: LayerNode; shape: TaskShape | null }) {
  const updateConfig = useGraph((s) => s.updateConfig);
  const onNodesChange = useGraph((s) => s.onNodesChange);
  const duplicate = useGraph((s) => s.duplicate);
  const setTrainable = useGraph((s) => s.setTrainable);
  const errors = useGraph((s) => s.analysis.nodes[node.id]?.errors ?? NO_ERRORS);
  const inputCount = useGraph((s) => s.nodes.filter((n) => n.data.type === 'Input').length);
  const table = useGraph((s) => s.table);
  const graph = useGraph((s) => s.graph);
  // Inputs with chosen columns and heads with targets: what each takes and predicts.
  const binding = useMemo(
    () => (table && usesColumnBinding(graph) ? bindGraphToData(graph, table.meta, table.spec) : null),
    [graph, table],
  );
  const config = node.data.config as Record<string, unknown>;
  const type = node.data.type;
  // The only Input follows the dataset, as every Input of a table model does (sized from its columns); others are set by hand.
  const inputFollowsData = type === 'Input' && (inputCount === 1 || binding !== null);
  const head = binding?.heads.find((h) => h.node === node.id);
  // What each Output predicts (its target, or the task's): those columns cannot feed an Input.
  const predicted = useMemo(
    () =>
      new Map(
        table
          ? graph.nodes.flatMap((n) =>
              n.type === 'Output' ? [[n.config.target ?? table.spec.target, n.name ?? n.id] as const] : [],
            )
          : [],
      ),
    [graph, table],
  );
  const editable = LAYERS[type].fields.filter(
    (f) =>
      !f.readonly &&
      f.kind !== 'columns' &&
      f.kind !== 'target' &&
      !(inputFollowsData && f.path[0] === 'shape') &&
      (!f.when || f.when(config)),
  );
  const set = (path: readonly string[], value: unknown) => {
    const next = withValue(config, path, value);
    updateConfig(node.id, { [path[0]!]: next[path[0]!] });
  };

  return (
    <div className="config-form">
      <div className="config-title">
        <h2 className="side-title">
          {type} <span className="muted">{node.data.name ?? node.id}</span>
        </h2>
      </div>
      <p className="config-help muted">{LAYERS[type].help}</p>

      {type === 'Input' && inputFollowsData && (
        <dl className="readonly">
          <dt>Shape</dt>
          <dd>({Array.isArray(config.shape) ? config.shape.join(', ') : '?'})</dd>
          <dd className="explain muted">
            {binding
              ? 'One number per encoded value of its columns: choose its columns below to change it.'
              : 'One number per encoded feature column. It follows the dataset: change the data or target to change it.'}
          </dd>
        </dl>
      )}

      {type === 'Input' && table && (
        <InputColumns
          table={table}
          columns={config.columns as string[] | undefined}
          bound={binding?.inputs.find((i) => i.node === node.id)}
          predicted={predicted}
          onChange={(columns) => updateConfig(node.id, { columns })}
        />
      )}
      {type === 'Output' && table && (
        <OutputTarget
          table={table}
          target={config.target as string | undefined}
          bound={head}
          onChange={(target) => updateConfig(node.id, { target })}
        />
      )}

      {type === 'Output' && (
        <dl className="readonly">
          <dt>Units</dt>
          <dd>{String(config.units)}</dd>
          <dt>Activation</dt>
          <dd>{String(config.activation)}</dd>
          <dt>Loss</dt>
          <dd>{head ? lossLabel(head.head.loss) : shape ? lossLabel(shape.head.loss) : '–'}</dd>
          <dd className="explain muted">{head ? headExplanation(head) : outputExplanation(shape)}</dd>
        </dl>
      )}

      {editable.map((field) => (
        <ConfigField
          key={field.path.join('.')}
          field={field}
          value={valueAt(config, field.path)}
          onChange={(v) => set(field.path, v)}
        />
      ))}

      {type !== 'Input' && (
        <label
          className="config-field config-trainable"
          title="A frozen layer keeps its weights while the rest trains: freeze an imported backbone and train a new head."
        >
          <input
            type="checkbox"
            data-testid="trainable-toggle"
            checked={node.data.trainable !== false}
            onChange={(e) => setTrainable(node.id, e.target.checked)}
          />{' '}
          Trainable
          {node.data.trainable === false && (
            <span className="muted"> (frozen: training leaves its weights as they are)</span>
          )}
        </label>
      )}

      {errors.length > 0 && (
        <ul className="config-errors" role="alert">
          {errors.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}

      <div className="config-actions">
        {type !== 'Input' && type !== 'Output' && (
          <button
            type="button"
            className="btn btn-ghost btn-small"
            data-testid="duplicate-layer"
            onClick={duplicate}
            title="Duplicate (Ctrl+D)"
          >
            Duplicate
          </button>
        )}
        {node.deletable !== false && (
          <button
            type="button"
            className="btn btn-ghost btn-small btn-delete"
            onClick={() => onNodesChange([{ type: 'remove', id: node.id }])}
          >
            Delete layer
          </button>
        )}
      </div>
    </div>
  );
}

function lossLabel(loss: TaskShape['head']['loss']): string {
  return {
    categoricalCrossentropy: 'categorical cross-entropy',
    binaryCrossentropy: 'binary cross-entropy',
    meanSquaredError: 'mean squared error',
  }[loss];
}

/** A head with a target of its own: what it outputs for that column. */
function headExplanation(head: BoundHead): string {
  return outputExplanation({ inputWidth: 0, labels: head.labels, head: head.head }).replace(
    'Set by the task chosen in Data.',
    `Set by its target, "${head.target}".`,
  );
}

function outputExplanation(shape: TaskShape | null): string {
  if (!shape) return 'Follows the task chosen in Data.';
  const { head, labels } = shape;
  if (head.activation === 'softmax')
    return `One probability per class (${(labels ?? []).join(', ')}); softmax makes them sum to 1. Set by the task chosen in Data.`;
  if (head.activation === 'sigmoid')
    return `The probability of "${labels?.[1] ?? 'the second class'}" (vs "${labels?.[0] ?? 'the first'}"). Set by the task chosen in Data.`;
  return 'One number: the predicted value (standardised during training, scaled back on export). Set by the task chosen in Data.';
}
