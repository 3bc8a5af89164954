import h5wasm from 'h5wasm/node';
import { KerasExportError } from '../../../shared/keras-names';

/**
 * The little of h5wasm the Keras writers and readers need. h5wasm (HDF5 compiled to WebAssembly)
 * reads and writes real files through Node's file system, so what is written here is the file a
 * user gets, and what is read back is read from disk after the writer closed it.
 */
export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Group = InstanceType<typeof h5wasm.Group>;

let ready: Promise<unknown> | null = null;
export async function h5Ready(): Promise<void> {
  ready ??= h5wasm.ready;
  await ready;
}

export function openH5(file: string, mode: 'r' | 'w'): H5File {
  return new h5wasm.File(file, mode);
}

/** The group at "a/b/c", created with its parents when missing. */
export function groupAt(root: H5Group, path: string): H5Group {
  let group = root;
  for (const part of path.split('/').filter(Boolean)) {
    const existing = group.get(part);
    group = existing instanceof h5wasm.Group ? existing : group.create_group(part);
  }
  return group;
}

/** A little-endian float32 dataset, as h5py writes a float32 numpy array (contiguous, uncompressed). */
export function writeFloat32(group: H5Group, name: string, values: Float32Array, shape: readonly number[]): void {
  group.create_dataset({ name, data: values, shape: [...shape], dtype: '<f' });
}

export interface ReadWeight {
  /** Where it was read from, e.g. "layers/dense/vars/0" or "dense/kernel:0". */
  path: string;
  shape: number[];
  values: Float32Array;
}

/** A float32 dataset by its path; anything else is an error naming the file and the path. */
export function readFloat32(root: H5Group, path: string, source: string): ReadWeight {
  const ds = root.get(path);
  if (!(ds instanceof h5wasm.Dataset)) throw new KerasExportError(`${source}: ${path} is missing or is not a dataset.`);
  const value = ds.value;
  if (!(value instanceof Float32Array))
    throw new KerasExportError(`${source}: ${path} holds ${ds.dtype}, not float32.`);
  return { path, shape: [...(ds.shape ?? [])], values: new Float32Array(value) };
}

/** The datasets "0", "1", ... of a Keras 3 vars group, in index order (an absent group holds none). */
export function readVars(root: H5Group, groupPath: string, source: string): ReadWeight[] {
  const group = root.get(groupPath);
  if (!(group instanceof h5wasm.Group)) return [];
  const indices = group
    .keys()
    .map(Number)
    .sort((a, b) => a - b);
  return indices.map((i) => readFloat32(root, `${groupPath}/${i}`, source));
}

export function isGroup(entity: unknown): entity is H5Group {
  return entity instanceof h5wasm.Group;
}
