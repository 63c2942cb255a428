/**
 * Entry of the embedded hub's utility process (bundled to dist/electron/hub-process.mjs, ESM). The hub
 * unifies and evaluates models each round; in its own process that work never freezes the UI,
 * and a hub crash cannot take the participant window down with it.
 *
 * The hub itself is loaded from its TypeScript sources through tsx rather than bundled: it locates
 * package.json, its evaluation worker (eval-worker.ts, started with `--import tsx`) and files
 * relative to its own source, which a bundle would break.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type * as HubModule from '../hub/index.ts';
import type { HubInfo } from '../core/wire/bridge.ts';
import { parentChannel } from './parent-channel.ts';
import { serveRpc } from './process-rpc.ts';
import { hubStartOptionsSchema, describeIssues } from '../core/wire/bridge-schemas.ts';

type RunningHub = Awaited<ReturnType<typeof HubModule.startHub>>;

function main(): void {
  const appRoot = process.env.FEDUNIFY_APP_ROOT;
  if (appRoot === undefined || appRoot === '') {
    throw new Error('FEDUNIFY_APP_ROOT is not set: the desktop app passes where its files are.');
  }
  const entry = pathToFileURL(path.join(appRoot, 'hub/index.ts')).href;
  let running: RunningHub | null = null;
  serveRpc(parentChannel(), {
    async start(options: unknown): Promise<HubInfo> {
      if (running !== null) throw new Error('The hub is already running.');
      const parsed = hubStartOptionsSchema.safeParse(options);
      if (!parsed.success || parsed.data.dataDir === undefined) {
        throw new Error(
          `Bad hub options: ${parsed.success ? 'dataDir missing' : describeIssues(parsed.error)}`,
        );
      }
      const { dataDir, port = 7443, host = '0.0.0.0' } = parsed.data;
      // tsImport resolves to the module namespace; its type is the hub's own index.ts.
      const hubModule = (await tsImport(entry, entry)) as typeof HubModule;
      const hub = await hubModule.startHub({
        dataDir,
        port,
        host,
        consoleDir: path.join(appRoot, 'dist/renderer/console'),
      });
      if (hub.fingerprint === null) {
        await hub.close();
        throw new Error('The hub started without TLS; the desktop app only hosts TLS hubs.');
      }
      running = hub;
      return {
        url: hub.url,
        fingerprint: hub.fingerprint,
        operator: { username: hub.operator.username, password: hub.operator.password ?? null },
      };
    },
    async stop(): Promise<void> {
      const hub = running;
      running = null;
      if (hub !== null) await hub.close();
    },
  });
}

main();
