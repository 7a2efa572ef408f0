"""Input pipeline benchmark: does keras_gan.data keep up with the paper's GAN on this machine?

    python benchmarks/input_pipeline.py [--data_dir DIR] [--rounds 30] [--steps 40]

Measures, on Fashion-MNIST (offline from Debian's dataset-fashion-mnist; the paper's
train[0:50000], batch 100, flattened to 784, pixels in [0, 1]):

1. how fast the input pipelines deliver batches, drained inside a `tf.function` so that
   Python adds nothing: `image_dataset` (cache=True: in-memory, index batches), the
   per-example tf.data recipe on the same in-memory images (shuffle -> batch), and
   `image_dataset(cache=False)` (TFDS records decoded every epoch);
2. how fast the paper's GAN (Maxout MLP D, ReLU MLP G, k=1, SGD, jit_compile=True) consumes
   batches: training steps/s;
3. the same GAN trained for the same number of steps from `image_dataset` and from
   in-memory tensors (the same 50,000 images pre-batched with
   `tf.data.Dataset.from_tensor_slices`), alternating A/B in `--rounds` rounds so that
   load from other processes hits both alike. Steps are timed inside `fit` (a callback,
   after 5 warm-up steps). Reported: the median of the paired per-round ratios, the ratio
   of the best runs, and the process's CPU time per step (least sensitive to other load).

Prints a table and the load average (other processes share the CPU).
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import keras_gan  # noqa: E402

BATCH = 100


def load():
    return "%.1f" % os.getloadavg()[0]


@tf.function
def _drain(ds):
    # Touch every batch so nothing is optimised away; count them.
    n, total = tf.constant(0), tf.constant(0.0)
    for batch in ds:
        n += 1
        total += batch[0, 0]
    return n, total


def batches_per_second(ds, epochs):
    _drain(ds)  # Trace, warm caches and the first epoch's state.
    start = time.perf_counter()
    count = 0
    for _ in range(epochs):
        n, _ = _drain(ds)
        count += int(n)
    return count / (time.perf_counter() - start)


def paper_gan():
    gan = keras_gan.GAN(keras_gan.networks.paper_generator(seed=0),
                        keras_gan.networks.paper_discriminator(seed=1), latent_dim=100,
                        d_steps=1, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
                g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
                generator_loss="non_saturating", jit_compile=True)
    return gan


class _StepClock(keras.callbacks.Callback):
    """Wall and CPU time from the end of step `skip` to the end of the last step."""

    def __init__(self, skip):
        super().__init__()
        self.skip, self.start, self.end = skip, None, None

    def on_train_batch_end(self, batch, logs=None):
        now = (time.perf_counter(), time.process_time())
        if batch + 1 == self.skip:
            self.start = now
        self.end = now


def train_rate(gan, ds, steps, skip=5):
    """(steps/s, CPU seconds of this process per step) over `steps` steps after `skip`.

    Timed inside fit by a callback, so iterator creation and fit's own start-up (equal for
    both inputs, but noisy) stay out of the numbers.
    """
    clock = _StepClock(skip)
    gan.fit(ds, epochs=1, steps_per_epoch=steps + skip, verbose=0, callbacks=[clock])
    wall = clock.end[0] - clock.start[0]
    cpu = clock.end[1] - clock.start[1]
    return steps / wall, cpu / steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", default=None, help="TFDS data_dir (default: TFDS's).")
    parser.add_argument("--rounds", type=int, default=30, help="A/B rounds of training.")
    parser.add_argument("--steps", type=int, default=40,
                        help="Timed training steps per run (<= 490); short runs pair better.")
    parser.add_argument("--epochs", type=int, default=5, help="Epochs drained per pipeline.")
    args = parser.parse_args(argv)
    print(f"load average at start: {load()} ({os.cpu_count()} CPUs)")

    start = time.perf_counter()
    tfds_ds = keras_gan.data.image_dataset("fashion_mnist", "train", batch_size=BATCH,
                                           flatten=True, seed=0, data_dir=args.data_dir)
    first_read = time.perf_counter() - start
    x, _ = keras_gan.data.load_arrays("fashion_mnist", "train", data_dir=args.data_dir)
    x = x.reshape(len(x), -1)
    memory_ds = tf.data.Dataset.from_tensor_slices(x.reshape(-1, BATCH, x.shape[1]))
    x_uint8 = np.rint(x * 255).astype(np.uint8)
    per_example_ds = (tf.data.Dataset.from_tensor_slices(x_uint8)
                      .shuffle(len(x_uint8), seed=0).batch(BATCH, drop_remainder=True)
                      .map(lambda b: tf.cast(b, tf.float32) / 255.0,
                           num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))
    streaming_ds = keras_gan.data.image_dataset("fashion_mnist", "train", batch_size=BATCH,
                                                flatten=True, cache=False,
                                                data_dir=args.data_dir)

    rows = []
    rates = {}
    for label, ds, epochs in [
        ("image_dataset (cache=True, in-memory index batches)", tfds_ds, args.epochs),
        ("in-memory tensors, pre-batched (from_tensor_slices)", memory_ds, args.epochs),
        ("per-example tf.data: shuffle(50000) -> batch -> map", per_example_ds, args.epochs),
        ("image_dataset (cache=False, TFDS decode each epoch)", streaming_ds, 1),
    ]:
        rates[label] = batches_per_second(ds, epochs)
        rows.append((label, f"{rates[label]:,.0f} batches/s", load()))

    # The consumer: the paper's GAN, XLA-compiled; first fit compiles.
    gan = paper_gan()
    gan.fit(memory_ds, epochs=1, steps_per_epoch=50, verbose=0)
    gan.fit(tfds_ds, epochs=1, steps_per_epoch=50, verbose=0)
    runs = {"tfds": [], "memory": []}
    cpu = {"tfds": [], "memory": []}
    for r in range(args.rounds):
        order = ("tfds", "memory") if r % 2 == 0 else ("memory", "tfds")
        for mode in order:
            rate, cpu_per_step = train_rate(gan, tfds_ds if mode == "tfds" else memory_ds,
                                            args.steps)
            runs[mode].append(rate)
            cpu[mode].append(cpu_per_step)
        if (r + 1) % 5 == 0:
            print(f"round {r + 1}: tfds {runs['tfds'][-1]:.1f} steps/s, "
                  f"memory {runs['memory'][-1]:.1f} steps/s, load {load()}")
    gan_rate = statistics.median(runs["memory"])
    tfds_rate = statistics.median(runs["tfds"])
    # Adjacent runs see about the same load from other processes: compare them pairwise.
    paired = [a / b for a, b in zip(runs["tfds"], runs["memory"])]
    rows.append(("GAN training, paper MLP, k=1, batch 100, XLA: in-memory tensors",
                 f"{gan_rate:.1f} steps/s, {1e3 * statistics.median(cpu['memory']):.0f} "
                 "CPU-ms/step", load()))
    rows.append(("GAN training, same model and steps: image_dataset",
                 f"{tfds_rate:.1f} steps/s, {1e3 * statistics.median(cpu['tfds']):.0f} "
                 "CPU-ms/step", load()))

    print(f"\nFashion-MNIST train[0:50000], batch {BATCH}, flattened; first read of the split "
          f"(TFDS decode into memory): {first_read:.1f} s\n")
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'rate':>32}  load")
    for what, rate, load_avg in rows:
        print(f"{what:<{width}}  {rate:>32}  {load_avg}")
    pipeline = rates["image_dataset (cache=True, in-memory index batches)"]
    print(f"\npipeline / GAN consumption: {pipeline / gan_rate:.0f}x (target >= 20x)")
    print(f"training from image_dataset vs in-memory tensors, {args.rounds} paired rounds of "
          f"{args.steps} steps (target within 5%):")
    q1, _, q3 = statistics.quantiles(paired, n=4)
    print(f"  steps/s, median of paired ratios: {statistics.median(paired) - 1:+.1%} "
          f"(quartiles {q1 - 1:+.1%} .. {q3 - 1:+.1%})")
    print(f"  steps/s, best run of each:        {max(runs['tfds']) / max(runs['memory']) - 1:+.1%}")
    print(f"  CPU time per step, medians:       "
          f"{statistics.median(cpu['tfds']) / statistics.median(cpu['memory']) - 1:+.1%}")
    print("per-round ratios tfds/memory: " + ", ".join(f"{p:.2f}" for p in paired))


if __name__ == "__main__":
    main()
