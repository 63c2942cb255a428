// Boots an order-statistics worker: workers do not inherit the parent's TypeScript loader, so
// this plain-JS entry registers tsx first, then loads the TypeScript worker next to it.
import { register } from 'tsx/esm/api';

register();
await import('./order-stat-worker.ts');
