/** The create-job wizard: basics, model, method, training, stopping, hub evaluation, review. */
import { useMemo, useState, type ReactNode } from 'react';
import { jobSpecSchema } from '../../../core/wire/job-spec.ts';
import { PAPER_CNN } from '../../../core/model/spec.ts';
import { Card } from '../../shared/layout.tsx';
import { METHOD_INFO, UNIFY_METHODS, formToSpec, specToYaml, type JobForm } from './job-form.ts';

const STEPS = ['Basics', 'Model', 'Method', 'Training', 'Stopping', 'Hub evaluation', 'Review'] as const;
// Which wizard step owns each top-level field, so a schema problem points at the right step.
const FIELD_STEP: Record<string, number> = {
  name: 0,
  seed: 0,
  model: 1,
  method: 2,
  compareMethods: 2,
  trimBeta: 2,
  rounds: 3,
  localEpochs: 3,
  localSteps: 3,
  batchSize: 3,
  learningRate: 3,
  optimizer: 3,
  targetAccuracy: 4,
  minParticipants: 4,
  roundDeadlineSec: 4,
  hubEvaluation: 5,
};

function NumberField(props: {
  label: string;
  hint?: string;
  value: number;
  step?: number;
  min?: number;
  onChange: (v: number) => void;
}) {
  return (
    <label className="field">
      {props.label}
      <input
        className="input num"
        type="number"
        value={Number.isFinite(props.value) ? props.value : ''}
        step={props.step ?? 1}
        min={props.min}
        onChange={(e) => props.onChange(e.target.value === '' ? NaN : Number(e.target.value))}
      />
      {props.hint && <span className="hint">{props.hint}</span>}
    </label>
  );
}

