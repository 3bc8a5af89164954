import path from 'node:path';
import { MAX_PREDICT_VALUES } from '../../app/engine/protocol';
import { UserError } from '../../app/ipc/errors';
import type { ImagePrediction, PredictImageFile, PredictImagesResult } from '../../app/ipc/predict-images-contract';
import type { ProjectService } from '../data';
import { decodeImage } from '../data/images';
import type { EngineClient } from '../engine/client';
import { loadRunModel, toPrediction } from './predict-run';

/**
 * The playground's image drop zone, main side: each dropped file is decoded by the import's own
 * decoder (decodeImage: EXIF rotation, black flatten, colour, fit, size) with the options the
 * run's preprocessing.json recorded, scaled as it says, and predicted by the engine. A file that
 * is not an image, is damaged or too large gets its own message; the others still predict.
 */

interface Decoded {
  at: number;
  pixels: Uint8Array;
}

export async function predictImages(
  deps: { projects: ProjectService; engine: EngineClient },
  projectId: string,
  runId: string,
  files: readonly PredictImageFile[],
): Promise<PredictImagesResult> {
  const { modelDir, preprocessing } = await loadRunModel(deps, projectId, runId);
  const image = preprocessing.image;
  if (!image)
    throw new UserError(`Run ${runId} reads table rows, not images: type a row into the playground's form instead.`);
  const options = { width: image.width, height: image.height, color: image.color, fit: image.fit };
  const size = image.width * image.height * image.channels;

  const results: ImagePrediction[] = files.map((f) => ({
    name: f.name,
    thumbnail: null,
    label: null,
    probabilities: null,
    error: null,
  }));
  const decoded: Decoded[] = [];
  // One at a time: sharp already spreads a decode over its threads, and 16 full-size photos at once would hold gigabytes.
  for (const [at, file] of files.entries()) {
    const result = await decodeImage(Buffer.from(file.data, 'base64'), path.extname(file.name), options, true);
    const slot = results[at]!;
    if (!result.ok) {
      slot.error = `${file.name}: ${result.reason}`;
      continue;
    }
    if (result.thumbnail) slot.thumbnail = `data:image/webp;base64,${Buffer.from(result.thumbnail).toString('base64')}`;
    decoded.push({ at, pixels: result.pixels });
  }

  // As few engine requests as the protocol's size cap allows (the model is loaded once per request).
  const perRequest = Math.max(1, Math.floor(MAX_PREDICT_VALUES / size));
  for (let start = 0; start < decoded.length; start += perRequest) {
    const group = decoded.slice(start, start + perRequest);
    const x = new Float32Array(group.length * size);
    group.forEach(({ pixels }, g) => {
      for (let k = 0; k < size; k += 1) x[g * size + k] = pixels[k]! * image.scale;
    });
    const outputs = await deps.engine.predict({ modelDir, inputWidth: size, x });
    if (outputs.length !== group.length)
      throw new UserError(`The engine returned ${outputs.length} predictions for ${group.length} images.`);
    group.forEach(({ at }, g) => {
      const prediction = toPrediction(preprocessing, outputs[g]!, at);
      Object.assign(results[at]!, { label: prediction.label, probabilities: prediction.probabilities });
    });
  }
  return { target: preprocessing.target, labels: preprocessing.labels ?? [], images: results };
}
