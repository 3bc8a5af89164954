import { useTrainForm } from '../../app/context';
import { changeText } from './train-form';

/** Above the training settings: the settings the last one-click fix changed, highlighted below. */
export function FixChanges() {
  const changed = useTrainForm((s) => s.changed);
  if (changed.length === 0) return null;
  return (
    <div className="fix-changes" role="status" data-testid="fix-changes">
      <strong>A diagnosis fix changed {changed.length === 1 ? 'this setting' : 'these settings'}</strong> (highlighted
      below): {changed.map(changeText).join('; ')}.
    </div>
  );
}
