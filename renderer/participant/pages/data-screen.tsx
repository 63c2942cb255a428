/** Data: choose where the local training data comes from, then see samples, a histogram and problems. */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { FASHION_MNIST_SHORT_LABELS } from '../../../core/wire/datasets.ts';
import { useParticipant } from '../store/index.ts';
import { Card, PageHeader, Stat } from '../../shared/layout.tsx';
import { Banner, EmptyState, Spinner } from '../../shared/feedback.tsx';
import { ClassHistogram } from '../../shared/charts.tsx';
import { formatNumber } from '../../shared/format.ts';
import { SampleGrid } from './sample-grid.tsx';
import { describeSource, formFromSource, sourceFromForm, type Kind } from './data-form.ts';

const KINDS: { id: Kind; title: string; text: string }[] = [
  {
    id: 'fashion-mnist',
    title: 'Fashion-MNIST share',
    text: 'The paper’s data, split like its environments.',
  },
  { id: 'idx', title: 'IDX files', text: 'MNIST-style images + labels (.gz allowed).' },
  { id: 'folder', title: 'Image folder', text: 'One sub-folder per class, PNG or JPEG.' },
  { id: 'csv', title: 'CSV', text: 'label first, then pixel values 0–255.' },
];

function PathInput(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  pick: 'file' | 'folder';
  hint?: string;
}) {
  const { bridge, bridgeKind } = useParticipant(
    useShallow((s) => ({ bridge: s.bridge, bridgeKind: s.bridgeKind })),
  );
  return (
    <label className="field">
      {props.label}
      <div className="path-row">
        <input
          className="input mono"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          placeholder="/path/on/this/machine"
        />
        {bridgeKind === 'electron' && (
          <button
            type="button"
            className="btn"
            onClick={() => void bridge?.pickPath(props.pick).then((p) => p !== null && props.onChange(p))}
          >
            Browse…
          </button>
        )}
      </div>
      {props.hint && <span className="hint">{props.hint}</span>}
    </label>
  );
}

