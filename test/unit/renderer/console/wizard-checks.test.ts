import { describe, expect, it } from 'vitest';
import {
  defaultJobForm,
  formToSpec,
  specToYaml,
  yamlToForm,
} from '../../../../renderer/console/pages/job-form.ts';
import { firstBadStepBefore, wizardProblems } from '../../../../renderer/console/pages/wizard-checks.ts';

describe('wizard checks', () => {
  it('accepts the default form', () => {
    expect(wizardProblems(defaultJobForm())).toEqual([]);
  });

  it('says in plain words what is wrong, at the field and its step', () => {
    expect(wizardProblems({ ...defaultJobForm(), rounds: 0 })).toEqual([
      { field: 'rounds', step: 3, message: 'Rounds must be at least 1.' },
    ]);
    expect(wizardProblems({ ...defaultJobForm(), batchSize: 2.5 })[0].message).toBe(
      'Batch size must be a whole number.',
    );
    expect(wizardProblems({ ...defaultJobForm(), learningRate: NaN })[0].message).toBe(
      'Enter a number for Learning rate.',
    );
    expect(wizardProblems({ ...defaultJobForm(), name: '  ' })[0]).toMatchObject({ field: 'name', step: 0 });
  });

  it('puts a quorum too small for a robust method at Minimum participants, in plain words', () => {
    const problems = wizardProblems({
      ...defaultJobForm(),
      method: 'krum',
      maxByzantine: 1,
      minParticipants: 2,
    });
    expect(problems).toEqual([
      {
        field: 'minParticipants',
        step: 4,
        message: expect.stringMatching(/^minParticipants 2 is too small/),
      },
    ]);
  });

  it('stops the wizard at the first step with a problem before the one asked for', () => {
    const problems = wizardProblems({ ...defaultJobForm(), rounds: 0, minParticipants: 0 });
    expect(firstBadStepBefore(problems, 6)).toBe(3);
    expect(firstBadStepBefore(problems, 3)).toBeNull();
  });
});

describe('YAML to wizard', () => {
  it('carries every wizard field from YAML back into the form', () => {
    const form = { ...defaultJobForm(), name: 'x', rounds: 7, trainBy: 'steps' as const, localSteps: 9 };
    const res = yamlToForm(specToYaml(formToSpec(form)));
    expect(res.ok && formToSpec(res.form)).toEqual(formToSpec(form));
  });

  it('keeps YAML the wizard cannot show as YAML, saying why', () => {
    const res = yamlToForm('name: x\nrounds: 2\nmodel:\n  name: tiny\n');
    expect(res).toEqual({ ok: false, error: expect.stringMatching(/custom model/) });
    expect(yamlToForm('rounds: [').ok).toBe(false);
  });

  it('shows a wrong value at its field instead of dropping it', () => {
    const res = yamlToForm('name: x\nrounds: zero\n');
    expect(res.ok && wizardProblems(res.form)[0].message).toBe('Enter a number for Rounds.');
  });
});
