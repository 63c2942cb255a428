/**
 * The learning rate a participant trains with in one round: kept apart from the round runner as
 * a pure function of the job so it can be tested (and reused) without a model or a hub.
 */
import type { JobAssignment } from '../wire/protocol.ts';
import { scheduledLearningRate } from '../train/lr-schedule.ts';

/**
 * The local learning rate of round `round` (1-based): the job's rate, or with a schedule the rate the
 * schedule gives that round, the job's rate being the peak and its rounds the schedule's steps.
 */
export function roundLearningRate(
  job: Pick<JobAssignment, 'learningRate' | 'learningRateSchedule' | 'rounds'>,
  round: number,
): number {
  if (!job.learningRateSchedule) return job.learningRate;
  return scheduledLearningRate(job.learningRateSchedule, job.learningRate, round - 1, job.rounds);
}
