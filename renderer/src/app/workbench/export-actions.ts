import type { ExportOptions } from '../../../../app/engine/export-options';
import type { EventPayload } from '../../../../app/ipc/contract';
import { messageOf } from '../../lib/errors';
import type { WorkbenchCore } from './core';

/** What is done with a trained run: export, the playground's predictions, evaluation and the learning curve. */
export function createExportActions(core: WorkbenchCore) {
  const { api, stores, currentId, patchCurrent } = core;
  const { project } = stores;

  /** The running export's id, for export.cancel. */
  let exportId: string | null = null;

  const openProjectId = () => {
    const projectId = currentId();
    if (!projectId) throw new Error('Open a project first.');
    return projectId;
  };

  return {
    async exportRun(
      runId: string,
      outDir: string | null,
      options: ExportOptions = { format: 'tfjs', quantize: null, float16Weights: false },
    ) {
      const projectId = currentId();
      if (!projectId || project.getState().exporting) return;
      const id = `export-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      exportId = id;
      project.setState({
        exporting: true,
        exportProgress: null,
        exportCancelling: false,
        exportCancelled: false,
        exportResult: null,
        exportError: null,
      });
      const off = api.on('export.progress', ({ exportId: from, ...progress }) => {
        if (from === id) project.setState({ exportProgress: progress });
      });
      try {
        const result = await api.invoke('export.model', { projectId, runId, outDir, ...options, exportId: id });
        if (projectId === currentId()) project.setState({ exportResult: result });
      } catch (error) {
        // A cancelled export says so ("…cancelled; nothing was written to…"), where a failure would.
        if (projectId === currentId())
          project.setState({ exportError: messageOf(error), exportCancelled: project.getState().exportCancelling });
      } finally {
        off();
        exportId = null;
        project.setState({ exporting: false, exportProgress: null, exportCancelling: false });
      }
    },

    /** Stop the running export after its current step; it removes what it wrote. */
    async cancelExport() {
      if (exportId === null || project.getState().exportCancelling) return;
      project.setState({ exportCancelling: true });
      await api.invoke('export.cancel', { exportId }).catch(() => undefined);
    },

    /** The playground's form for a trained run: its raw input columns, prefilled. */
    async predictInputs(runId: string) {
      return api.invoke('run.predictInputs', { projectId: openProjectId(), runId });
    },

    /** Predict raw rows (column → cell text) with a trained run's model; rejects with a message naming the row and column. */
    async predict(runId: string, rows: Array<Record<string, string>>) {
      return api.invoke('run.predict', { projectId: openProjectId(), runId, rows });
    },

    /**
     * A finished run's model on its validation split, with the raw rows behind each number. The test
     * split only on explicit request; a test evaluation is stored with the run, so the runs list is refreshed.
     */
    async evaluate(runId: string, split: 'validation' | 'test' = 'validation') {
      const projectId = openProjectId();
      const result = await api.invoke('run.evaluate', { projectId, runId, split });
      if (split === 'test' && projectId === currentId()) {
        const run = await api.invoke('run.get', { projectId, runId });
        patchCurrent((s) => ({ ...s, runs: s.runs.map((r) => (r.id === runId ? run : r)) }));
      }
      return result;
    },

    /** Retrain a finished run on growing shares of its training rows; resolves with the curve (or rejects with why). */
    async learningCurve(runId: string) {
      return api.invoke('run.learningCurve', { projectId: openProjectId(), runId });
    },

    async cancelLearningCurve(runId: string) {
      const projectId = currentId();
      if (projectId) await api.invoke('run.cancelLearningCurve', { projectId, runId });
    },

    /** Listen to learning-curve progress; returns the unsubscribe function. */
    onLearningCurveProgress(listener: (progress: EventPayload<'run.learningCurveProgress'>) => void): () => void {
      return api.on('run.learningCurveProgress', listener);
    },
  };
}
