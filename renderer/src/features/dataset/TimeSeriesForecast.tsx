import type { ForecastReport } from '../../../../app/dataset/windows';
import { formatStat } from '../../lib/format';

const CHANGE: Record<ForecastReport['differencing'], string> = {
  none: '',
  diff: ' The model predicts the change; it is added back to the last value.',
  pct: ' The model predicts the percent change (the MAE above is in those units); it is applied back to the last value here.',
};

/**
 * A finished forecaster against the naive last value on the validation windows, both in the
 * target's own units: with differencing, the epoch metrics are in the model's units instead.
 */
export function TimeSeriesForecast({ forecast, target }: { forecast: ForecastReport; target: string }) {
  const beats = forecast.model_val_mae < forecast.baseline_val_mae;
  return (
    <p className="forecast-line" data-testid="forecast-report">
      <strong>
        Forecast {forecast.horizon} step{forecast.horizon === 1 ? '' : 's'} ahead
      </strong>
      , in “{target}” units over {forecast.val_windows} validation windows: this model’s MAE{' '}
      <strong>{formatStat(forecast.model_val_mae)}</strong> {beats ? 'beats' : 'does not beat'} the naive last value’s{' '}
      <strong>{formatStat(forecast.baseline_val_mae)}</strong>.
      <span className="muted">{CHANGE[forecast.differencing]}</span>
    </p>
  );
}
