"""GAN.fit under tf.distribute.MirroredStrategy on two logical CPUs (no XLA) trains like one device."""

import subprocess
import sys
import os

SCRIPT = """
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras_gan

def run(strategy):
    with strategy.scope():
        gan = keras_gan.GAN(keras_gan.networks.mlp_generator(2, 2, seed=0),
                            keras_gan.networks.mlp_discriminator(2, seed=1), latent_dim=2, seed=0)
        gan.compile(jit_compile=False)
    data = np.random.default_rng(0).normal(size=(256, 2)).astype("float32")
    history = gan.fit(data, epochs=1, batch_size=64, verbose=0)
    return history.history["d_loss"][-1]

mirrored = run(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
print("finite", np.isfinite(mirrored))
"""


def test_fit_runs_under_mirrored_strategy_without_building_anything_by_hand():
    # A compiled GAN builds its optimizers' slots at compile time, inside the strategy's scope.
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    run = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "finite True" in run.stdout
