/** In-memory fakes of the participant's transport and runtime, for engine tests without tfjs or sockets. */
import type { OwnerSplit } from '../../../../core/data/types.ts';
import type { ModelSpec, WeightManifest } from '../../../../core/model/spec.ts';
import type {
  AckedEvent,
  ClientPayload,
  FederationConnection,
  LoadedData,
  LocalModel,
  ParticipantRuntime,
  TrainOptions,
  TransportFactory,
} from '../../../../core/participant/types.ts';
import type {
  Ack,
  FederationServerEvents,
  JobAssignment,
  ParticipantAuth,
  ParticipantStatus,
} from '../../../../core/wire/protocol.ts';

export interface SentFrame {
  event: string;
  msg: unknown;
}

/** A fake hub: the test drives server events and decides how requests are answered. */
export class FakeHub {
  connections: FakeConnection[] = [];
  sent: SentFrame[] = [];
  auths: ParticipantAuth[] = [];
  /** Answers requests; default: ok. Return null to never answer (timeout). */
  answer: (event: string, msg: unknown) => Ack<object> | null = () => ({ ok: true });
  /** When false, open() fails with a connect error. */
  reachable = true;
  connectErrorCode: string | undefined;

  readonly factory: TransportFactory = ({ auth }) => {
    this.auths.push(auth);
    const c = new FakeConnection(this);
    this.connections.push(c);
    return c;
  };

  get last(): FakeConnection {
    return this.connections[this.connections.length - 1];
  }

  /** Sends a hub → participant event on the current connection. */
  emit<E extends keyof FederationServerEvents>(
    event: E,
    msg: Parameters<FederationServerEvents[E]>[0],
  ): void {
    this.last.fire(event, msg);
  }

  /** The frames of one event sent so far. */
  frames(event: string): unknown[] {
    return this.sent.filter((f) => f.event === event).map((f) => f.msg);
  }
}

/** One fake connection. */
export class FakeConnection implements FederationConnection {
  connected = false;
  private readonly handlers = new Map<string, ((...args: unknown[]) => void)[]>();

  constructor(private readonly hub: FakeHub) {}

  private add(event: string, h: (...args: unknown[]) => void): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
  }

  fire(event: string, ...args: unknown[]): void {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }

  on<E extends keyof FederationServerEvents>(event: E, handler: FederationServerEvents[E]): void {
    this.add(event, handler as (...args: unknown[]) => void);
  }
  onConnect(handler: () => void): void {
    this.add('connect', handler);
  }
  onDisconnect(handler: (reason: string, byServer: boolean) => void): void {
    this.add('disconnect', (r) => handler(String(r), false));
  }
  onConnectError(handler: (err: { message: string; code?: string }) => void): void {
    this.add('connect_error', (e) => handler(e as { message: string; code?: string }));
  }
  async request<E extends AckedEvent>(
    event: E,
    msg: ClientPayload<E>,
    timeoutMs: number,
  ): Promise<Ack<object>> {
    if (!this.connected) throw new Error('not connected');
    this.hub.sent.push({ event, msg });
    const res = this.hub.answer(event, msg);
    if (res === null) {
      await new Promise((r) => setTimeout(r, timeoutMs));
      throw new Error('operation has timed out');
    }
    return res;
  }
  notify(msg: ParticipantStatus): void {
    this.hub.sent.push({ event: 'participant:status', msg });
  }
  open(): void {
    setTimeout(() => {
      if (this.hub.reachable) {
        this.connected = true;
        this.fire('connect');
      } else {
        this.fire('connect_error', { message: 'connect ECONNREFUSED', code: this.hub.connectErrorCode });
      }
    }, 1);
  }
  close(): void {
    this.connected = false;
  }
  /** The hub vanishes. */
  drop(): void {
    this.connected = false;
    this.fire('disconnect', 'transport close');
  }
}

const SPEC: ModelSpec = {
  name: 'tiny',
  inputShape: [2, 2, 1],
  numClasses: 2,
  layers: [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }],
};
export const TINY_MANIFEST: WeightManifest = [
  { name: 'dense/kernel', shape: [4, 2] },
  { name: 'dense/bias', shape: [2] },
];
export { SPEC as TINY_SPEC };

