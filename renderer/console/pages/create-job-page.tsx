/** Create a job by wizard or by YAML; the hub's validation errors appear where they belong. */
import { useState } from 'react';
import { useConsole } from '../store/index.ts';
import { PageHeader, Card } from '../../shared/layout.tsx';
import { Banner, Spinner } from '../../shared/feedback.tsx';
import { errorMessage } from '../../shared/format.ts';
import { ApiError, type SpecIssue } from '../api.ts';
import { JobWizard } from './job-wizard.tsx';
import { YamlEditor } from './yaml-editor.tsx';
import { defaultJobForm, defaultYaml, formToSpec, specToYaml, type JobForm } from './job-form.ts';

/** The create-job page in wizard or YAML mode. */
export function CreateJobPage(props: { mode: 'wizard' | 'yaml' }) {
  const navigate = useConsole((s) => s.navigate);
  const [form, setForm] = useState<JobForm>(defaultJobForm);
  const [yamlText, setYamlText] = useState(defaultYaml);
  const [issues, setIssues] = useState<SpecIssue[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

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
        setError(
          `The hub rejected the job: ${err.issues.length} problem${err.issues.length > 1 ? 's' : ''}, marked below.`,
        );
      } else setError(errorMessage(err));
    } finally {
      setSubmitting(false);
    }
  }

  const switchTo = (mode: 'wizard' | 'yaml') => {
    if (mode === 'yaml' && props.mode === 'wizard') setYamlText(specToYaml(formToSpec(form)));
    setIssues([]);
    setError(null);
    navigate({ page: 'create', mode });
  };

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
                className={props.mode === 'wizard' ? 'on' : ''}
                onClick={() => switchTo('wizard')}
              >
                Wizard
              </button>
              <button
                type="button"
                className={props.mode === 'yaml' ? 'on' : ''}
                onClick={() => switchTo('yaml')}
              >
                YAML
              </button>
            </div>
            <button type="button" className="btn" onClick={() => navigate({ page: 'jobs' })}>
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
          <YamlEditor value={yamlText} onChange={setYamlText} issues={issues} />
        </Card>
      )}
    </div>
  );
}
