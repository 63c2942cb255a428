/** Whether a participant's dataset fits a job's model, in words the data owner can act on. */
import type { ModelSpec } from '../../core/model/spec.ts';
import type { DatasetSummary } from '../../core/wire/protocol.ts';

/** The problems of a dataset summary against a model; empty when it fits. */
export function datasetProblems(model: ModelSpec, dataset: DatasetSummary): string[] {
  const [h, w, c] = dataset.inputShape;
  const [eh, ew, ec] = model.inputShape;
  const problems: string[] = [];
  if (h !== eh || w !== ew || c !== ec) {
    problems.push(
      `images are ${h}×${w}×${c}, the job's model takes ${eh}×${ew}×${ec}: resize or convert them`,
    );
  }
  if (dataset.numClasses !== model.numClasses) {
    problems.push(
      `the data has ${dataset.numClasses} classes, the job's model has ${model.numClasses}: relabel it or choose another job`,
    );
  }
  if (dataset.trainSamples === 0)
    problems.push('there are no training samples: choose a folder with labelled images');
  return problems;
}
