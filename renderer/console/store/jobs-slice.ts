/** The job list and the commands on jobs (create, abort, delete). */
import type { StateCreator } from 'zustand';
import type { JobRecord } from '../../../core/wire/protocol.ts';
import type { JobSpecInput } from '../../../core/wire/job-spec.ts';
import { ApiError } from '../api.ts';
import { errorMessage } from '../../shared/format.ts';
import type { ConsoleState } from './types.ts';

export interface JobsSlice {
  jobs: Record<string, JobRecord>;
  jobsLoaded: boolean;
  jobsLoading: boolean;
  jobsError: string | null;
  loadJobs: () => Promise<void>;
  upsertJob: (job: JobRecord) => void;
  removeJob: (jobId: string) => void;
  /** Creates a job from a spec object or YAML text; throws ApiError (with issues) on rejection. */
  createJob: (spec: JobSpecInput | string) => Promise<JobRecord>;
  abortJob: (jobId: string) => Promise<void>;
  deleteJob: (jobId: string) => Promise<void>;
}

/** Creates the jobs slice. */
export const createJobsSlice: StateCreator<ConsoleState, [], [], JobsSlice> = (set, get) => {
  const needApi = () => {
    const api = get().api;
    if (!api) throw new ApiError(401, 'Sign in first.');
    return api;
  };
  const guard = (err: unknown) => {
    if (err instanceof ApiError && err.status === 401) get().signOut('Your session expired. Sign in again.');
  };
  // Runs an action for a caller that shows its own error: an expired session still signs out.
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      guard(err);
      throw err;
    }
  };
  return {
    jobs: {},
    jobsLoaded: false,
    jobsLoading: false,
    jobsError: null,
    loadJobs: async () => {
      set({ jobsLoading: true, jobsError: null });
      try {
        const list = await needApi().listJobs();
        set({ jobs: Object.fromEntries(list.map((j) => [j.id, j])), jobsLoaded: true, jobsLoading: false });
      } catch (err) {
        guard(err);
        set({ jobsLoading: false, jobsError: errorMessage(err) });
      }
    },
    upsertJob: (job) => set((s) => ({ jobs: { ...s.jobs, [job.id]: job } })),
    removeJob: (jobId) => {
      set((s) => {
        const jobs = { ...s.jobs };
        delete jobs[jobId];
        return { jobs };
      });
      const view = get().view;
      // The page of a deleted job has nothing left to show: back to the list (no history entry).
      if (view.page === 'job' && view.jobId === jobId) get().navigate({ page: 'jobs' }, true);
    },
    createJob: async (spec) => {
      const api = needApi();
      return guarded(async () => {
        const job = typeof spec === 'string' ? await api.createJobYaml(spec) : await api.createJob(spec);
        get().upsertJob(job);
        return job;
      });
    },
    abortJob: (jobId) =>
      guarded(async () => {
        await needApi().abortJob(jobId);
        get().upsertJob(await needApi().getJob(jobId));
      }),
    deleteJob: (jobId) =>
      guarded(async () => {
        await needApi().deleteJob(jobId);
        get().removeJob(jobId);
      }),
  };
};
