"""A run killed with SIGKILL and started again with the same command ends bit-identical to an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from keras_gan import callbacks as callbacks_lib

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
    checkpoints = callbacks_lib.list_checkpoints(os.path.join(workdir, "checkpoints"))
    assert checkpoints and checkpoints[-1][0] == EPOCHS, checkpoints
    meta, arrays = callbacks_lib.load_checkpoint(checkpoints[-1][1])
    return meta, arrays


def test_sigkill_then_same_command_ends_bit_identical(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("resume", numbered=True)
    whole, killed = str(tmp_path / "whole"), str(tmp_path / "killed")
    uninterrupted = _start(whole)

    # Start the second run and SIGKILL it once it has written two checkpoints (mid-epoch 3 or later).
    victim = _start(killed)
    checkpoint_dir = os.path.join(killed, "checkpoints")
    deadline = time.time() + 120
    while len(callbacks_lib.list_checkpoints(checkpoint_dir)) < 2:
        assert victim.poll() is None, victim.stdout.read().decode()[-3000:]
        assert time.time() < deadline, "no checkpoints after 120 s"
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    epochs_done = callbacks_lib.list_checkpoints(checkpoint_dir)[-1][0]
    assert epochs_done < EPOCHS

    # The same command again resumes from the newest checkpoint and finishes.
    resumed = _start(killed)
    out = resumed.communicate(timeout=300)[0].decode()
    assert resumed.returncode == 0, out[-3000:]
    assert f"Resuming toy_ring from epoch {epochs_done}" in out
    out = uninterrupted.communicate(timeout=300)[0].decode()
    assert uninterrupted.returncode == 0, out[-3000:]

    meta_a, state_a = _final_state(whole)
    meta_b, state_b = _final_state(killed)
    assert meta_a["layout"] == meta_b["layout"]
    for group in ("model", "d_optimizer", "g_optimizer"):
        for (path, _, _), a, b in zip(meta_a["layout"][group], state_a[group], state_b[group]):
            assert a.dtype == b.dtype and a.shape == b.shape, path
            assert a.tobytes() == b.tobytes(), f"{group} variable {path} differs after resuming"
    # The step counters and RNG states are part of what matched: k·steps D updates, one G update per step.
    steps = EPOCHS * (20_000 // 500)
    g_iterations = [a for (p, _, _), a in zip(meta_b["layout"]["g_optimizer"], state_b["g_optimizer"])
                    if p.endswith("iteration")]
    assert int(g_iterations[0]) == steps
    # The CSV log holds each epoch once, in order, although the killed run may have logged an epoch twice.
    with open(os.path.join(killed, "log.csv")) as f:
        epochs = [int(line.split(",")[0]) for line in f.read().splitlines()[1:]]
    assert epochs == list(range(EPOCHS))
