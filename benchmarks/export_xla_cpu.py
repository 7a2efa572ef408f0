"""Times the exported generator's signatures with and without XLA on CPU (the paper's 100-1200-1200-784 MLP).

    TF_CPP_MIN_LOG_LEVEL=2 python benchmarks/export_xla_cpu.py [--repeats 50]

Each export is reloaded with tf.saved_model.load in this process; reported: the first call per batch size (includes
XLA compilation when on) and the median of the following calls, in milliseconds.
"""

import argparse
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


def time_calls(fn, repeats):
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * first, 1000 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--batch_sizes", default="1,100,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    generator = paper_sized_generator()
    base = tempfile.mkdtemp()
    print(f"tf {tf.__version__}, keras {keras.__version__}, CPU threads: {tf.config.threading.get_intra_op_parallelism_threads() or 'default'}")
    print("| jit_compile | signature | batch | first call ms | median ms |")
    print("|---|---|---|---|---|")
    for jit in (False, True):
        path = export.export_generator(generator, base, f"jit{int(jit)}", jit_compile=jit, warmup=False)
        model = tf.saved_model.load(path)
        for n in sizes:
            z = tf.constant(np.random.default_rng(0).uniform(-1, 1, (n, 100)).astype("float32"))
            fn = model.signatures["serving_default"]
            first, med = time_calls(lambda: fn(z=z)["images"].numpy(), args.repeats)
            print(f"| {jit} | serving_default | {n} | {first:.1f} | {med:.2f} |")
            fn = model.signatures["sample"]
            count, seed = tf.constant(n), tf.constant(0, tf.int64)
            first, med = time_calls(lambda: fn(num_samples=count, seed=seed)["images"].numpy(), args.repeats)
            print(f"| {jit} | sample | {n} | {first:.1f} | {med:.2f} |")


if __name__ == "__main__":
    main()
