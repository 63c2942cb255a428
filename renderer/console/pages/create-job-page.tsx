/** Create a job by wizard or by YAML; the hub's validation errors appear where they belong. */
import { useMemo, useState } from 'react';
import { useConsole } from '../store/index.ts';
import { PageHeader, Card } from '../../shared/layout.tsx';
import { Banner, ConfirmDialog, Spinner } from '../../shared/feedback.tsx';
import { errorMessage } from '../../shared/format.ts';
import { ApiError, type SpecIssue } from '../api.ts';
import { JobWizard } from './job-wizard.tsx';
import { YamlEditor } from './yaml-editor.tsx';
import { defaultJobForm, defaultYaml, formToSpec, specToYaml, yamlToForm, type JobForm } from './job-form.ts';

/** The create-job page in wizard or YAML mode. */
export function CreateJobPage(props: { mode: 'wizard' | 'yaml' }) {
  const navigate = useConsole((s) => s.navigate);
  const [form, setForm] = useState<JobForm>(defaultJobForm);
  const [yamlText, setYamlText] = useState(defaultYaml);
  const [issues, setIssues] = useState<SpecIssue[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  // The YAML text the hub's issues refer to: a marker whose line was edited since then is stale.
  const [issuesText, setIssuesText] = useState('');
  const [confirmCancel, setConfirmCancel] = useState(false);
  const pristine = useMemo(() => ({ form: JSON.stringify(defaultJobForm()), yaml: defaultYaml() }), []);
  const dirty = JSON.stringify(form) !== pristine.form || yamlText !== pristine.yaml;

  async function submit(payload: Parameters<ReturnType<typeof useConsole.getState>['createJob']>[0]) {
    setSubmitting(true);
    setError(null);
    setIssues([]);
    try {
      const job = await useConsole.getState().createJob(payload);
      navigate({ page: 'job', jobId: job.id, tab: 'participants' });
    } catch (err) {
      if (err instanceof ApiError && err.issues.length > 0) {
        setIssues(err.issues);
        if (typeof payload === 'string') setIssuesText(payload);
        setError(
          `The hub rejected the job: ${err.issues.length} problem${err.issues.length > 1 ? 's' : ''}, marked below.`,
        );
      } else setError(errorMessage(err));
    } finally {
      setSubmitting(false);
    }
  }

  // Edits carry over both ways; YAML the wizard cannot show stays YAML (nothing is dropped).
  const switchTo = (mode: 'wizard' | 'yaml') => {
    if (mode === props.mode) return;
    if (mode === 'yaml') {
      setYamlText(specToYaml(formToSpec(form)));
    } else {
      const res = yamlToForm(yamlText);
      if (!res.ok) {
        setError(res.error);
        return;
      }
      setForm(res.form);
    }
    setIssues([]);
    setError(null);
    navigate({ page: 'create', mode });
  };
  const cancel = () => (dirty ? setConfirmCancel(true) : navigate({ page: 'jobs' }));

  return (
    <div className="page">
      <PageHeader
        title="New job"
        subtitle="Describe what to train and how to unify; invite organizations once it exists."
        actions={
          <>
            <div className="segmented" role="tablist" aria-label="Create by">
              <button
                type="button"
                role="tab"
                aria-selected={props.mode === 'wizard'}
                className={props.mode === 'wizard' ? 'on' : ''}
                onClick={() => switchTo('wizard')}
              >
                Wizard
              </button>
              <button
                type="button"
                role="tab"
                aria-selected={props.mode === 'yaml'}
                className={props.mode === 'yaml' ? 'on' : ''}
                onClick={() => switchTo('yaml')}
              >
                YAML
              </button>
            </div>
            <button type="button" className="btn" onClick={cancel}>
              Cancel
            </button>
          </>
        }
      />
      {error && (
        <Banner tone="err" onDismiss={() => setError(null)}>
          {error}
        </Banner>
      )}
      {props.mode === 'wizard' ? (
        <JobWizard
          form={form}
          setForm={setForm}
          submitting={submitting}
          onSubmit={() => void submit(formToSpec(form))}
        />
      ) : (
        <Card
          title="Job as YAML"
          actions={
            <button
              type="button"
              className="btn primary"
              disabled={submitting}
              onClick={() => void submit(yamlText)}
            >
              {submitting && <Spinner label="Creating" />}
              {submitting ? 'Creating…' : 'Create job'}
            </button>
          }
        >
          <YamlEditor value={yamlText} onChange={setYamlText} issues={issues} issuesText={issuesText} />
        </Card>
      )}
      {confirmCancel && (
        <ConfirmDialog
          title="Discard this job?"
          body="You changed this job but did not create it. Leaving now loses those edits."
          confirmLabel="Discard edits"
          danger
          onConfirm={() => navigate({ page: 'jobs' })}
          onCancel={() => setConfirmCancel(false)}
        />
      )}
    </div>
  );
}
