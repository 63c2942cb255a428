/** Messages between `bench round` and its hub and client child processes (IPC). */
import type { ModelSpec } from '../core/model/spec.ts';

/** Parent → hub child. */
export type BenchHubRequest = { type: 'rss' } | { type: 'reset-rss' } | { type: 'stop' };

/** Hub child → parent. */
export type BenchHubReply =
  | { type: 'ready'; url: string; fingerprint: string; username: string; password: string }
  | {
      type: 'rss';
      peakMb: number;
      /** Longest event-loop stall of the hub since the last reset (ms, perf_hooks histogram max). */
      maxStallMs: number;
    };

/** Parent → client child: the participants it plays. */
export interface BenchClientStart {
  type: 'start';
  url: string;
  fingerprint: string;
  /** Invite tokens, one per participant. */
  tokens: string[];
  /** Index of its first participant (distinct weights and instance ids across children). */
  offset: number;
  /** The job's model. */
  model: ModelSpec;
}

/** Per round, what one client child saw (epoch ms from performance.timeOrigin, comparable across processes). */
export interface BenchRoundTimes {
  round: number;
  /** Latest round:update sent by one of its participants. */
  lastSent: number;
  /** Latest round:unified received by one of its participants. */
  lastUnified: number;
  /** Participants that received round:unified. */
  unified: number;
}

/** Client child → parent. */
export type BenchClientReply =
  | { type: 'connected'; count: number }
  | {
      type: 'done';
      rounds: BenchRoundTimes[];
      bytesUp: number;
      bytesDown: number;
      updateBytes: number;
      /** Sockets that dropped (missed heartbeats on a loaded machine) and reconnected. */
      disconnects: number;
      /** Those drops by socket.io's reason ('ping timeout': this client heard no ping in time; 'transport close': the hub closed it). */
      reasons: Record<string, number>;
      /** Times this client process's event loop was held up for 1 s or more (its ping deadlines then restart). */
      clientStalls: number;
    }
  | { type: 'error'; message: string };