/** A two-round avg job on the tiny model, as the hub assigns it (`over` changes any field). */
export function fakeJob(over: Partial<JobAssignment> = {}): JobAssignment {
  return {
    jobId: 'job1',
    name: 'test job',
    model: SPEC,
    method: 'avg',
    rounds: 2,
    localEpochs: 1,
    localSteps: null,
    batchSize: 4,
    learningRate: 0.001,
    optimizer: 'adam',
    targetAccuracy: null,
    currentRound: 0,
    ...over,
  };
}

/** Encodes weights as a 4-byte count header + float32 data (enough to test the flow). */
export function fakeEncode(weights: Float32Array[]): Uint8Array {
  const total = weights.reduce((n, w) => n + w.length, 0);
  const out = new Float32Array(1 + total);
  out[0] = total;
  let o = 1;
  for (const w of weights) {
    out.set(w, o);
    o += w.length;
  }
  return new Uint8Array(out.buffer);
}

/** A runtime whose "training" adds 1 to every weight, and whose accuracy is fixed. */
export function fakeRuntime(
  opts: { trainDelayMs?: number; classes?: number } = {},
): ParticipantRuntime & { trained: number; trainOptions: TrainOptions[] } {
  const rt = {
    trained: 0,
    trainOptions: [] as TrainOptions[],
    async selectBackend() {
      return { backend: 'fake', device: 'test', notes: [] };
    },
    async loadData(): Promise<LoadedData> {
      const classes = opts.classes ?? 2;
      const ds = (n: number) => ({
        images: new Float32Array(n * 4),
        labels: Int32Array.from({ length: n }, (_, i) => i % classes),
        shape: [2, 2, 1] as [number, number, number],
        numClasses: classes,
        source: 'fake',
      });
      const split: OwnerSplit = { train: ds(8), test: ds(4) };
      return {
        split,
        description: 'fake data',
        summary: {
          inputShape: [2, 2, 1],
          numClasses: classes,
          classCounts: Array(classes).fill(1),
          trainSamples: 8,
          testSamples: 4,
        },
        samples: [],
      };
    },
    checkData(data: LoadedData, model: ModelSpec): string[] {
      return data.summary.numClasses === model.numClasses
        ? []
        : [`the data has ${data.summary.numClasses} classes, the job's model ${model.numClasses}`];
    },
    manifest: () => TINY_MANIFEST,
    async createModel(): Promise<LocalModel> {
      let w = TINY_MANIFEST.map((t) => new Float32Array(t.shape.reduce((a, b) => a * b, 1)));
      return {
        manifest: TINY_MANIFEST,
        setWeights: (x) => (w = x.map((a) => Float32Array.from(a))),
        getWeights: () => w.map((a) => Float32Array.from(a)),
        async train(o) {
          rt.trainOptions.push(o);
          for (let s = 0; s < 4; s++) {
            if (o.signal.aborted) throw new DOMException('aborted', 'AbortError');
            await new Promise((r) => setTimeout(r, (opts.trainDelayMs ?? 0) / 4));
            o.onProgress({
              epoch: 1,
              epochs: 1,
              samplesDone: (s + 1) * 2,
              samplesTotal: 8,
              loss: 0.5,
              accuracy: 0.75,
              samplesPerSec: 100,
              etaSec: 0,
            });
          }
          w = w.map((a) => a.map((v) => v + 1));
          rt.trained++;
          return { loss: 0.5, accuracy: 0.75, samples: 8, samplesPerSec: 100, durationMs: 10 };
        },
        async evaluate() {
          return { accuracy: 0.6 + w[1][0] / 100, loss: 1, samples: 4 };
        },
        dispose() {},
      };
    },
    encodeWeights: (_m: WeightManifest, w: Float32Array[]) => fakeEncode(w),
    decodeWeights(bytes: Uint8Array, m: WeightManifest): Float32Array[] {
      const f = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const want = m.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
      if (f[0] !== want) throw new Error(`expected ${want} values, got ${f[0]}`);
      let o = 1;
      return m.map((t) => {
        const n = t.shape.reduce((a, b) => a * b, 1);
        const out = f.slice(o, o + n);
        o += n;
        return out;
      });
    },
  };
  return rt;
}
