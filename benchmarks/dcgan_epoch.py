"""Seconds per training step and per epoch of the dcgan_fashion_mnist config, for a few network widths.

Times `gan.fit` on stand-in images shaped like Fashion-MNIST (the step cost does not depend on pixel values), after
a warm-up execution that compiles the step. An epoch is 50,000 / 64 = 781 steps.

    python benchmarks/dcgan_epoch.py --base_filters=8,16,32 --steps=100

For the real thing, with data loading, sample grids and checkpoints, time the command itself:

    time keras-gan train --config=dcgan_fashion_mnist --workdir=runs/dcgan --epochs=1 --verbose=2
"""

import dataclasses
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_gan import configs, train_lib  # noqa: E402
from keras_gan.data import pipeline  # noqa: E402

flags.DEFINE_list("base_filters", ["8", "16", "32"], "Widths f to time.")
flags.DEFINE_integer("steps", 100, "Timed training steps per width.")
flags.DEFINE_boolean("jit_compile", True, "XLA, as the config uses.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    base = configs.get_config("dcgan_fashion_mnist")
    steps_per_epoch = 50_000 // base.batch_size
    print(f"{'base_filters':>12} {'ms/step':>9} {'s/epoch (781 steps)':>20} {'G params':>9} {'D params':>9}")
    for f in FLAGS.base_filters:
        config = dataclasses.replace(base, base_filters=int(f), jit_compile=FLAGS.jit_compile, epochs=1, verbose=0)
        rng = np.random.default_rng(0)
        images = rng.random((config.batch_size * (FLAGS.steps + 20), 28, 28, 1), dtype=np.float32)
        gan = train_lib.build_gan(config, (28, 28, 1))
        warm = pipeline.epoch_batches(images[: config.batch_size * 20], batch_size=config.batch_size, epochs=1)
        gan.fit(warm, epochs=1, steps_per_epoch=20, verbose=0)  # compile
        timed = pipeline.epoch_batches(images[: config.batch_size * FLAGS.steps], batch_size=config.batch_size,
                                       epochs=1)
        steps = FLAGS.steps
        start = time.perf_counter()
        gan.fit(timed, epochs=1, verbose=0)
        per_step = (time.perf_counter() - start) / steps
        print(f"{f:>12} {1000 * per_step:9.1f} {per_step * steps_per_epoch:20.0f} "
              f"{gan.generator.count_params():9d} {gan.discriminator.count_params():9d}")


if __name__ == "__main__":
    app.run(main)
