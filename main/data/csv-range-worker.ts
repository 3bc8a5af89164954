/**
 * The second thread of a large import (csv-range-thread.ts starts it): reads its byte range of
 * the file into the shared columns and posts a RangeResult; then profiles the columns it is
 * asked to, once the main thread has read the rest, and posts their profiles.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readNumberRange, type RangeTask } from './csv-range';
import type { ProfileRequest } from './csv-range-thread';

const task = workerData as RangeTask;
// Loaded while the range is read (the module loader works on a thread of its own).
const profiling = import('./profile');
parentPort?.postMessage(readNumberRange(task));
parentPort?.on('message', (request: ProfileRequest) => {
  void profiling.then(({ profileStoredColumn }) => {
    const profiles = request.columns.map(({ index, name }) =>
      profileStoredColumn(name, (task.columns[index] as Float64Array).subarray(0, request.rows), null),
    );
    parentPort?.postMessage(profiles);
  });
});
