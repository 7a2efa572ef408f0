"""The quality options (spectral norm, generator EMA, a new loss family and both penalties) resume bit-identically:
a run stopped after 2 epochs and continued to 4 ends with the same checkpoint as a run of 4."""

import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

from keras_gan import checkpoints

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLAGS = ["--config=dcgan_fashion_mnist", "--architecture=dcgan", "--base_filters=4", "--spectral_norm", "--ema_decay=0.9", "--generator_loss=hinge",
         "--gradient_penalty=1", "--r1_penalty=0.5", "--r1_interval=2", "--d_steps=2", "--batch_size=8",
         "--latent_dim=4", "--optimizer=adam", "--learning_rate=2e-4", "--lr_decay_factor=1", "--verbose=0",
         "--num_grid_samples=4", "--deterministic"]


def _train(workdir, data, epochs):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = subprocess.run([sys.executable, "-m", "keras_gan", "train", f"--dataset={data}", f"--workdir={workdir}",
                          f"--epochs={epochs}", *FLAGS], env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]


def _state(workdir):
    _, path = checkpoints.list_checkpoints(os.path.join(workdir, "checkpoints"))[-1]
    reader = tf.train.load_checkpoint(path)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if name not in ("_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter/.ATTRIBUTES/VARIABLE_VALUE")}


def test_spectral_norm_ema_hinge_and_penalties_resume_bit_identically(tmp_path):
    data = tmp_path / "images.npy"
    np.save(data, np.random.default_rng(0).uniform(size=(160, 8, 8, 1)).astype("float32"))
    _train(tmp_path / "whole", data, 4)
    _train(tmp_path / "split", data, 2)
    _train(tmp_path / "split", data, 4)
    whole, split = _state(tmp_path / "whole"), _state(tmp_path / "split")
    assert sorted(whole) == sorted(split)
    for name, value in whole.items():
        assert np.array_equal(value, split[name]), f"{name} differs after resuming"
    # What had to match includes the average and the power-iteration vectors.
    assert any("ema_generator" in name for name in whole)
    assert any("vector_u" in name for name in whole)
