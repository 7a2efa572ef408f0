"""A run killed with SIGKILL and started again with the same command ends bit-identical to an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import tensorflow as tf

from keras_gan import checkpoints

EPOCHS = 6
# toy_ring with batches of 500: 40 steps per epoch, so the whole run takes seconds; the flags are the command a
# user would type, plus --deterministic (enable_op_determinism) for a bit-for-bit comparison.
COMMAND = ["train", "--config=toy_ring", f"--epochs={EPOCHS}", "--batch_size=500", "--verbose=0", "--deterministic"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _start(workdir):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "keras_gan", *COMMAND, f"--workdir={workdir}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO,
    )


def _final_state(workdir):
    """{name: value} of every tensor in the newest checkpoint (the object graph's own bookkeeping aside)."""
    found = checkpoints.list_checkpoints(os.path.join(workdir, "checkpoints"))
    assert found and found[-1][0] == EPOCHS, found
    reader = tf.train.load_checkpoint(found[-1][1])
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if name not in ("_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter/.ATTRIBUTES/VARIABLE_VALUE")}


def test_sigkill_then_same_command_ends_bit_identical(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("resume", numbered=True)
    whole, killed = str(tmp_path / "whole"), str(tmp_path / "killed")
    uninterrupted = _start(whole)

    # Start the second run and SIGKILL it once it has written two checkpoints (mid-epoch 3 or later).
    victim = _start(killed)
    checkpoint_dir = os.path.join(killed, "checkpoints")
    deadline = time.time() + 120
    while len(checkpoints.list_checkpoints(checkpoint_dir)) < 2:
        assert victim.poll() is None, victim.stdout.read().decode()[-3000:]
        assert time.time() < deadline, "no checkpoints after 120 s"
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    epochs_done = checkpoints.list_checkpoints(checkpoint_dir)[-1][0]
    assert epochs_done < EPOCHS

    # The same command again resumes from the newest checkpoint and finishes.
    resumed = _start(killed)
    out = resumed.communicate(timeout=300)[0].decode()
    assert resumed.returncode == 0, out[-3000:]
    assert f"Resuming toy_ring from epoch {epochs_done}" in out
    out = uninterrupted.communicate(timeout=300)[0].decode()
    assert uninterrupted.returncode == 0, out[-3000:]

    state_a, state_b = _final_state(whole), _final_state(killed)
    assert sorted(state_a) == sorted(state_b)
    for name, a in state_a.items():
        b = state_b[name]
        assert np.asarray(a).dtype == np.asarray(b).dtype and np.shape(a) == np.shape(b), name
        assert np.array_equal(a, b), f"{name} differs after resuming"
    # The step counters and RNG states are part of what matched: one G update per step.
    steps = EPOCHS * (20_000 // 500)
    assert int(state_b["gan/g_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"]) == steps
    assert any(name.startswith("gan/noise_state") for name in state_b)
    # The CSV log holds each epoch once, in order, although the killed run may have logged an epoch twice.
    with open(os.path.join(killed, "log.csv")) as f:
        epochs = [int(line.split(",")[0]) for line in f.read().splitlines()[1:]]
    assert epochs == list(range(EPOCHS))
