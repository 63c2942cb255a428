import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { jobSpecSchema } from '../../../../core/wire/job-spec.ts';
import {
  defaultJobForm,
  defaultYaml,
  formToSpec,
  specToYaml,
} from '../../../../renderer/console/pages/job-form.ts';

describe('job form', () => {
  it('turns the default wizard form into a valid job spec', () => {
    expect(jobSpecSchema.safeParse(formToSpec(defaultJobForm())).success).toBe(true);
  });

  it('trains by steps or by epochs, never both', () => {
    const steps = formToSpec({ ...defaultJobForm(), trainBy: 'steps', localSteps: 7 });
    expect(steps.localSteps).toBe(7);
    expect(steps.localEpochs).toBeUndefined();
  });

  it('leaves the target out when the operator turns it off, and converts percent to a fraction', () => {
    expect(formToSpec({ ...defaultJobForm(), useTarget: false }).targetAccuracy).toBeUndefined();
    expect(formToSpec({ ...defaultJobForm(), targetPercent: 90 }).targetAccuracy).toBeCloseTo(0.9);
  });

  it('writes YAML that parses back to the same spec', () => {
    const spec = formToSpec({ ...defaultJobForm(), method: 'absmax', hubEvalEnv: 'H' });
    expect(parse(specToYaml(spec))).toEqual(spec);
    expect(jobSpecSchema.safeParse(parse(defaultYaml())).success).toBe(true);
  });

  it('reports a bad value so the wizard can point at its step', () => {
    const res = jobSpecSchema.safeParse(formToSpec({ ...defaultJobForm(), rounds: 0 }));
    expect(res.success).toBe(false);
    expect(res.error?.issues[0]?.path).toEqual(['rounds']);
  });
});
