/**
 * `fedunify join --ui`: the participant engine driven from the browser UI. The invite and the data
 * are optional here: whatever is not given on the command line is supplied in the UI.
 */
import { homedir } from 'node:os';
import { join as joinPath } from 'node:path';
import { ParticipantEngine } from '../../core/participant/engine.ts';
import type { LogEntry } from '../../core/wire/protocol.ts';
import { chromiumOpener } from '../../core/train/chromium-engine.ts';
import { TabEngines } from '../tab-engine.ts';
import { startParticipantUi } from '../ui-server.ts';
import { dataSourceFromOptions, type JoinOptions } from './join.ts';

export type JoinUiOptions = Partial<JoinOptions> & {
  uiPort?: number;
  /** Train WebGPU/WebGL in the UI's own tab (the tab then receives batches of the training data). */
  gpuTab?: boolean;
};

function printLog(e: LogEntry): void {
  process.stderr.write(`[${e.ts.slice(11, 19)}] ${e.level.padEnd(5)} ${e.message}\n`);
}

/** Starts an engine and its local UI server; loads data and joins when the options give them. */
export async function runJoinUi(
  o: JoinUiOptions,
): Promise<{ engine: ParticipantEngine; close(): Promise<void> }> {
  // Validate the command-line data before anything starts, so a typo fails fast with its message.
  const dataSource = o.data
    ? dataSourceFromOptions({ ...o, invite: o.invite ?? '', data: o.data })
    : undefined;
  // With --gpu-tab, WebGPU/WebGL train in the UI's own tab when it is open (the user's browser and
  // GPU), else in headless Chromium as for `join`. Opt-in: the tab receives batches of the training
  // data, and a UI reached through an SSH tunnel runs in a browser on another machine.
  const tabs = o.gpuTab ? new TabEngines() : undefined;
  const engine = new ParticipantEngine({
    backend: o.backend ?? 'auto',
    browserOpener: tabs ? tabs.opener(chromiumOpener()) : chromiumOpener(),
    stateDir: o.stateDir ?? joinPath(homedir(), '.fedunify', 'participant'),
    approveUploads: o.approve ?? false,
    testLimit: o.testLimit,
    maxModelParams: o.maxModelParams,
    onLog: printLog,
  });
  const ui = await startParticipantUi(engine, { port: o.uiPort, tabEngines: tabs });
  if (dataSource) {
    const loaded = await engine.loadData(dataSource);
    if (!loaded.ok) process.stderr.write(`${loaded.error}\nChoose the data in the UI instead.\n`);
  }
  if (o.invite) {
    const joined = await engine.join(o.invite);
    if (!joined.ok) process.stderr.write(`${joined.error}\nPaste an invite in the UI instead.\n`);
  }
  return { engine, close: ui.close };
}
