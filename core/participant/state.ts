/**
 * The participant's observable state (the bridge's ParticipantState) with its subscribers, and
 * the local log: every entry is kept in memory (last 500) and appended to stateDir/participant.log
 * as one JSON line, so an organization can audit what its participant did. The file is rotated at
 * LOG_FILE_MAX_BYTES (the previous one kept as participant.log.1): a participant that runs for
 * months, or a hub that floods it with errors, cannot fill the disk.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BridgeEvent, ParticipantRoundRow, ParticipantState, TrainingProgress } from '../wire/bridge.ts';
import type { LogEntry } from '../wire/protocol.ts';

const MAX_LOGS = 500;
/** participant.log is rotated past this size (the previous file is kept as participant.log.1). */
export const LOG_FILE_MAX_BYTES = 8 * 1024 * 1024;

/** A fresh state: nothing loaded, not connected. */
export function initialState(approveUploads: boolean): ParticipantState {
  return {
    connection: 'idle',
    connectionDetail: 'not connected',
    hub: null,
    job: null,
    data: null,
    backend: null,
    training: null,
    rounds: [],
    outbound: [],
    approveUploads,
    pendingApproval: null,
    roster: null,
    ended: null,
    logs: [],
  };
}

/** Holds the state, notifies subscribers, writes the local log. */
export class StateStore {
  private state: ParticipantState;
  private readonly listeners = new Set<(event: BridgeEvent) => void>();
  private readonly logPath: string;
  private logBytes: number;

  constructor(
    private readonly stateDir: string,
    approveUploads: boolean,
    private readonly echo?: (entry: LogEntry) => void,
    private readonly logFileMaxBytes = LOG_FILE_MAX_BYTES,
  ) {
    mkdirSync(stateDir, { recursive: true });
    this.logPath = join(stateDir, 'participant.log');
    this.logBytes = fileSize(this.logPath);
    this.state = initialState(approveUploads);
  }

  /** A snapshot (callers must not mutate it). */
  get(): ParticipantState {
    return this.state;
  }

  /** Applies a partial change and tells every subscriber. */
  update(patch: Partial<ParticipantState>): void {
    this.state = { ...this.state, ...patch };
    this.emit({ type: 'state', state: this.state });
  }

  /** Inserts or replaces the row of one round of the rounds table. */
  upsertRound(round: number, patch: Partial<ParticipantRoundRow>): void {
    const rows = [...this.state.rounds];
    const i = rows.findIndex((r) => r.round === round);
    const base: ParticipantRoundRow =
      i >= 0
        ? rows[i]
        : {
            round,
            localAccuracy: null,
            localTestAccuracy: null,
            hubAccuracy: null,
            unifiedLocalAccuracy: null,
            method: this.state.job?.method ?? '',
          };
    const row = { ...base, ...patch };
    if (i >= 0) rows[i] = row;
    else rows.push(row);
    rows.sort((a, b) => a.round - b.round);
    this.update({ rounds: rows });
  }

  /** Publishes training progress (kept in state, and as its own fast event). */
  progress(progress: TrainingProgress | null): void {
    this.state = { ...this.state, training: progress };
    // The end of training is a state change: views that follow progress events learn it here.
    this.emit(progress ? { type: 'progress', progress } : { type: 'state', state: this.state });
  }

  /** Logs to memory, to the subscribers and to participant.log. */
  log(level: LogEntry['level'], message: string, jobId?: string): void {
    const entry: LogEntry = { ts: new Date().toISOString(), level, source: 'participant', message };
    if (jobId) entry.jobId = jobId;
    const logs = [...this.state.logs, entry].slice(-MAX_LOGS);
    this.state = { ...this.state, logs };
    try {
      const line = JSON.stringify(entry) + '\n';
      if (this.logBytes + Buffer.byteLength(line) > this.logFileMaxBytes) {
        renameSync(this.logPath, `${this.logPath}.1`);
        this.logBytes = 0;
      }
      appendFileSync(this.logPath, line);
      this.logBytes += Buffer.byteLength(line);
    } catch {
      // A full or read-only disk must not stop training; the entry is still in memory.
    }
    this.echo?.(entry);
    this.emit({ type: 'log', entry });
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: BridgeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: BridgeEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A faulty listener (UI) must not break the engine.
      }
    }
  }

  /** Where the local files live. */
  dir(): string {
    return this.stateDir;
  }
}

/** The size of a file, 0 when it does not exist yet. */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
