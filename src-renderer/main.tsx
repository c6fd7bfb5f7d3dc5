// The shared base first: each component's own CSS (imported by it) comes after it.
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { createRendererBinding } from './bridge/ipc.js';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App binding={createRendererBinding()} />
  </StrictMode>,
);
