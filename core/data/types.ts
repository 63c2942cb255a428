/** A labelled image set held in memory: images NHWC float32 in [0, 1], labels as class indices. */
export interface Dataset {
  images: Float32Array;
  labels: Int32Array;
  /** [height, width, channels] */
  shape: [number, number, number];
  numClasses: number;
  /** Where it came from, for messages ("fashion-mnist train", a folder path, ...). */
  source: string;
}

/** One data owner's share: what it trains on and what it evaluates on locally. */
export interface OwnerSplit {
  train: Dataset;
  test: Dataset;
}

/** How the data is divided among owners. All deterministic from `seed`. */
export type PartitionSpec =
  | { env: 'V'; seed: number }
  | { env: 'H'; seed: number }
  | { env: 'iid'; seed: number; owners: number }
  | { env: 'dirichlet'; seed: number; owners: number; alpha: number };

/** The result of a partition: one split per owner and the hub's own test set. */
export interface Partition {
  owners: OwnerSplit[];
  hubTest: Dataset;
}
