import { useStore } from 'zustand';
import { useWorkbench } from '../../app/context';
import type { ImageImport, ImageImportState } from './image-import';

export function useImageImport<T>(selector: (state: ImageImportState) => T): T {
  return useStore(useWorkbench().images.store, selector);
}

export function useImageActions(): ImageImport['actions'] {
  return useWorkbench().images.actions;
}
