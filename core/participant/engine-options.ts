/**
 * The options of a ParticipantEngine: what the CLI, the desktop app and tests configure (invite,
 * data, backend, state folder, seams for fakes, retry limits). Its own module so the engine file
 * holds behaviour only; engine.ts re-exports the type.
 */
import type { DataSource } from '../wire/bridge.ts';
import type { LogEntry } from '../wire/protocol.ts';
import type { BrowserOpener } from '../train/training-backend.ts';
import type { BackoffOptions } from './connection.ts';
import type { KeyProtector } from './identity-store.ts';
import type { ParticipantRuntime, TransportFactory } from './types.ts';

/** How a ParticipantEngine is configured. */
export interface ParticipantEngineOptions {
  /** The invite; optional when the UI supplies it later through join(). */
  invite?: string;
  /** The local data; optional when the UI supplies it later through loadData(). */
  dataSource?: DataSource;
  /** 'auto' | 'tensorflow' | 'wasm' | 'cpu' | 'webgpu' | 'webgl'. */
  backend?: string;
  /** How to reach the GPU engine page for WebGPU/WebGL (default: headless Chromium; null: never). */
  browserOpener?: BrowserOpener | null;
  /** Where the local logs and the instance id live. */
  stateDir: string;
  /** Stable id of this installation; read from (or written to) stateDir/instance-id when absent. */
  instanceId?: string;
  /** Ask the user before each upload (decideUpload). */
  approveUploads?: boolean;
  /** At most this many local test samples (evaluation is per round, so it is worth bounding). */
  testLimit?: number;
  transport?: TransportFactory;
  runtime?: ParticipantRuntime;
  backoff?: BackoffOptions;
  ackTimeoutMs?: number;
  /** Refuse jobs whose model has more parameters (default DEFAULT_MAX_MODEL_PARAMS, 50 M). */
  maxModelParams?: number;
  maxSendAttempts?: number;
  /** Called with every log entry (the CLI prints them). */
  onLog?: (entry: LogEntry) => void;
  /** Encrypts the identity key at rest (the desktop app passes Electron safeStorage). */
  keyProtector?: KeyProtector;
  /** Research only (`join --attack`): how this participant corrupts what it sends; see attack.ts. */
  attack?: string;
}
