import { ProjectService } from '../data';
import { EngineClient } from '../engine/client';
import { createDispatch, type Dispatch } from '../ipc/dispatch';
import { EventBus } from '../ipc/event-bus';
import { appVersion } from '../package-root';
import { createHandlers } from './handlers';
import { RecentStore } from './recent';
import { RunManager } from './runs';
import { StudyManager } from './studies';

/** The package root and version (main/package-root.ts), here for the callers that wire services. */
export { appVersion, ROOT } from '../package-root';

export interface Services {
  dispatch: Dispatch;
  bus: EventBus;
  projects: ProjectService;
  engine: EngineClient;
  runs: RunManager;
  /** Recent projects and files, and the last folder per dialog kind (`<workspace>/recent.json`): the desktop app's native dialogs use it too. */
  recent: RecentStore;
  /**
   * Start-up's reconciliation: runs left 'running' by a process that died become 'interrupted'
   * (RunManager.reconcileInterrupted), then studies (StudyManager.reconcileInterrupted, which
   * resumes them by continuing those runs). Every request through dispatch waits for it.
   */
  ready: Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Everything the main side runs, wired once, for host mode, Electron and the CLI alike. The
 * engine starts in the background; callers that need it await engine.start().
 */
export function createServices(options: {
  workspace: string;
  mode: 'electron' | 'host';
  engine?: EngineClient;
  /** Host mode: folders besides the workspace that a request's path may name (`layerlab host --data-root`). */
  dataRoots?: readonly string[];
}): Services {
  const bus = new EventBus();
  const projects = new ProjectService(options.workspace);
  const engine = options.engine ?? new EngineClient();
  engine.onStatus((status) => bus.emit('engine.status', status));
  const runs = new RunManager({ projects, engine, bus });
  const studies = new StudyManager({ projects, runs, bus });
  const recent = new RecentStore(options.workspace, projects);
  const ready = runs
    .reconcileInterrupted()
    .then(() => studies.reconcileInterrupted())
    .then(
      () => undefined,
      (error: unknown) =>
        console.warn(
          `[layerlab] Could not check for interrupted runs and studies: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  const handle = createDispatch(
    createHandlers({
      mode: options.mode,
      version: appVersion(),
      workspace: options.workspace,
      projects,
      engine,
      runs,
      studies,
      bus,
      recent,
      ...(options.dataRoots ? { dataRoots: options.dataRoots } : {}),
    }),
  );
  const dispatch: Dispatch = async (channel, input) => {
    await ready;
    return handle(channel, input);
  };
  return {
    dispatch,
    bus,
    projects,
    engine,
    runs,
    recent,
    ready,
    dispose: async () => {
      engine.dispose();
    },
  };
}