/** The data screen. */
export function DataScreen() {
  const { engine, busy, loadData, preview, setScreen } = useParticipant(
    useShallow((s) => ({
      engine: s.engine,
      busy: s.busy,
      loadData: s.loadData,
      preview: s.preview,
      setScreen: s.setScreen,
    })),
  );
  // What the engine has loaded fills the form, so a reload shows it rather than another share.
  const [initial] = useState(() => formFromSource(engine?.data?.source));
  const [kind, setKind] = useState<Kind>(initial.kind);
  const [fm, setFm] = useState(initial.fm);
  const [idx, setIdx] = useState(initial.idx);
  const [path, setPath] = useState(initial.path);
  const data = engine?.data ?? preview;
  const source = () => sourceFromForm({ kind, fm, idx, path });
  const classNames = data?.source.kind === 'fashion-mnist' ? FASHION_MNIST_SHORT_LABELS : undefined;

  return (
    <>
      <PageHeader
        title="Your data"
        subtitle="It stays on this machine: only trained weights are sent to the hub."
      />
      <Card title="Source">
        <div style={{ display: 'grid', gap: 16 }}>
          <div className="source-grid" role="radiogroup" aria-label="Data source">
            {KINDS.map((k) => (
              <button
                key={k.id}
                type="button"
                role="radio"
                aria-checked={kind === k.id}
                className={`choice${kind === k.id ? ' on' : ''}`}
                onClick={() => setKind(k.id)}
              >
                <strong style={{ fontFamily: 'inherit' }}>{k.title}</strong>
                <span>{k.text}</span>
              </button>
            ))}
          </div>
          {kind === 'fashion-mnist' && (
            <div className="form-grid">
              <PathInput
                label="Folder (optional)"
                pick="folder"
                value={fm.path}
                onChange={(v) => setFm({ ...fm, path: v })}
                hint="Empty: the standard install location."
              />
              <label className="field">
                Split
                <select
                  className="input"
                  value={fm.env}
                  onChange={(e) => setFm({ ...fm, env: e.target.value as typeof fm.env })}
                >
                  <option value="V">V — IID halves (paper)</option>
                  <option value="H">H — labels 0–4 / 5–9 (paper)</option>
                  <option value="iid">IID</option>
                  <option value="dirichlet">Dirichlet (non-IID)</option>
                </select>
              </label>
              <label className="field">
                Your share
                <select
                  className="input"
                  value={fm.index}
                  onChange={(e) => setFm({ ...fm, index: Number(e.target.value) })}
                >
                  <option value={0}>Owner 1</option>
                  <option value={1}>Owner 2</option>
                </select>
              </label>
              <label className="field">
                Samples (at most)
                <input
                  className="input num"
                  type="number"
                  value={fm.limit}
                  onChange={(e) => setFm({ ...fm, limit: Number(e.target.value) })}
                />
              </label>
            </div>
          )}
          {kind === 'idx' && (
            <div className="form-grid">
              <PathInput
                label="Training images"
                pick="file"
                value={idx.imagesPath}
                onChange={(v) => setIdx({ ...idx, imagesPath: v })}
              />
              <PathInput
                label="Training labels"
                pick="file"
                value={idx.labelsPath}
                onChange={(v) => setIdx({ ...idx, labelsPath: v })}
              />
              <PathInput
                label="Test images (optional)"
                pick="file"
                value={idx.testImagesPath}
                onChange={(v) => setIdx({ ...idx, testImagesPath: v })}
              />
              <PathInput
                label="Test labels (optional)"
                pick="file"
                value={idx.testLabelsPath}
                onChange={(v) => setIdx({ ...idx, testLabelsPath: v })}
              />
            </div>
          )}
          {(kind === 'folder' || kind === 'csv') && (
            <PathInput
              label={kind === 'folder' ? 'Image folder' : 'CSV file'}
              pick={kind === 'folder' ? 'folder' : 'file'}
              value={path}
              onChange={setPath}
              hint={
                kind === 'folder'
                  ? 'Sub-folders are the class names, in alphabetical order.'
                  : 'First column: label (0…n-1).'
              }
            />
          )}
          <div className="actions">
            <button
              type="button"
              className="btn primary"
              disabled={busy !== null}
              onClick={() => void loadData(source())}
            >
              {busy === 'data' && <Spinner label="Loading data" />}
              {busy === 'data' ? 'Loading and checking…' : data ? 'Load again' : 'Load and check'}
            </button>
            {data && engine?.job && (
              <button type="button" className="btn" onClick={() => setScreen('training')}>
                Go to training →
              </button>
            )}
          </div>
        </div>
      </Card>
      {!data ? (
        <div className="card">
          <EmptyState
            title="No data loaded yet"
            hint="Pick a source above and press “Load and check”. You will see samples, class counts and anything that does not fit the job."
          />
        </div>
      ) : (
        <>
          <p className="muted small" data-testid="data-loaded" style={{ margin: 0 }}>
            Loaded: {describeSource(data.source)}
          </p>
          {data.problems.length > 0 ? (
            <Banner tone="err">
              <strong>This data does not fit the job yet:</strong>
              <ul className="problems" data-testid="data-problems">
                {data.problems.map((p, i) => (
                  <li key={i}>{p}</li>
                ))}
              </ul>
            </Banner>
          ) : (
            <Banner tone="ok">The data fits the job: {data.description}</Banner>
          )}
          <div className="stats">
            <Stat label="Training samples" value={formatNumber(data.summary.trainSamples)} />
            <Stat label="Test samples" value={formatNumber(data.summary.testSamples)} />
            <Stat label="Image shape" value={data.summary.inputShape.join(' × ')} />
            <Stat label="Classes" value={data.summary.numClasses} />
          </div>
          <div className="grid-2">
            <Card title="Samples">
              <SampleGrid samples={data.samples} classNames={classNames} />
            </Card>
            <Card title="Samples per class">
              <ClassHistogram
                counts={data.summary.classCounts}
                labels={classNames}
                testId="class-histogram"
              />
            </Card>
          </div>
        </>
      )}
    </>
  );
}
