/** Entry point of the operator console (served by the hub). */
import '../shared/zod-config.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import { ConsoleApp } from './app.tsx';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks the #root element.');
createRoot(root).render(
  <StrictMode>
    <ConsoleApp />
  </StrictMode>,
);
