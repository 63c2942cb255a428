/**
 * The one typed bridge between the participant UI (renderer) and its engine. The Electron preload
 * implements it over IPC; `fedunify join --ui` implements it over an authenticated local WebSocket.
 * The renderer imports only these types.
 */
import type { JobSummary } from './job-summary.ts';
import type { Ack, BackendInfo, DatasetSummary, JobAssignment, JobEnd, LogEntry } from './protocol.ts';

/** Where local data comes from. */
export type DataSource =
  | {
      kind: 'fashion-mnist';
      path?: string;
      owner?: {
        env: 'V' | 'H' | 'iid' | 'dirichlet';
        index: number;
        seed: number;
        owners?: number;
        alpha?: number;
      };
      limit?: number;
    }
  | { kind: 'idx'; imagesPath: string; labelsPath: string; testImagesPath?: string; testLabelsPath?: string }
  | { kind: 'folder'; path: string }
  | { kind: 'csv'; path: string };

/** What the Data screen shows: counts, a histogram, a grid of samples, and what does not fit the job. */
export interface DataPreview {
  source: DataSource;
  description: string;
  summary: DatasetSummary;
  /** Up to 32 samples: grayscale or RGB pixels 0..255, row-major HWC. */
  samples: { label: number; width: number; height: number; channels: number; pixels: number[] }[];
  /** Human-readable problems against the job's schema; empty when the data fits. */
  problems: string[];
}

export interface TrainingProgress {
  round: number;
  epoch: number;
  epochs: number;
  samplesDone: number;
  samplesTotal: number;
  loss: number;
  accuracy: number;
  samplesPerSec: number;
  etaSec: number | null;
}

/** One row of the participant's rounds table (shaped like the paper's Tables 3 and 4). */
export interface ParticipantRoundRow {
  round: number;
  localAccuracy: number | null;
  localTestAccuracy: number | null;
  hubAccuracy: number | null;
  unifiedLocalAccuracy: number | null;
  method: string;
  /** Local DP: the update this round was clipped and noised here before it left (or may have left). */
  dpNoised?: boolean;
}

/** What left the machine, per round. */
export interface OutboundRecord {
  round: number;
  event: string;
  bytes: number;
  sha256: string;
  at: string;
  approvedBy: 'auto' | 'user';
}

/** Who a hub is, as an invite names it. */
export interface HubIdentity {
  url: string;
  /** SHA-256 of the hub certificate the invite pins; null for a hub without TLS. */
  fingerprint: string | null;
  /** The organization name the hub knows this participant by. */
  org: string;
}

/** What inspecting an invite learns from its hub, before joining. */
export interface InviteInspection {
  hub: HubIdentity;
  /** The job the invite leads to; null when the hub has none for it yet (see `detail`). */
  job: JobSummary | null;
  /** Why there is no job, or what the job waits for. */
  detail: string;
}

export interface ParticipantState {
  connection: 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'error' | 'finished';
  connectionDetail: string;
  hub: HubIdentity | null;
  job: JobAssignment | null;
  data: DataPreview | null;
  backend: BackendInfo | null;
  training: TrainingProgress | null;
  rounds: ParticipantRoundRow[];
  outbound: OutboundRecord[];
  approveUploads: boolean;
  pendingApproval: { round: number; bytes: number; sha256: string } | null;
  /** Before round 1: how many participants are ready and how many the job needs (from the hub). */
  roster: { ready: number; needed: number } | null;
  /** How the job ended, once it has. */
  ended: { reason: JobEnd['reason']; finalRound: number } | null;
  logs: LogEntry[];
  /** This installation's Ed25519 identity: SHA-256 of its public key (hex); absent before the first join. */
  identity?: { fingerprint: string } | null;
  /** The hub's audit chain head as of the last unified round (kept to check the hub's record later). */
  auditHead?: { round: number; id: number; hash: string } | null;
}

export type BridgeEvent =
  | { type: 'state'; state: ParticipantState }
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'log'; entry: LogEntry };

/** What the participant UI can ask of its engine. */
export interface ParticipantBridge {
  getState(): Promise<ParticipantState>;
  /** Decodes an invite and asks its hub (pinned TLS) who it is and what the job is, without joining. */
  inspectInvite(invite: string): Promise<Ack<InviteInspection>>;
  loadData(source: DataSource): Promise<Ack<{ preview: DataPreview }>>;
  join(invite: string): Promise<Ack>;
  leave(): Promise<void>;
  setApproveUploads(on: boolean): Promise<void>;
  decideUpload(round: number, approve: boolean): Promise<void>;
  /** A native file/folder dialog; null where there is none (browser UI: the user types a path). */
  pickPath(kind: 'file' | 'folder'): Promise<string | null>;
  subscribe(listener: (event: BridgeEvent) => void): () => void;
}

/** How the desktop app starts an embedded hub ("Host a federation"). */
export interface HubStartOptions {
  /** Where the hub keeps its database and checkpoints; default: the app's data folder. */
  dataDir?: string;
  /** Default 7443; 0 picks a free port. */
  port?: number;
  /** '0.0.0.0' (default) accepts participants from other machines; '127.0.0.1' only this one. */
  host?: '0.0.0.0' | '127.0.0.1' | '::' | '::1';
}

/** What a started hub tells its operator. */
export interface HubInfo {
  url: string;
  /** SHA-256 of the hub certificate: uppercase hex pairs joined by ':'. */
  fingerprint: string;
  /** The password is known only on the first start of a hub data folder; null afterwards. */
  operator: { username: string; password: string | null };
}

export type HubStatus =
  | { state: 'stopped' }
  | { state: 'starting' }
  | { state: 'running'; url: string; fingerprint: string }
  | { state: 'error'; error: string };

/** Host mode of the desktop app: an embedded hub whose operator console opens in its own window. */
export interface HostBridge {
  startHub(options: HubStartOptions): Promise<Ack<{ hub: HubInfo }>>;
  stopHub(): Promise<void>;
  status(): Promise<HubStatus>;
}

/** What the desktop app's preload exposes as `window.fedunify`. */
export interface DesktopBridge extends ParticipantBridge {
  host: HostBridge;
}
