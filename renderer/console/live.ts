/**
 * The /operator socket: the hub pushes job, participant, round and log changes; this file is the
 * only place that touches the raw socket, and it feeds the store.
 */
import { io, type Socket } from 'socket.io-client';
import {
  OPERATOR_NAMESPACE,
  type OperatorClientEvents,
  type OperatorServerEvents,
} from '../../core/wire/protocol.ts';
import { useConsole } from './store/index.ts';

/** Connects to the hub's operator namespace with the token; returns a function that disconnects. */
export function connectLive(token: string): () => void {
  const st = useConsole.getState();
  st.setLive('connecting', 'Connecting to the hub…');
  const socket: Socket<OperatorServerEvents, OperatorClientEvents> = io(OPERATOR_NAMESPACE, {
    auth: { token },
    transports: ['websocket'],
    reconnectionDelayMax: 5000,
  });
  socket.on('connect', () => {
    useConsole.getState().setLive('live', 'Live updates on');
    // Anything may have changed while disconnected: refresh what is on screen.
    const s = useConsole.getState();
    void s.loadJobs();
    if (s.view.page === 'job') void s.loadJobDetail(s.view.jobId);
  });
  socket.on('disconnect', (reason) => {
    useConsole.getState().setLive('connecting', `Disconnected (${reason}); reconnecting…`);
  });
  socket.on('connect_error', (err) => {
    if (/unauthori[sz]ed|token/i.test(err.message)) {
      socket.disconnect();
      useConsole.getState().signOut('The hub refused the session. Sign in again.');
      return;
    }
    useConsole.getState().setLive('error', `Live updates unavailable: ${err.message}. Retrying…`);
  });
  socket.on('job:changed', (job) => useConsole.getState().upsertJob(job));
  socket.on('job:deleted', ({ jobId }) => useConsole.getState().removeJob(jobId));
  socket.on('participant:changed', (p) => useConsole.getState().upsertParticipant(p));
  socket.on('round:changed', (r) => useConsole.getState().upsertRound(r));
  socket.on('log:entry', (e) => useConsole.getState().appendLog(e));
  return () => {
    socket.removeAllListeners();
    socket.disconnect();
  };
}
