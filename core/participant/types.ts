/**
 * The seams of the participant engine: the transport to the hub and the local compute runtime.
 * Both are passed in through the constructor so tests can use in-memory fakes; the defaults are
 * socket.io over pinned TLS (transport.ts) and TensorFlow.js (default-runtime.ts).
 */
import type { OwnerSplit } from '../data/types.ts';
import type { ModelSpec, WeightManifest } from '../model/spec.ts';
import type {
  Ack,
  AuthChallenge,
  BackendInfo,
  DatasetSummary,
  FederationClientEvents,
  FederationServerEvents,
  ParticipantAuth,
  ParticipantStatus,
} from '../wire/protocol.ts';
import type { DataSource, TrainingProgress } from '../wire/bridge.ts';

/** Client → hub events that expect an acknowledgement. */
export type AckedEvent = Exclude<keyof FederationClientEvents, 'participant:status'>;

/** The first argument of a client → hub event. */
export type ClientPayload<E extends keyof FederationClientEvents> = Parameters<FederationClientEvents[E]>[0];

/** One connection to the hub. Implementations never reconnect on their own: the engine decides. */
export interface FederationConnection {
  /** Registers a handler for a hub → participant event. */
  on<E extends keyof FederationServerEvents>(event: E, handler: FederationServerEvents[E]): void;
  /** Called when the connection is up (first time and after every `open()`). */
  onConnect(handler: () => void): void;
  /** Called when an open connection drops; `byServer` when the hub closed it on purpose. */
  onDisconnect(handler: (reason: string, byServer: boolean) => void): void;
  /** Called when an attempt to connect fails (network, TLS pin, or refused handshake). */
  onConnectError(handler: (err: { message: string; code?: string }) => void): void;
  /** Sends an acknowledged request; rejects when no answer comes in `timeoutMs`. */
  request<E extends AckedEvent>(event: E, msg: ClientPayload<E>, timeoutMs: number): Promise<Ack<object>>;
  /** Sends a fire-and-forget status. */
  notify(msg: ParticipantStatus): void;
  /** Starts (or restarts) connecting. */
  open(): void;
  /** Closes for good. */
  close(): void;
  readonly connected: boolean;
}

/** Builds a connection for a hub URL, its pinned fingerprint and the handshake auth. */
export type TransportFactory = (opts: {
  url: string;
  fingerprint: string | null;
  auth: ParticipantAuth;
  /** Largest frame the participant sends or accepts, from the model size. */
  maxBytes?: number;
  /** Signs a hub challenge with the participant's key (base64 signature); see core/crypto/identity.ts. */
  prove?: (challenge: AuthChallenge) => string;
}) => FederationConnection;

/** What a local training run reports. */
export interface TrainResult {
  loss: number;
  accuracy: number;
  samples: number;
  samplesPerSec: number;
  durationMs: number;
}

/** What a local evaluation reports. */
export interface EvalResult {
  accuracy: number;
  loss: number;
  samples: number;
}

/** Options of one local training run (the job's settings for one round). */
export interface TrainOptions {
  data: OwnerSplit['train'];
  epochs: number;
  steps: number | null;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  seed: number;
  /** FedProx μ (the job's proximalMu); absent or 0: plain local training. */
  proximalMu?: number;
  signal: AbortSignal;
  onProgress: (p: Omit<TrainingProgress, 'round'>) => void;
  /**
   * Training moved: the GPU engine page stopped answering (its tab closed, Chromium crashed) and
   * this round trains in-process from its start weights, or a page is back and training returns to it.
   */
  onBackendChange?: (backend: BackendInfo, message: string, level: 'info' | 'warn') => void;
}

/** A model the engine can load weights into, train and evaluate. */
export interface LocalModel {
  readonly manifest: WeightManifest;
  setWeights(weights: Float32Array[]): void;
  getWeights(): Float32Array[];
  train(opts: TrainOptions): Promise<TrainResult>;
  evaluate(data: OwnerSplit['test']): Promise<EvalResult>;
  dispose(): void;
}

/** Local data as the engine holds it: the split (never sent) and what may be shown or sent about it. */
export interface LoadedData {
  split: OwnerSplit;
  description: string;
  summary: DatasetSummary;
  samples: { label: number; width: number; height: number; channels: number; pixels: number[] }[];
}

/** The compute side of a participant: backend, data, model, weights codec. */
export interface ParticipantRuntime {
  selectBackend(pref: string): Promise<BackendInfo>;
  loadData(source: DataSource, opts: { testLimit?: number }): Promise<LoadedData>;
  /** Human-readable problems of the data against the job's model; empty when it fits. */
  checkData(data: LoadedData, model: ModelSpec): string[];
  manifest(model: ModelSpec): WeightManifest;
  createModel(model: ModelSpec): Promise<LocalModel>;
  encodeWeights(manifest: WeightManifest, weights: Float32Array[]): Uint8Array;
  /** Throws an Error saying what is wrong when the bytes do not match the manifest. */
  decodeWeights(bytes: Uint8Array, manifest: WeightManifest): Float32Array[];
}
