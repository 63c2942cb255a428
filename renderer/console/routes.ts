/**
 * Every console view has an address (`#/jobs/<id>/rounds`): reload, Back and shared links land on
 * the same view. Pure: the store and its tests import it without a browser.
 */

export type JobTab = 'participants' | 'rounds' | 'methods' | 'logs' | 'output';
export const JOB_TABS: readonly JobTab[] = ['participants', 'rounds', 'methods', 'logs', 'output'];

export type View =
  | { page: 'jobs' }
  | { page: 'create'; mode: 'wizard' | 'yaml' }
  | { page: 'job'; jobId: string; tab: JobTab }
  | { page: 'invites'; jobId?: string }
  | { page: 'logs' };

/** The hash of a view. */
export function viewToHash(view: View): string {
  switch (view.page) {
    case 'jobs':
      return '#/jobs';
    case 'create':
      return view.mode === 'yaml' ? '#/jobs/new/yaml' : '#/jobs/new';
    case 'job':
      return `#/jobs/${encodeURIComponent(view.jobId)}/${view.tab}`;
    case 'invites':
      return view.jobId ? `#/invites?job=${encodeURIComponent(view.jobId)}` : '#/invites';
    case 'logs':
      return '#/logs';
  }
}

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** The view a hash names; anything unknown is the job list. */
export function hashToView(hash: string): View {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'invites') {
    const job = new URLSearchParams(query).get('job');
    return job ? { page: 'invites', jobId: job } : { page: 'invites' };
  }
  if (parts[0] === 'logs') return { page: 'logs' };
  if (parts[0] === 'jobs' && parts[1] === 'new') {
    return { page: 'create', mode: parts[2] === 'yaml' ? 'yaml' : 'wizard' };
  }
  if (parts[0] === 'jobs' && parts[1]) {
    const jobId = decode(parts[1]);
    const tab = JOB_TABS.find((t) => t === parts[2]) ?? 'participants';
    if (jobId) return { page: 'job', jobId, tab };
  }
  return { page: 'jobs' };
}
