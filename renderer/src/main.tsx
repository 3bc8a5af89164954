import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles/tokens.css';
import './styles/base.css';
import './styles/controls.css';
import './styles/charts.css';
import { createDefaultClient } from './api';
import { App } from './app/App';
import { initTheme } from './app/theme';
import { WorkbenchProvider } from './app/context';
import { createWorkbench } from './app/workbench';

initTheme();
const workbench = createWorkbench(createDefaultClient());
void workbench.actions.init();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <WorkbenchProvider workbench={workbench}>
      <App />
    </WorkbenchProvider>
  </StrictMode>,
);
