/** The create-job wizard: basics, model, method, training, stopping, hub evaluation, review. */
import { useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { PAPER_CNN } from '../../../core/model/spec.ts';
import { Card } from '../../shared/layout.tsx';
import { METHOD_INFO, UNIFY_METHODS, formToSpec, specToYaml, type JobForm } from './job-form.ts';
import { WIZARD_STEPS, firstBadStepBefore, wizardProblems, type FieldProblem } from './wizard-checks.ts';

const STEPS = WIZARD_STEPS;

/** The message shown under a field, linked to it for screen readers. */
function FieldError(props: { id: string; message?: string }) {
  if (!props.message) return null;
  return (
    <span className="field-error" id={props.id} data-testid="field-error">
      {props.message}
    </span>
  );
}

function NumberField(props: {
  label: string;
  hint?: string;
  value: number;
  step?: number;
  min?: number;
  error?: string;
  onChange: (v: number) => void;
}) {
  const id = useId();
  return (
    <label className="field">
      {props.label}
      <input
        className="input num"
        type="number"
        value={Number.isFinite(props.value) ? props.value : ''}
        step={props.step ?? 1}
        min={props.min}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? id : undefined}
        onChange={(e) => props.onChange(e.target.value === '' ? NaN : Number(e.target.value))}
      />
      <FieldError id={id} message={props.error} />
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
  // Set when the user tried to move on from a step with problems: the wizard says why it stayed.
  const [blocked, setBlocked] = useState<number | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  const ids = useId();
  const set = <K extends keyof JobForm>(key: K, value: JobForm[K]) => setForm({ ...form, [key]: value });
  const spec = useMemo(() => formToSpec(form), [form]);
  const problems = useMemo(() => wizardProblems(form), [form]);
  const badSteps = new Set(problems.map((p) => p.step));
  const stepProblems = problems.filter((p) => p.step === step);
  const errorOf = (field: keyof JobForm) => problems.find((p) => p.field === field)?.message;
  /** Goes to `target` unless an earlier step has a problem: then to that step, with the field focused. */
  const goTo = (target: number) => {
    const bad = firstBadStepBefore(problems, target);
    if (bad === null) {
      setBlocked(null);
      setStep(target);
      return;
    }
    setBlocked(bad);
    setStep(bad);
    requestAnimationFrame(() => panel.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  };

  const panels: ReactNode[] = [
    <div className="form-grid" key="basics">
      <label className="field">
        Job name
        <input
          className="input"
          value={form.name}
          aria-invalid={errorOf('name') ? true : undefined}
          aria-describedby={errorOf('name') ? `${ids}-name` : undefined}
          onChange={(e) => set('name', e.target.value)}
        />
        <FieldError id={`${ids}-name`} message={errorOf('name')} />
        <span className="hint">Shown to every invited organization.</span>
      </label>
      <NumberField
        label="Seed"
        hint="Same seed, same initial weights everywhere."
        value={form.seed}
        error={errorOf('seed')}
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
      <NumberField
        label="Bad participants tolerated (maxByzantine)"
        hint="Robust methods (krum, multi-krum, bulyan, median, trimmed-mean) resist this many; they need enough participants."
        value={form.maxByzantine}
        min={0}
        error={errorOf('maxByzantine')}
        onChange={(v) => set('maxByzantine', v)}
      />
      {(form.method === 'trimmed-mean' || form.compareMethods.includes('trimmed-mean')) && (
        <NumberField
          label="Trim fraction β"
          hint="0 ≤ β < 0.5"
          step={0.05}
          value={form.trimBeta}
          error={errorOf('trimBeta')}
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
        error={errorOf('rounds')}
        onChange={(v) => set('rounds', v)}
      />
      <label className="field">
        Local training per round
        <div className="segmented" role="radiogroup" aria-label="Local training per round">
          <button
            type="button"
            role="radio"
            aria-checked={form.trainBy === 'epochs'}
            className={form.trainBy === 'epochs' ? 'on' : ''}
            onClick={() => set('trainBy', 'epochs')}
          >
            Epochs
          </button>
          <button
            type="button"
            role="radio"
            aria-checked={form.trainBy === 'steps'}
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
          error={errorOf('localEpochs')}
          onChange={(v) => set('localEpochs', v)}
        />
      ) : (
        <NumberField
          label="Local steps (batches)"
          value={form.localSteps}
          error={errorOf('localSteps')}
          onChange={(v) => set('localSteps', v)}
        />
      )}
      <NumberField
        label="Batch size"
        value={form.batchSize}
        error={errorOf('batchSize')}
        onChange={(v) => set('batchSize', v)}
      />
      <NumberField
        label="Learning rate"
        step={0.0001}
        value={form.learningRate}
        error={errorOf('learningRate')}
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
          value={Number.isFinite(form.targetPercent) ? form.targetPercent : ''}
          onChange={(e) => set('targetPercent', e.target.value === '' ? NaN : Number(e.target.value))}
          aria-label="Target accuracy (%)"
          aria-invalid={errorOf('targetPercent') ? true : undefined}
        />
        <FieldError id={`${ids}-target`} message={errorOf('targetPercent')} />
        <span className="hint">
          Percent; reached when every participant’s accuracy of the unified model is at least this.
        </span>
      </label>
      <NumberField
        label="Minimum participants"
        hint="Rounds start once this many are ready."
        value={form.minParticipants}
        error={errorOf('minParticipants')}
        onChange={(v) => set('minParticipants', v)}
      />
      <NumberField
        label="Round deadline (minutes)"
        hint="After it, the round closes with whoever reported (if the minimum is met)."
        value={form.deadlineMinutes}
        error={errorOf('deadlineMinutes')}
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
            error={errorOf('hubEvalLimit')}
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
          {problems.map((p: FieldProblem, i) => (
            <li key={i}>
              {p.message} —{' '}
              <button type="button" className="btn small ghost" onClick={() => setStep(p.step)}>
                fix in {STEPS[p.step]}
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
      <div className="steps" role="tablist" aria-label="Wizard steps" aria-orientation="vertical">
        {STEPS.map((label, i) => (
          <button
            key={label}
            type="button"
            role="tab"
            id={`${ids}-tab-${i}`}
            aria-selected={i === step}
            aria-controls={`${ids}-panel`}
            tabIndex={i === step ? 0 : -1}
            className={`step${i === step ? ' active' : i < step ? ' done' : ''}${badSteps.has(i) && i !== 6 ? ' bad' : ''}`}
            onClick={() => goTo(i)}
            onKeyDown={(e) => {
              // Arrow keys move between steps, as in any tab list.
              const next =
                e.key === 'ArrowDown' || e.key === 'ArrowRight'
                  ? i + 1
                  : e.key === 'ArrowUp' || e.key === 'ArrowLeft'
                    ? i - 1
                    : null;
              if (next === null || next < 0 || next >= STEPS.length) return;
              e.preventDefault();
              goTo(next);
              requestAnimationFrame(() => document.getElementById(`${ids}-tab-${next}`)?.focus());
            }}
          >
            <span className="dot" aria-hidden>
              {badSteps.has(i) && i !== 6 ? '!' : i < step ? '✓' : i + 1}
            </span>
            {label}
            {badSteps.has(i) && i !== 6 && <span className="sr-only"> (has a problem)</span>}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${ids}-panel`} aria-labelledby={`${ids}-tab-${step}`} ref={panel}>
        <Card title={STEPS[step]}>
          {panels[step]}
          {step < 6 && blocked === step && stepProblems.length > 0 && (
            <p className="field-error" role="alert" style={{ marginTop: 12 }}>
              Fix {stepProblems.length === 1 ? 'this' : 'these'} before going on:{' '}
              {stepProblems.map((p) => p.message).join(' ')}
            </p>
          )}
          <div className="wizard-footer">
            <button type="button" className="btn" disabled={step === 0} onClick={() => setStep(step - 1)}>
              ← Back
            </button>
            {step < STEPS.length - 1 ? (
              <button type="button" className="btn primary" onClick={() => goTo(step + 1)}>
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
    </div>
  );
}
