import type { TaskSpec } from '../../../../app/dataset/schema';

/**
 * The sample datasets of resources/ (see its README), offered on the first screen: one click makes
 * a project, imports the file as any CSV is imported and sets the task up, so a new user sees the
 * whole path (data, model, training, export) before bringing their own data. The files are part
 * of the renderer's bundle, loaded only when chosen.
 */
export interface Sample {
  id: string;
  /** The project's name. */
  name: string;
  file: string;
  /** What it teaches, in a line. */
  blurb: string;
  kind: string;
  load: () => Promise<string>;
  spec: TaskSpec;
}

export const SAMPLES: readonly Sample[] = [
  {
    id: 'iris',
    name: 'Iris flowers (example)',
    file: 'iris.csv',
    blurb: 'Tell three iris species apart from four petal and sepal measurements.',
    kind: 'Classification · 150 rows',
    load: async () => (await import('../../../../resources/iris.csv?raw')).default,
    spec: { target: 'species', task: 'classification' },
  },
  {
    id: 'house-prices',
    name: 'House prices (example)',
    file: 'house-prices.csv',
    blurb: 'Predict a sale price from size, rooms, age and neighbourhood (synthetic data).',
    kind: 'Regression · 400 rows',
    load: async () => (await import('../../../../resources/house-prices.csv?raw')).default,
    spec: { target: 'price_keur', task: 'regression' },
  },
  {
    id: 'stock-prices',
    name: 'Stock prices (example)',
    file: 'stock-prices.csv',
    blurb: "Forecast tomorrow's close from the last five trading days (a synthetic stock).",
    kind: 'Time series · 756 days',
    load: async () => (await import('../../../../resources/stock-prices.csv?raw')).default,
    spec: {
      target: 'Close',
      task: 'regression',
      timeSeries: { timeColumn: 'Date', lookback: 5, horizon: 1, differencing: 'pct' },
    },
  },
];
