import { seededShuffle } from '../../../app/math/seeded-random';
import { UserError } from '../../../app/ipc/errors';

export interface ImageSplit {
  train: number[];
  validation: number[];
}

/**
 * A seeded split stratified by class: each class gives the same share to validation, so a rare
 * class is not left out of it by chance. Every class with at least two images keeps one on
 * each side. Indices are returned sorted (reading shards in order is kinder to the disk; the
 * batch reader shuffles anyway).
 */
export function stratifiedSplit(labels: readonly number[], validationSplit: number, seed: number): ImageSplit {
  if (!(validationSplit > 0 && validationSplit < 1))
    throw new UserError(`The validation split must be between 0 and 1 (got ${validationSplit}).`);
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  });
  const train: number[] = [];
  const validation: number[] = [];
  for (const [label, members] of [...byClass.entries()].sort((a, b) => a[0] - b[0])) {
    // A different stream per class, so adding images to one class does not reshuffle the others.
    seededShuffle(members, (seed ^ Math.imul(label + 1, 0x27d4eb2f)) >>> 0);
    const take =
      members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * validationSplit)));
    validation.push(...members.slice(0, take));
    train.push(...members.slice(take));
  }
  if (train.length === 0 || validation.length === 0)
    throw new UserError(`${labels.length} images are too few to split into training and validation.`);
  return { train: train.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}
