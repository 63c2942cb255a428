/** Training: the current round, a live progress bar with samples/s and ETA, loss and accuracy, backend. */
import { useShallow } from 'zustand/react/shallow';
import type { TrainingProgress } from '../../../core/wire/bridge.ts';
import { useParticipant, type ParticipantStore } from '../store/index.ts';
import { Card, PageHeader, Stat } from '../../shared/layout.tsx';
import { Banner, EmptyState } from '../../shared/feedback.tsx';
import { LiveProgress, LiveText } from '../../shared/live-text.tsx';
import { StatusBadge } from '../../shared/status-badge.tsx';
import { formatDuration, formatNumber, formatPercent } from '../../shared/format.ts';
import { trainingStatus } from './training-status.ts';
import { privacySummary } from './privacy-summary.ts';

// Stable selectors (module level) so LiveText subscribes once.
const pick = (f: (p: TrainingProgress) => string) => (s: ParticipantStore) =>
  s.progress ? f(s.progress) : '—';
// The bar moves only while training: an empty bar otherwise, never the indeterminate animation.
const selFraction = (s: ParticipantStore) =>
  s.progress && s.progress.samplesTotal > 0 ? s.progress.samplesDone / s.progress.samplesTotal : 0;
const selSamples = pick((p) => `${formatNumber(p.samplesDone)} / ${formatNumber(p.samplesTotal)} samples`);
const selSpeed = pick((p) => `${formatNumber(p.samplesPerSec, 1)} samples/s`);
const selEta = pick((p) => (p.etaSec === null ? 'ETA —' : `ETA ${formatDuration(p.etaSec)}`));
const selEpoch = pick(
  (p) =>
    `epoch ${Math.min(p.epoch + 1, Math.max(1, Math.ceil(p.epochs)))} of ${Math.max(1, Math.ceil(p.epochs))}`,
);
const selLoss = pick((p) => formatNumber(p.loss, 4));
const selAcc = pick((p) => formatPercent(p.accuracy));
const selRound = pick((p) => String(p.round));
// The round being trained, or null: a number, so the page re-renders when training starts or stops.
const selTraining = (s: ParticipantStore) =>
  s.progress !== null &&
  s.engine?.connection !== 'finished' &&
  s.progress.samplesDone < s.progress.samplesTotal
    ? s.progress.round
    : null;

/** The training screen. */
export function TrainingScreen() {
  const { engine, setScreen } = useParticipant(
    useShallow((s) => ({ engine: s.engine, setScreen: s.setScreen })),
  );
  const training = useParticipant(selTraining);
  if (!engine) return null;
  const { job, backend } = engine;
  // The newest round whose unified model was evaluated here (the current round has none yet).
  const unified = engine.rounds.findLast((r) => r.unifiedLocalAccuracy !== null);
  const last = engine.rounds[engine.rounds.length - 1];
  const status = trainingStatus(engine, training);
  const privacy = job ? privacySummary(job, engine.rounds) : null;
  if (!job) {
    return (
      <>
        <PageHeader title="Training" />
        <div className="card">
          <EmptyState
            title="Not in a job yet"
            hint="Join a federation with the invite the hub operator sent you; training starts when the hub starts a round."
            action={
              <button type="button" className="btn primary" onClick={() => setScreen('join')}>
                Go to Join
              </button>
            }
          />
        </div>
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Training"
        subtitle={`${job.name} · ${job.method} · ${job.rounds} rounds`}
        actions={<StatusBadge status={status.phase} />}
      />
      {!engine.data && (
        <Banner
          tone="warn"
          action={
            <button type="button" className="btn small" onClick={() => setScreen('data')}>
              Choose data
            </button>
          }
        >
          Choose your data: the hub starts rounds only when every participant has loaded theirs.
        </Banner>
      )}
      {engine.ended && (
        <Banner tone="ok">
          The job has ended: {status.text}. The Rounds screen has every round's accuracy.
        </Banner>
      )}
      <Card title="Current round" testId="training-card">
        <div style={{ display: 'grid', gap: 12 }}>
          <div className="actions" style={{ justifyContent: 'space-between' }}>
            <strong style={{ fontSize: 18 }}>
              Round <LiveText store={useParticipant} select={selRound} testId="training-round" /> of{' '}
              {job.rounds}
            </strong>
            <span className="muted">
              <LiveText store={useParticipant} select={selEpoch} />
            </span>
          </div>
          <LiveProgress store={useParticipant} select={selFraction} label="Local training progress" />
          <div className="actions muted num" style={{ justifyContent: 'space-between' }}>
            <LiveText store={useParticipant} select={selSamples} testId="training-samples" />
            <LiveText store={useParticipant} select={selSpeed} testId="training-speed" />
            <LiveText store={useParticipant} select={selEta} />
          </div>
          <span className="muted small" data-testid="training-status">
            {status.text}
          </span>
        </div>
      </Card>
      <div className="stats">
        <Stat
          label="Training loss"
          value={<LiveText store={useParticipant} select={selLoss} />}
          sub="this round, running"
        />
        <Stat
          label="Training accuracy"
          value={<LiveText store={useParticipant} select={selAcc} />}
          sub="this round, running"
        />
        <Stat
          label="Local test accuracy"
          value={formatPercent(last?.localTestAccuracy)}
          sub={last ? `round ${last.round}` : 'after round 1'}
        />
        <Stat
          label="Unified model here"
          value={formatPercent(unified?.unifiedLocalAccuracy)}
          sub={unified ? `round ${unified.round}, on your test split` : 'after round 1, on your test split'}
          testId="unified-here"
        />
      </div>
      {privacy && (
        <Card title="Privacy" testId="privacy-card">
          <div style={{ display: 'grid', gap: 8 }}>
            <span data-testid="privacy-headline">{privacy.headline}</span>
            {privacy.budget && (
              <strong className="num" data-testid="privacy-budget">
                Your privacy spent: {privacy.budget}
              </strong>
            )}
            {privacy.overBudget && (
              <Banner tone="warn">
                The ε spent here has passed the job&apos;s target: the hub ran more rounds than the budget
                allows.
              </Banner>
            )}
          </div>
        </Card>
      )}
      <Card title="Compute">
        {backend ? (
          <dl className="kv">
            <dt>Backend</dt>
            <dd className="mono">{backend.backend}</dd>
            <dt>Device</dt>
            <dd>{backend.device}</dd>
            {backend.notes.length > 0 && (
              <>
                <dt>Why not a faster backend</dt>
                <dd>
                  <ul className="problems" data-testid="backend-notes">
                    {backend.notes.map((n, i) => (
                      <li key={i}>{n}</li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
          </dl>
        ) : (
          <span className="muted">The backend is chosen when training first starts.</span>
        )}
      </Card>
    </>
  );
}
