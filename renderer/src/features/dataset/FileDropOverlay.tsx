import { useEffect, useRef, useState } from 'react';
import { useActions, useHost, useProject } from '../../app/context';
import { droppedModel, isModelName } from '../../app/host/dropped-model';
import { imageDrop, isZipName, selectionFromPath } from './image-files';
import { useImageActions } from './use-image-import';

const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');

/**
 * A file dropped anywhere on the window is imported into the open project, whatever step is
 * shown: a CSV, an image folder or .zip on the Data step, a model (model.json with its weights,
 * .h5, .keras) on the Model step's import. Without this the browser would navigate away to the
 * file, losing the page. Drags that carry no files (palette layers) pass by.
 */
export function FileDropOverlay() {
  const { importFile, setStep } = useActions();
  const host = useHost();
  const images = useImageActions();
  const importing = useProject((s) => s.importing);
  const hasProject = useProject((s) => s.current !== null);
  const [visible, setVisible] = useState(false);
  const depth = useRef(0);
  const busy = useRef(importing);
  busy.current = importing;
  const open = useRef(hasProject);
  open.current = hasProject;

  useEffect(() => {
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current += 1;
      setVisible(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setVisible(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      setVisible(false);
      const file = e.dataTransfer?.files[0];
      const all = [...(e.dataTransfer?.files ?? [])];
      const model = all.find((f) => isModelName(f.name));
      if (model && !busy.current && open.current) {
        // The desktop app imports the model where it lies (model.json finds its shards beside it); a browser sends the files.
        const pending = host.capabilities.nativeDialogs
          ? host.pathOf(model).then((path) => ({ path }))
          : Promise.resolve(all);
        void pending.then(
          (dropped) => {
            droppedModel.setState({ pending: dropped });
            setStep('model');
          },
          () => undefined,
        );
        return;
      }
      // The desktop app knows where a dropped file or folder lies: it is imported from there, whatever its size.
      if (host.capabilities.nativeDialogs && file && !busy.current && open.current) {
        const isFolder = e.dataTransfer?.items[0]?.webkitGetAsEntry?.()?.isDirectory === true;
        if (isFolder || isZipName(file.name)) {
          void host.pathOf(file).then(
            (path) => images.select(selectionFromPath(path, isFolder ? 'folder' : 'zip')),
            () => undefined,
          );
        } else void importFile(file);
        return;
      }
      // A folder or a .zip is an image dataset: it waits for its size, colour and fit.
      const selection = e.dataTransfer && !busy.current && open.current ? imageDrop(e.dataTransfer) : null;
      if (selection) {
        void selection.then(images.select, () => undefined);
        return;
      }
      // Without an open project there is nowhere to import to; the overlay said so.
      if (file && !busy.current && open.current) {
        void importFile(file);
      }
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [importFile, images, host, setStep]);

  if (!visible) return null;
  return (
    <div className="file-drop-overlay" aria-hidden="true">
      <div className="file-drop-card">
        {hasProject
          ? 'Drop the CSV file, image folder, .zip or model to import it'
          : 'Create or open a project first, then drop the file'}
      </div>
    </div>
  );
}
