"""Multi-worker training on the command line survives a killed worker: the restarted job resumes and finishes.

Two `keras-gan train --strategy=multi_worker` processes on 127.0.0.1 train toy_ring. When the chief has written
its second checkpoint, worker 1 is killed (SIGKILL). MultiWorkerMirroredStrategy cannot run on without it: the
chief's collectives fail (its health check reports the dead peer) and it exits. Restarted with the same command,
as a cluster manager would, both workers restore the chief's newest checkpoint and train to the last epoch.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import checkpoints
from test_distribute import finish, free_ports, start_workers

EPOCHS = 8
TRAIN = [sys.executable, "-m", "keras_gan", "train", "--config=toy_ring", "--strategy=multi_worker",
         "--num_examples=4096", "--batch_size=64", "--hidden_units=16,16", "--num_grid_samples=16", "--eval_samples=0",
         "--verbose=0", f"--epochs={EPOCHS}"]
# The chief notices a dead peer within MultiWorkerMirroredStrategy's health-check period (~30 s) plus its timeout.
CHIEF_EXIT_TIMEOUT_S = 150
RUN_TIMEOUT_S = 300


def _wait_for_checkpoint(directory, epoch, processes, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        if any(e >= epoch for e, _ in checkpoints.list_checkpoints(directory)):
            return True
        time.sleep(0.1)
    return False


def _variables(prefix):
    reader = tf.train.load_checkpoint(prefix)
    return {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map() if "metadata" not in k}


@pytest.mark.slow
def test_a_killed_worker_restarted_with_the_job_resumes_from_the_checkpoint_and_finishes(tmp_path):
    workdir = str(tmp_path / "run")
    argv = TRAIN + [f"--workdir={workdir}"]
    workers = start_workers(argv, free_ports(2))
    try:
        assert _wait_for_checkpoint(os.path.join(workdir, "checkpoints"), 2, workers, RUN_TIMEOUT_S), \
            "no checkpoint of epoch 2 before a worker ended: " + workers[0].stderr.read()[-2000:]
        workers[1].send_signal(signal.SIGKILL)
        # The chief cannot go on alone; it fails instead of hanging.
        workers[0].wait(timeout=CHIEF_EXIT_TIMEOUT_S)
        assert workers[0].returncode != 0
    finally:
        finish(workers, timeout=1)
    killed_at = max(e for e, _ in checkpoints.list_checkpoints(os.path.join(workdir, "checkpoints")))
    assert killed_at < EPOCHS

    restarted = start_workers(argv, free_ports(2))
    outcomes = finish(restarted, RUN_TIMEOUT_S)
    for stdout, stderr, code in outcomes:
        assert code == 0, stderr[-3000:]
    summaries = [json.loads(stdout[stdout.index("{"):]) for stdout, _, _ in outcomes]
    assert [s["resumed_from"] for s in summaries] == [killed_at] * 2
    assert [s["epoch"] for s in summaries] == [EPOCHS] * 2
    # Both workers end with the same training state (the chief's checkpoint and worker 1's own).
    chief = _variables(os.path.join(workdir, "checkpoints", f"ckpt-{EPOCHS}"))
    worker = _variables(os.path.join(workdir, "workers", "worker_1", "checkpoints", f"ckpt-{EPOCHS}"))
    assert chief.keys() == worker.keys()
    for key in chief:
        np.testing.assert_array_equal(chief[key], worker[key], err_msg=key)
