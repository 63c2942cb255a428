/** A grid of data samples drawn on <canvas>, each with its label. */
import { useEffect, useRef } from 'react';
import type { DataPreview } from '../../../core/wire/bridge.ts';

type Sample = DataPreview['samples'][number];

function SampleCanvas(props: { sample: Sample }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { sample } = props;
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = sample.width;
    canvas.height = sample.height;
    const img = ctx.createImageData(sample.width, sample.height);
    const n = sample.width * sample.height;
    for (let i = 0; i < n; i++) {
      const base = i * sample.channels;
      const r = sample.pixels[base] ?? 0;
      const g = sample.channels >= 3 ? (sample.pixels[base + 1] ?? 0) : r;
      const b = sample.channels >= 3 ? (sample.pixels[base + 2] ?? 0) : r;
      img.data[i * 4] = r;
      img.data[i * 4 + 1] = g;
      img.data[i * 4 + 2] = b;
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [sample]);
  return <canvas ref={ref} className="sample-canvas" />;
}

/** Samples with their labels (class names when known). */
export function SampleGrid(props: { samples: Sample[]; classNames?: string[] }) {
  return (
    <div className="sample-grid" data-testid="sample-grid">
      {props.samples.map((s, i) => (
        <figure key={i} className="sample">
          <SampleCanvas sample={s} />
          <figcaption>{props.classNames?.[s.label] ?? s.label}</figcaption>
        </figure>
      ))}
    </div>
  );
}
