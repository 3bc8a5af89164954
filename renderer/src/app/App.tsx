import { useProject } from './context';
import { Banners } from './Banners';
import { TopBar } from './TopBar';
import { ProjectsScreen } from '../features/projects/ProjectsScreen';
import { DataStep } from '../features/dataset/DataStep';
import { FileDropOverlay } from '../features/dataset/FileDropOverlay';
import { ModelStep } from '../features/graph/ModelStep';
import { TrainStep } from '../features/train/TrainStep';
import { ExportStep } from '../features/export/ExportStep';
import './app.css';

export function App() {
  const hasProject = useProject((s) => s.current !== null);
  const opening = useProject((s) => s.openingId !== null && s.current === null);
  const step = useProject((s) => s.step);

  return (
    <div className="app">
      <TopBar />
      <Banners />
      <main className="app-main">
        {hasProject ? (
          <>
            {step === 'data' && <DataStep />}
            {step === 'model' && <ModelStep />}
            {step === 'train' && <TrainStep />}
            {step === 'export' && <ExportStep />}
          </>
        ) : opening ? (
          <div className="app-loading" role="status">
            Opening project…
          </div>
        ) : (
          <ProjectsScreen />
        )}
      </main>
      <FileDropOverlay />
    </div>
  );
}
