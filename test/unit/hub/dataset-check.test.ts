import { describe, expect, it } from 'vitest';
import { datasetProblems } from '../../../hub/federation/dataset-check.ts';
import { PAPER_CNN } from '../../../core/model/spec.ts';

const summary = {
  inputShape: [28, 28, 1] as [number, number, number],
  numClasses: 10,
  classCounts: [],
  trainSamples: 5,
  testSamples: 1,
};

describe('datasetProblems', () => {
  it('accepts a dataset that fits', () => {
    expect(datasetProblems(PAPER_CNN, summary)).toEqual([]);
  });

  it('names the shape, the class count and empty training data', () => {
    const problems = datasetProblems(PAPER_CNN, {
      ...summary,
      inputShape: [32, 32, 3],
      numClasses: 5,
      trainSamples: 0,
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/32×32×3.*28×28×1/);
    expect(problems[1]).toMatch(/5 classes.*10/);
  });
});
