/** Facts about the built-in datasets that both the engine and the browser UI need. */

/** Fashion-MNIST class names in label order (Xiao et al. 2017). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

// Two names are too wide under a 28-pixel sample and on a chart axis.
const SHORT: Partial<Record<(typeof FASHION_MNIST_CLASSES)[number], string>> = {
  'T-shirt/top': 'T-shirt',
  'Ankle boot': 'Boot',
};

/** Fashion-MNIST class labels in label order, short enough for sample captions and chart axes. */
export const FASHION_MNIST_SHORT_LABELS: string[] = FASHION_MNIST_CLASSES.map((name) => SHORT[name] ?? name);
