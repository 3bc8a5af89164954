import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { ConnectionState } from '../api/connection-store';
import type { GraphActions, GraphState } from '../features/graph/graph-store';
import type { ProjectStoreState } from '../features/projects/project-store';
import type { RunState } from '../features/train/run-store';
import type { TrainFormState } from '../features/train/train-form';
import type { SetupState } from './workbench/setup-sync';
import type { Workbench } from './workbench';

const WorkbenchContext = createContext<Workbench | null>(null);

export function WorkbenchProvider({ workbench, children }: { workbench: Workbench; children: ReactNode }) {
  return <WorkbenchContext.Provider value={workbench}>{children}</WorkbenchContext.Provider>;
}

export function useWorkbench(): Workbench {
  const workbench = useContext(WorkbenchContext);
  if (!workbench) throw new Error('useWorkbench must be used inside <WorkbenchProvider>.');
  return workbench;
}

export function useActions(): Workbench['actions'] {
  return useWorkbench().actions;
}

export function useProject<T>(selector: (state: ProjectStoreState) => T): T {
  return useStore(useWorkbench().stores.project, selector);
}

export function useGraph<T>(selector: (state: GraphState & GraphActions) => T): T {
  return useStore(useWorkbench().stores.graph, selector);
}

export function useRuns<T>(selector: (state: RunState) => T): T {
  return useStore(useWorkbench().stores.runs, selector);
}

export function useTrainForm<T>(selector: (state: TrainFormState) => T): T {
  return useStore(useWorkbench().stores.trainForm, selector);
}

/** The training setup as a run would be checked (app/setup's resolveSetup over the open project, the graph and the settings). */
export function useSetup<T>(selector: (state: SetupState) => T): T {
  return useStore(useWorkbench().stores.setup, selector);
}

export function useConnection<T>(selector: (state: ConnectionState) => T): T {
  return useStore(useWorkbench().stores.connection, selector);
}

/** What the window's host can do with files (renderer/src/app/host): native dialogs, uploads, the host's file browser. */
export function useHost(): Workbench['host'] {
  return useWorkbench().host;
}
