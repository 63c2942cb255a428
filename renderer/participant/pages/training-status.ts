/** What the Training screen says is happening, as a pure function of the engine's state. */
import type { ParticipantState } from '../../../core/wire/bridge.ts';

export type TrainingPhase =
  | 'training'
  | 'awaiting-approval'
  | 'waiting'
  | 'between-rounds'
  | 'finished'
  | 'error'
  | 'connecting'
  | 'idle';

export interface TrainingStatus {
  /** Also the status badge's word (StatusBadge colours it). */
  phase: TrainingPhase;
  text: string;
}

const END_REASON: Record<string, string> = {
  'target-reached': ' (the target accuracy was reached)',
  'round-limit': '',
  'privacy-budget': ' (the job’s privacy budget ε was spent)',
  aborted: ' (stopped by the hub operator)',
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The phase and sentence for `s`; `training` is the round being trained right now, or null. */
export function trainingStatus(s: ParticipantState, training: number | null): TrainingStatus {
  const job = s.job;
  if (s.ended) {
    const of = job ? ` of ${job.rounds}` : '';
    return {
      phase: 'finished',
      text: `finished: ${s.ended.finalRound}${of} rounds${END_REASON[s.ended.reason] ?? ''}`,
    };
  }
  if (s.connection === 'error') return { phase: 'error', text: s.connectionDetail };
  if (s.connection === 'idle' || !job) return { phase: 'idle', text: 'not in a job: join with an invite' };
  if (s.connection !== 'connected') return { phase: 'connecting', text: s.connectionDetail };
  if (s.pendingApproval) {
    return {
      phase: 'awaiting-approval',
      text: `round ${s.pendingApproval.round}: waiting for your approval to send the update`,
    };
  }
  if (training !== null) return { phase: 'training', text: `training round ${training}` };
  if (!s.data) return { phase: 'waiting', text: 'choose your data: rounds start once it is loaded' };
  const last = s.rounds[s.rounds.length - 1];
  if (!last) {
    if (s.roster && s.roster.ready < s.roster.needed) {
      const more = s.roster.needed - s.roster.ready;
      return {
        phase: 'waiting',
        text: `waiting for ${plural(more, 'more participant')} (${s.roster.ready} of ${s.roster.needed})`,
      };
    }
    return {
      phase: 'waiting',
      text: job.currentRound > 0 ? 'waiting for the next round' : 'waiting for the hub to start round 1',
    };
  }
  if (last.unifiedLocalAccuracy === null && last.hubAccuracy === null) {
    return {
      phase: 'waiting',
      text: `round ${last.round}: update sent, waiting for the other participants and the unified model`,
    };
  }
  return {
    phase: 'between-rounds',
    text: `between rounds: round ${last.round} of ${job.rounds} done, waiting for round ${last.round + 1}`,
  };
}
