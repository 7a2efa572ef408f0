"""Times the exported generator's signatures with and without XLA on CPU (the paper's 100-1200-1200-784 MLP).

    TF_CPP_MIN_LOG_LEVEL=2 python benchmarks/export_xla_cpu.py [--repeats 50]

Both exports are reloaded with tf.saved_model.load in this process; reported: the first call per signature and
batch size (includes XLA compilation when on) and the median of the following calls (alternating between the two
exports), in milliseconds.
"""

import argparse
import os
import statistics
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from keras_gan import export


def paper_sized_generator(latent_dim=100):
    init = keras.initializers.RandomUniform(-0.05, 0.05, seed=0)
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(1200, activation="relu", kernel_initializer=init),
            keras.layers.Dense(1200, activation="relu", kernel_initializer=init),
            keras.layers.Dense(784, activation="sigmoid", kernel_initializer=init),
        ]
    )


def first_call_ms(fn):
    t = time.perf_counter()
    fn()
    return 1000 * (time.perf_counter() - t)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--batch_sizes", default="1,100,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    generator = paper_sized_generator()
    base = tempfile.mkdtemp()
    models = {}
    for jit in (False, True):
        path = export.export_generator(generator, base, f"jit{int(jit)}", jit_compile=jit, warmup=False)
        models[jit] = tf.saved_model.load(path)
    print(f"tf {tf.__version__}, keras {keras.__version__}, {os.cpu_count()} CPUs, {args.repeats} timed calls each")
    print("| signature | batch | first call ms (no XLA / XLA) | median ms (no XLA / XLA) |")
    print("|---|---|---|---|")
    for n in sizes:
        z = tf.constant(np.random.default_rng(0).uniform(-1, 1, (n, 100)).astype("float32"))
        count, seed = tf.constant(n), tf.constant(0, tf.int64)
        calls = {
            "serving_default": lambda m: m.signatures["serving_default"](z=z)["images"].numpy(),
            "sample": lambda m: m.signatures["sample"](num_samples=count, seed=seed)["images"].numpy(),
        }
        for name, call in calls.items():
            first = {jit: first_call_ms(lambda: call(models[jit])) for jit in models}
            times = {jit: [] for jit in models}
            # Alternate the two exports so that load from other processes hits both alike.
            for _ in range(args.repeats):
                for jit in models:
                    t = time.perf_counter()
                    call(models[jit])
                    times[jit].append(1000 * (time.perf_counter() - t))
            med = {jit: statistics.median(times[jit]) for jit in models}
            print(
                f"| {name} | {n} | {first[False]:.1f} / {first[True]:.1f} | {med[False]:.2f} / {med[True]:.2f} |"
            )


if __name__ == "__main__":
    main()
