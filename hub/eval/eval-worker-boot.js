// Boots the hub evaluation worker: workers do not inherit the parent's TypeScript loader, so this
// plain-JS entry registers tsx first, then loads the TypeScript worker next to it.
import { register } from 'tsx/esm/api';

register();
await import('./eval-worker.ts');
