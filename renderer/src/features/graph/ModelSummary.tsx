import { formatShape } from '../../../../app/graph';
import { useGraph } from '../../app/context';
import { formatInt } from '../../lib/format';

/** Like Keras' model.summary(): layers in the order data flows through them. */
export function ModelSummary() {
  const nodes = useGraph((s) => s.nodes);
  const analysis = useGraph((s) => s.analysis);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ordered = [...analysis.order, ...nodes.map((n) => n.id).filter((id) => !analysis.order.includes(id))];
  return (
    <section className="model-summary" aria-labelledby="summary-title">
      <h2 id="summary-title" className="side-title">
        Model summary
      </h2>
      <table className="table summary-table" data-testid="model-summary">
        <thead>
          <tr>
            <th>Layer (type)</th>
            <th>Output shape</th>
            <th className="num">Param #</th>
          </tr>
        </thead>
        <tbody>
          {ordered.map((id) => {
            const node = byId.get(id);
            const info = analysis.nodes[id];
            if (!node) return null;
            return (
              <tr key={id} className={info?.errors.length ? 'has-error' : undefined}>
                <td>
                  {node.data.name ?? id} <span className="muted layer-type-name">({node.data.type})</span>
                </td>
                <td className="mono">{formatShape(info?.outputShape)}</td>
                <td className="num">{formatInt(info?.params ?? 0)}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <td colSpan={2}>Total params</td>
            <td className="num" data-testid="total-params">
              {formatInt(analysis.totalParams)}
            </td>
          </tr>
          <tr>
            <td colSpan={2}>Trainable params</td>
            <td className="num" data-testid="trainable-params">
              {formatInt(analysis.trainableParams)}
            </td>
          </tr>
          <tr title="Parameters training leaves alone: a frozen layer's, and BatchNormalization's moving statistics">
            <td colSpan={2}>Non-trainable params</td>
            <td className="num" data-testid="non-trainable-params">
              {formatInt(analysis.nonTrainableParams)}
            </td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
