/** Entry point of the participant app (Electron window, or a browser tab opened by `join --ui`). */
import '../shared/zod-config.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import { ParticipantApp } from './app.tsx';
import { useParticipant } from './store/index.ts';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks the #root element.');
void useParticipant.getState().connect();
createRoot(root).render(
  <StrictMode>
    <ParticipantApp />
  </StrictMode>,
);
