import { describe, expect, it } from 'vitest';
import { initialState } from '../../../../core/participant/state.ts';
import type { DataPreview, ParticipantState } from '../../../../core/wire/bridge.ts';
import type { JobAssignment } from '../../../../core/wire/protocol.ts';
import { trainingStatus } from '../../../../renderer/participant/pages/training-status.ts';

const job = { jobId: 'j', name: 'j', rounds: 2, currentRound: 0 } as JobAssignment;
const data = { problems: [] } as unknown as DataPreview;
const row = (round: number, unified: number | null) => ({
  round,
  localAccuracy: 0.5,
  localTestAccuracy: 0.5,
  hubAccuracy: null,
  unifiedLocalAccuracy: unified,
  method: 'avg',
});

function state(over: Partial<ParticipantState>): ParticipantState {
  return { ...initialState(false), connection: 'connected', job, data, ...over };
}

describe('trainingStatus', () => {
  it('counts the participants still missing before round 1', () => {
    expect(trainingStatus(state({ roster: { ready: 1, needed: 2 } }), null)).toEqual({
      phase: 'waiting',
      text: 'waiting for 1 more participant (1 of 2)',
    });
    expect(trainingStatus(state({ roster: { ready: 1, needed: 4 } }), null).text).toBe(
      'waiting for 3 more participants (1 of 4)',
    );
  });

  it('says "between rounds" once a round is unified, and waits for the unified model before', () => {
    expect(trainingStatus(state({ rounds: [row(1, null)] }), null).text).toMatch(/waiting for .*unified/);
    expect(trainingStatus(state({ rounds: [row(1, 0.7)] }), null)).toEqual({
      phase: 'between-rounds',
      text: 'between rounds: round 1 of 2 done, waiting for round 2',
    });
  });

  it('says how many rounds a finished job ran, even after the connection closed', () => {
    const s = state({ connection: 'finished', ended: { reason: 'round-limit', finalRound: 2 } });
    expect(trainingStatus(s, null)).toEqual({ phase: 'finished', text: 'finished: 2 of 2 rounds' });
  });

  it('is "training" only while local training runs', () => {
    expect(trainingStatus(state({}), 1)).toEqual({ phase: 'training', text: 'training round 1' });
    expect(trainingStatus(state({}), null).phase).toBe('waiting');
  });

  it('shows why the engine stopped', () => {
    const s = state({ connection: 'error', connectionDetail: "the hub's certificate fingerprint changed" });
    expect(trainingStatus(s, null)).toEqual({ phase: 'error', text: s.connectionDetail });
  });
});
