import { createStore } from 'zustand/vanilla';

/**
 * A model dropped anywhere on the window, on its way to the Model step's "Import model" (which asks
 * before replacing a graph the user built, and says what was imported): the model file's path in
 * the desktop app, the dropped files themselves in a browser (model.json with its weight shards).
 */
export type DroppedModel = File[] | { path: string };

export const droppedModel = createStore<{ pending: DroppedModel | null }>()(() => ({ pending: null }));

/** A file that is a model to import: a TF.js model.json, a Keras .h5 or .keras. */
export const isModelName = (name: string) => /\.(json|h5|hdf5|keras)$/i.test(name);

/** Takes the dropped model, once: the first view to take it imports it. */
export function takeDroppedModel(): DroppedModel | null {
  const { pending } = droppedModel.getState();
  if (pending) droppedModel.setState({ pending: null });
  return pending;
}
