// Boots a bench child process: children do not inherit the parent's TypeScript loader, so this
// plain-JS entry registers tsx first, then loads the TypeScript module named on the command line.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';

register();
await import(pathToFileURL(process.argv[2]).href);