/** The wizard; `onSubmit` receives the validated form. */
export function JobWizard(props: {
  form: JobForm;
  setForm: (f: JobForm) => void;
  onSubmit: () => void;
  submitting: boolean;
}) {
  const { form, setForm } = props;
  const [step, setStep] = useState(0);
  const set = <K extends keyof JobForm>(key: K, value: JobForm[K]) => setForm({ ...form, [key]: value });
  const spec = useMemo(() => formToSpec(form), [form]);
  const problems = useMemo(() => {
    const res = jobSpecSchema.safeParse(spec);
    return res.success ? [] : res.error.issues.map((i) => ({ path: i.path.map(String), message: i.message }));
  }, [spec]);
  const badSteps = new Set(problems.map((p) => FIELD_STEP[p.path[0] ?? ''] ?? 6));
  const stepProblems = problems.filter((p) => (FIELD_STEP[p.path[0] ?? ''] ?? 6) === step);

  const panels: ReactNode[] = [
    <div className="form-grid" key="basics">
      <label className="field">
        Job name
        <input className="input" value={form.name} onChange={(e) => set('name', e.target.value)} />
        <span className="hint">Shown to every invited organization.</span>
      </label>
      <NumberField
        label="Seed"
        hint="Same seed, same initial weights everywhere."
        value={form.seed}
        onChange={(v) => set('seed', v)}
      />
    </div>,
    <div key="model" style={{ display: 'grid', gap: 12 }}>
      <div className="choice-grid">
        <button type="button" className="choice on">
          <strong>paper-cnn</strong>
          <span>The paper’s CNN (Lee 2021, Fig. 5): 106,442 parameters, 28×28×1 input, 10 classes.</span>
        </button>
      </div>
      <div className="layers">
        {PAPER_CNN.layers.map((l, i) => (
          <div className="layer" key={i}>
            <span>{l.type}</span>
            <span className="muted">
              {l.type === 'conv2d' &&
                `${l.filters} filters ${l.kernelSize}×${l.kernelSize} ${l.activation ?? ''}`}
              {l.type === 'maxPool2d' && `pool ${l.poolSize}`}
              {l.type === 'dense' && `${l.units} units ${l.activation ?? ''}`}
              {l.type === 'dropout' && `rate ${l.rate}`}
            </span>
          </div>
        ))}
      </div>
      <span className="muted small">Other architectures: switch to YAML and give a full model spec.</span>
    </div>,
    <div key="method" style={{ display: 'grid', gap: 16 }}>
      <div>
        <h3 style={{ marginBottom: 8 }}>Unification method</h3>
        <div className="choice-grid" role="radiogroup" aria-label="Unification method">
          {UNIFY_METHODS.map((m) => (
            <button
              key={m}
              type="button"
              role="radio"
              aria-checked={form.method === m}
              className={`choice${form.method === m ? ' on' : ''}`}
              onClick={() => set('method', m)}
            >
              <strong>{m}</strong>
              <span>{METHOD_INFO[m]}</span>
            </button>
          ))}
        </div>
      </div>
      <div>
        <h3 style={{ marginBottom: 8 }}>Also compare each round (on the hub’s test set)</h3>
        <div className="actions">
          {UNIFY_METHODS.map((m) => (
            <label key={m} className="check">
              <input
                type="checkbox"
                checked={form.compareMethods.includes(m)}
                onChange={(e) =>
                  set(
                    'compareMethods',
                    e.target.checked
                      ? [...form.compareMethods, m]
                      : form.compareMethods.filter((x) => x !== m),
                  )
                }
              />
              <span className="mono">{m}</span>
            </label>
          ))}
        </div>
      </div>
      {(form.method === 'trimmed-mean' || form.compareMethods.includes('trimmed-mean')) && (
        <NumberField
          label="Trim fraction β"
          hint="0 ≤ β < 0.5"
          step={0.05}
          value={form.trimBeta}
          onChange={(v) => set('trimBeta', v)}
        />
      )}
    </div>,
    <div className="form-grid" key="training">
      <NumberField
        label="Rounds"
        hint="Upper limit; a target accuracy may stop earlier."
        value={form.rounds}
        min={1}
        onChange={(v) => set('rounds', v)}
      />
      <label className="field">
        Local training per round
        <div className="segmented">
          <button
            type="button"
            className={form.trainBy === 'epochs' ? 'on' : ''}
            onClick={() => set('trainBy', 'epochs')}
          >
            Epochs
          </button>
          <button
            type="button"
            className={form.trainBy === 'steps' ? 'on' : ''}
            onClick={() => set('trainBy', 'steps')}
          >
            Steps
          </button>
        </div>
      </label>
      {form.trainBy === 'epochs' ? (
        <NumberField
          label="Local epochs"
          value={form.localEpochs}
          step={0.5}
          onChange={(v) => set('localEpochs', v)}
        />
      ) : (
        <NumberField
          label="Local steps (batches)"
          value={form.localSteps}
          onChange={(v) => set('localSteps', v)}
        />
      )}
      <NumberField label="Batch size" value={form.batchSize} onChange={(v) => set('batchSize', v)} />
      <NumberField
        label="Learning rate"
        step={0.0001}
        value={form.learningRate}
        onChange={(v) => set('learningRate', v)}
      />
      <label className="field">
        Optimizer
        <select
          className="input"
          value={form.optimizer}
          onChange={(e) => set('optimizer', e.target.value as JobForm['optimizer'])}
        >
          <option value="adam">Adam</option>
          <option value="sgd">SGD</option>
        </select>
      </label>
    </div>,
    <div className="form-grid" key="stopping">
      <label className="field">
        <span className="check">
          <input
            type="checkbox"
            checked={form.useTarget}
            onChange={(e) => set('useTarget', e.target.checked)}
          />{' '}
          Stop at a target accuracy
        </span>
        <input
          className="input num"
          type="number"
          disabled={!form.useTarget}
          value={form.targetPercent}
          onChange={(e) => set('targetPercent', Number(e.target.value))}
          aria-label="Target accuracy (%)"
        />
        <span className="hint">
          Percent; reached when every participant’s accuracy of the unified model is at least this.
        </span>
      </label>
      <NumberField
        label="Minimum participants"
        hint="Rounds start once this many are ready."
        value={form.minParticipants}
        onChange={(v) => set('minParticipants', v)}
      />
      <NumberField
        label="Round deadline (minutes)"
        hint="After it, the round closes with whoever reported (if the minimum is met)."
        value={form.deadlineMinutes}
        onChange={(v) => set('deadlineMinutes', v)}
      />
    </div>,
    <div className="form-grid" key="eval">
      <label className="field">
        Hub test set
        <select
          className="input"
          value={form.hubEval}
          onChange={(e) => set('hubEval', e.target.value as JobForm['hubEval'])}
        >
          <option value="fashion-mnist">Fashion-MNIST test images</option>
          <option value="none">None (participants’ accuracy only)</option>
        </select>
        <span className="hint">The hub scores the unified model and each compared method on it.</span>
      </label>
      {form.hubEval === 'fashion-mnist' && (
        <>
          <label className="field">
            Split
            <select
              className="input"
              value={form.hubEvalEnv}
              onChange={(e) => set('hubEvalEnv', e.target.value as JobForm['hubEvalEnv'])}
            >
              <option value="none">Whole test file</option>
              <option value="V">Paper V-environment hub split</option>
              <option value="H">Paper H-environment hub split</option>
              <option value="iid">IID split</option>
            </select>
          </label>
          <NumberField
            label="Test images (at most)"
            value={form.hubEvalLimit}
            onChange={(v) => set('hubEvalLimit', v)}
          />
        </>
      )}
    </div>,
    <div key="review" style={{ display: 'grid', gap: 12 }}>
      {problems.length === 0 ? (
        <span className="badge ok">Ready to create</span>
      ) : (
        <ul className="problems">
          {problems.map((p, i) => (
            <li key={i}>
              <strong>{p.path.join('.') || 'job'}</strong>: {p.message} —{' '}
              <button
                type="button"
                className="btn small ghost"
                onClick={() => setStep(FIELD_STEP[p.path[0] ?? ''] ?? 0)}
              >
                fix in {STEPS[FIELD_STEP[p.path[0] ?? ''] ?? 0]}
              </button>
            </li>
          ))}
        </ul>
      )}
      <pre className="yaml-preview" data-testid="wizard-yaml">
        {specToYaml(spec)}
      </pre>
    </div>,
  ];

  return (
    <div className="wizard">
      <div className="steps" role="list">
        {STEPS.map((label, i) => (
          <button
            key={label}
            type="button"
            role="listitem"
            className={`step${i === step ? ' active' : i < step ? ' done' : ''}${badSteps.has(i) && i !== 6 ? ' bad' : ''}`}
            onClick={() => setStep(i)}
          >
            <span className="dot">{badSteps.has(i) && i !== 6 ? '!' : i < step ? '✓' : i + 1}</span>
            {label}
          </button>
        ))}
      </div>
      <Card title={STEPS[step]}>
        {panels[step]}
        {step < 6 && stepProblems.length > 0 && (
          <ul className="problems" style={{ color: 'var(--err)', marginTop: 12 }}>
            {stepProblems.map((p, i) => (
              <li key={i}>
                {p.path.join('.')}: {p.message}
              </li>
            ))}
          </ul>
        )}
        <div className="wizard-footer">
          <button type="button" className="btn" disabled={step === 0} onClick={() => setStep(step - 1)}>
            ← Back
          </button>
          {step < STEPS.length - 1 ? (
            <button type="button" className="btn primary" onClick={() => setStep(step + 1)}>
              Next: {STEPS[step + 1]} →
            </button>
          ) : (
            <button
              type="button"
              className="btn primary"
              disabled={problems.length > 0 || props.submitting}
              onClick={props.onSubmit}
            >
              {props.submitting ? 'Creating…' : 'Create job'}
            </button>
          )}
        </div>
      </Card>
    </div>
  );
}
