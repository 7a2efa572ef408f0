"""Bad inputs that no module's own tests cover: each gets a message naming the problem and the fix, and loses
nothing already written. README's reliability table lists every row and the test that shows it."""

import dataclasses
import errno
import os

import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import checkpoints, configs, metrics, train_lib
from conftest import snapshot, toy_gan


# ---- the library -----------------------------------------------------------------------------------------------


def test_nan_in_training_arrays_is_refused_before_training():
    data = np.zeros((64, 2), "float32")
    data[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN or infinite values \(first at index \(5, 1\)\).*Remove"):
        toy_gan().fit(data, epochs=1, batch_size=32, verbose=0)


@pytest.mark.parametrize("num_samples, message", [
    (-1, "num_samples must be a positive int, got -1"),
    (0, "num_samples must be a positive int, got 0"),
    (10**13, "GiB, more than half of this machine's"),
    (2.5, "num_samples must be a positive int, got 2.5"),
])
def test_generate_refuses_negative_fractional_and_huge_sizes(num_samples, message):
    with pytest.raises(ValueError, match=message):
        toy_gan().generate(num_samples)


def test_a_seed_that_is_not_an_int_is_refused():
    with pytest.raises(ValueError, match="seed must be None or an int"):
        toy_gan().sample_noise(4, seed="7")


def test_nan_samples_are_refused_by_the_evaluator():
    samples = np.full((100, 2), np.nan, "float32")
    with pytest.raises(ValueError, match="NaN or infinite values: the model diverged"):
        metrics.evaluate(samples, "toy_ring", 100, reference=False)


# ---- checkpoints -------------------------------------------------------------------------------------------------


def _ring(**changes):
    return dataclasses.replace(configs.get_config("toy_ring"), num_examples=500, verbose=0, jit_compile=False,
                               **changes)


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   PermissionError(errno.EROFS, "Read-only file system")])
def test_a_full_or_read_only_disk_during_training_keeps_the_last_checkpoint(tmp_path, monkeypatch, error):
    workdir = str(tmp_path / "w")
    train_lib.train_and_evaluate(_ring(epochs=1), workdir)

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(tf.train.CheckpointManager, "save", fail)
    with pytest.raises(checkpoints.CheckpointError, match="epoch 1 is intact.*run the same command again"):
        train_lib.train_and_evaluate(_ring(epochs=2), workdir)
    monkeypatch.undo()
    assert train_lib.train_and_evaluate(_ring(epochs=2), workdir)["resumed_from"] == 1


# ---- the command line --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ring_workdir(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("bad") / "ring")
    train_lib.train_and_evaluate(_ring(epochs=1), workdir)
    return workdir


@pytest.mark.parametrize("args, message", [
    (["sample", "--num_samples=0"], "--num_samples must be >= 1, got 0"),
    (["sample", "--num_samples=-5"], "--num_samples must be >= 1, got -5"),
    (["sample", "--output=/tmp/x.jpg"], "--output must end in .png"),
    (["sample", "--num_samples=10000000000000"], "GiB, more than half"),
    (["evaluate", "--num_samples=0"], "num_samples must be a positive int"),
    (["train", "--config=toy_ring", "--architecture=dcgan"], "'dcgan' takes images, but dataset 'toy_ring'"),
    (["train", "--config=toy_ring", "--noise=cauchy"], "noise (--noise) must be one of"),
    (["train", "--config=toy_ring", "--seed=1.5"], "--seed"),
    (["export", "--version=0"], "version"),
])
def test_cli_bad_values_are_one_message_and_status_2(ring_workdir, run_cli, args, message):
    before = snapshot(ring_workdir)
    code, out, err = run_cli(*args[:1], f"--workdir={ring_workdir}", *args[1:])
    assert code == 2, (out, err)
    assert message in err and err.startswith("keras-gan") and "Traceback" not in err
    assert snapshot(ring_workdir) == before


def test_cli_full_disk_during_training_is_one_message(tmp_path, run_cli, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tf.train.CheckpointManager, "save", full)
    code, _, err = run_cli("train", "--config=toy_ring", f"--workdir={tmp_path}", "--epochs=1", "--num_examples=500",
                           "--verbose=0", "--nojit_compile")
    assert code == 2 and "No space left on device" in err and "Free disk space" in err
    assert err.count("\n") == 1


def test_cli_old_checkpoint_format_is_refused(tmp_path, run_cli):
    os.makedirs(tmp_path / "checkpoints")
    (tmp_path / "checkpoints" / "ckpt-0002.npz").write_bytes(b"PK\x03\x04")
    before = snapshot(tmp_path)
    code, _, err = run_cli("train", "--config=toy_ring", f"--workdir={tmp_path}")
    assert code == 2 and ".npz format" in err and "new --workdir" in err
    code, _, err = run_cli("sample", f"--workdir={tmp_path}")
    assert code == 2 and ".npz format" in err
    assert snapshot(tmp_path) == before
