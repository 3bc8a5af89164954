import { createStore } from 'zustand/vanilla';
import type { ExportResult } from '../../../../app/engine/protocol';
import type { AppInfo, ProjectListItem, ProjectState } from '../../../../app/ipc/contract';
import type { ExportProgress } from '../../../../app/progress/work-progress';

export type Step = 'data' | 'model' | 'train' | 'export';
export const STEPS: readonly Step[] = ['data', 'model', 'train', 'export'];

export interface ProjectStoreState {
  appInfo: AppInfo | null;
  /** The engine as last reported (app.info, then engine.status events). */
  engine: AppInfo['engine'] | null;
  projects: ProjectListItem[] | null;
  listError: string | null;
  /** The open project. Its taskSpec and trainConfig are kept current locally as the user edits. */
  current: ProjectState | null;
  openingId: string | null;
  openError: string | null;
  creating: boolean;
  createError: string | null;
  step: Step;
  /** The file being imported, while it is. */
  importing: string | null;
  /** Host mode: the file being uploaded before its import, and how far. */
  upload: { name: string; sent: number; total: number } | null;
  /** The CSV last imported by path in this window, so Re-import can read it again with other options. */
  lastImport: { name: string; path: string } | null;
  importError: string | null;
  saveError: string | null;
  exporting: boolean;
  /** The running export's step, while it runs. */
  exportProgress: ExportProgress | null;
  /** Cancel was asked for the running export (it stops after its current step). */
  exportCancelling: boolean;
  /** The last export ended because the user cancelled it (exportError then says so). */
  exportCancelled: boolean;
  /** The last export of this session (kept while the user moves between steps). */
  exportResult: ExportResult | null;
  exportError: string | null;
}

export type ProjectStore = ReturnType<typeof createProjectStore>;

export function createProjectStore() {
  return createStore<ProjectStoreState>()(() => ({
    appInfo: null,
    engine: null,
    projects: null,
    listError: null,
    current: null,
    openingId: null,
    openError: null,
    creating: false,
    createError: null,
    step: 'data',
    importing: null,
    upload: null,
    lastImport: null,
    importError: null,
    saveError: null,
    exporting: false,
    exportProgress: null,
    exportCancelling: false,
    exportCancelled: false,
    exportResult: null,
    exportError: null,
  }));
}
