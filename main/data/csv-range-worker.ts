/**
 * The second thread of a large import (csv-range-thread.ts starts it). Given a range
 * (`{ range }`): reads its byte range of the file into the shared columns and posts a
 * RangeResult; then profiles the columns it is asked to, once the main thread has read the rest,
 * and posts their profiles. Given segments (`{ segments }`, an import too large for memory): reads
 * each segment it is sent into its set of columns and posts a SegmentResult, then profiles the
 * columns it is sent one at a time from the dataset folder's files, posting each profile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readNumberRange, segmentReader } from './csv-range';
import type { WorkerData, WorkerRequest } from './csv-range-thread';

const data = workerData as WorkerData;
// Loaded while the file is read (the module loader works on a thread of its own).
const profiling = Promise.all([import('./profile'), import('./column-spill')]);
if ('range' in data) {
  const task = data.range;
  parentPort?.postMessage(readNumberRange(task));
  parentPort?.on('message', (request: WorkerRequest) => {
    if (request.kind !== 'profile') return;
    void profiling.then(([{ profileStoredColumn }]) => {
      const profiles = request.columns.map(({ index, name }) =>
        profileStoredColumn(name, (task.columns[index] as Float64Array).subarray(0, request.rows), null),
      );
      parentPort?.postMessage(profiles);
    });
  });
} else {
  const read = segmentReader(data.segments);
  // One array for every column it loads (fresh memory is slow to touch).
  let space = new Float64Array(0);
  // Requests are answered in the order they came: a profile waits for the modules, a segment does not.
  let queue: Promise<unknown> = Promise.resolve();
  parentPort?.on('message', (request: WorkerRequest) => {
    queue = queue.then(async () => {
      if (request.kind === 'segment') {
        parentPort?.postMessage(read(request));
      } else if (request.kind === 'profile-file') {
        const [{ profileStoredColumn }, { readNumberColumn }] = await profiling;
        if (space.length < request.rows) space = new Float64Array(request.rows);
        const column = readNumberColumn(request.dir, request.index, space.subarray(0, request.rows));
        parentPort?.postMessage(profileStoredColumn(request.name, column, null));
      }
    });
  });
}
