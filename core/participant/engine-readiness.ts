/**
 * The participant engine's readiness step: once a job, local data and a connection are all there,
 * check the data against the job's model, pick the compute backend (once), make sure a round
 * runner exists and send participant:ready. Split from the engine so the order of these checks
 * reads in one place; the engine decides when to call it.
 */
import type { ErrorCode, JobAssignment } from '../wire/protocol.ts';
import { errorText } from './error-text.ts';
import type { OutboundLog } from './outbound-log.ts';
import type { StateStore } from './state.ts';
import type { FederationConnection, LoadedData, ParticipantRuntime } from './types.ts';

/** What announcing readiness needs from the engine. */
export interface ReadinessDeps {
  store: StateStore;
  outbound: OutboundLog;
  runtime: ParticipantRuntime;
  /** The backend the user asked for ('auto' when none). */
  backendPref: string;
  ackTimeoutMs: number;
  job: JobAssignment;
  data: LoadedData;
  conn: FederationConnection;
  /** Makes the job's round runner unless it already exists. */
  ensureRunner: () => Promise<void>;
  /** Stops the engine with a message the user sees. */
  fail: (message: string, code: ErrorCode) => void;
}

/** Checks the data, selects the backend, ensures the runner and sends participant:ready. */
export async function announceReady(deps: ReadinessDeps): Promise<void> {
  const { store, runtime, job, data, conn } = deps;
  const problems = runtime.checkData(data, job.model);
  const preview = store.get().data;
  if (preview) store.update({ data: { ...preview, problems } });
  if (problems.length > 0) {
    return deps.fail(
      `The local data does not fit job "${job.name}": ${problems.join('; ')}. Pick data with the job's input shape and classes.`,
      'schema-mismatch',
    );
  }
  if (!store.get().backend) {
    const backend = await runtime.selectBackend(deps.backendPref);
    store.update({ backend });
    store.log(
      'info',
      `Compute backend: ${backend.backend} (${backend.device})${backend.notes.length ? ` — ${backend.notes.join('; ')}` : ''}.`,
    );
  }
  await deps.ensureRunner();
  const msg = { dataset: data.summary, backend: store.get().backend! };
  const rec = deps.outbound.record(job.currentRound, 'participant:ready', msg, 'auto');
  store.update({ outbound: [...store.get().outbound, rec] });
  try {
    const ack = await conn.request('participant:ready', msg, deps.ackTimeoutMs);
    if (!ack.ok) {
      if (ack.code === 'schema-mismatch')
        return deps.fail(`The hub refused the local data: ${ack.error}`, 'schema-mismatch');
      store.log('error', `The hub did not accept participant:ready: ${ack.error} (${ack.code}).`, job.jobId);
      return;
    }
    store.log('info', 'Ready: waiting for the next round.', job.jobId);
  } catch (err) {
    store.log(
      'warn',
      `participant:ready got no answer (${errorText(err)}); it is sent again on reconnect.`,
      job.jobId,
    );
  }
}
