/** The Data screen's form as plain data: filled from what is loaded, turned back into a DataSource. */
import type { DataSource } from '../../../core/wire/bridge.ts';

export type Kind = DataSource['kind'];

export interface DataForm {
  kind: Kind;
  fm: { path: string; env: 'V' | 'H' | 'iid' | 'dirichlet'; index: number; seed: number; limit: number };
  idx: { imagesPath: string; labelsPath: string; testImagesPath: string; testLabelsPath: string };
  path: string;
}

/** The form for `source` (what the engine has loaded, so a reload shows it), or the defaults. */
export function formFromSource(source: DataSource | undefined): DataForm {
  const form: DataForm = {
    kind: source?.kind ?? 'fashion-mnist',
    fm: { path: '', env: 'V', index: 0, seed: 1, limit: 1000 },
    idx: { imagesPath: '', labelsPath: '', testImagesPath: '', testLabelsPath: '' },
    path: '',
  };
  if (source?.kind === 'fashion-mnist') {
    form.fm = {
      path: source.path ?? '',
      env: source.owner?.env ?? 'V',
      index: source.owner?.index ?? 0,
      seed: source.owner?.seed ?? 1,
      limit: source.limit ?? 0,
    };
  } else if (source?.kind === 'idx') {
    form.idx = {
      imagesPath: source.imagesPath,
      labelsPath: source.labelsPath,
      testImagesPath: source.testImagesPath ?? '',
      testLabelsPath: source.testLabelsPath ?? '',
    };
  } else if (source) {
    form.path = source.path;
  }
  return form;
}

/** The DataSource the form describes. */
export function sourceFromForm(form: DataForm): DataSource {
  const { kind, fm, idx, path } = form;
  if (kind === 'fashion-mnist') {
    return {
      kind,
      ...(fm.path ? { path: fm.path } : {}),
      owner: { env: fm.env, index: fm.index, seed: fm.seed },
      ...(fm.limit > 0 ? { limit: fm.limit } : {}),
    };
  }
  if (kind === 'idx') {
    return {
      kind,
      imagesPath: idx.imagesPath,
      labelsPath: idx.labelsPath,
      ...(idx.testImagesPath ? { testImagesPath: idx.testImagesPath } : {}),
      ...(idx.testLabelsPath ? { testLabelsPath: idx.testLabelsPath } : {}),
    };
  }
  return { kind, path };
}

/** A one-line description of a source, for "Loaded: …". */
export function describeSource(source: DataSource): string {
  if (source.kind === 'fashion-mnist') {
    const o = source.owner;
    const share = o ? `${o.env} split, owner ${o.index + 1}` : 'all of it';
    return `Fashion-MNIST (${share}${source.limit ? `, at most ${source.limit} samples` : ''})`;
  }
  if (source.kind === 'idx') return `IDX files ${source.imagesPath}`;
  return `${source.kind === 'csv' ? 'CSV file' : 'image folder'} ${source.path}`;
}
