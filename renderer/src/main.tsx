import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles/tokens.css';
import './styles/base.css';
import './styles/controls.css';
import { createDefaultClient } from './api';
import { App } from './app/App';
import { WorkbenchProvider } from './app/context';
import { createWorkbench } from './app/workbench';

const workbench = createWorkbench(createDefaultClient());
void workbench.actions.init();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <WorkbenchProvider workbench={workbench}>
      <App />
    </WorkbenchProvider>
  </StrictMode>,
);
