"""The command line: `python -m keras_gan train|sample|evaluate|export`, flags over named configs, and bad flags
that stop with a message saying what to do while leaving existing checkpoints alone."""

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from absl import flags

import keras_gan
from keras_gan import configs
from keras_gan import main as cli
from keras_gan import train_lib
from conftest import snapshot

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def ring_workdir(tmp_path_factory):
    """`python -m keras_gan train --config=toy_ring --epochs=1` run as a user would."""
    workdir = str(tmp_path_factory.mktemp("cli") / "ring")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "keras_gan", "train", "--config=toy_ring", f"--workdir={workdir}", "--epochs=1",
         "--batch_size=500", "--verbose=2"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return workdir, proc


def test_train_subprocess_writes_a_run_and_prints_progress(ring_workdir):
    workdir, proc = ring_workdir
    assert "40/40" in proc.stdout and "d_loss: " in proc.stdout
    summary = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert summary["epoch"] == 1 and summary["metrics"]["num_modes"] == 8
    for path in ("generator.keras", "checkpoints/checkpoint", "samples/epoch_0001.png", "log.csv"):
        assert os.path.isfile(os.path.join(workdir, path)), path


def test_sample_writes_a_png_or_npy(ring_workdir, run_cli, tmp_path):
    workdir, _ = ring_workdir
    code, out, _ = run_cli("sample", f"--workdir={workdir}", "--num_samples=50", "--seed=3")
    assert code == 0 and "Wrote 50 samples of epoch 1" in out
    assert os.path.isfile(os.path.join(workdir, "samples", "sample_seed3.png"))
    code, _, _ = run_cli("sample", f"--workdir={workdir}", "--num_samples=7", f"--output={tmp_path}/x.npy")
    assert code == 0 and np.load(tmp_path / "x.npy").shape == (7, 2)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--epochs=-2"], "epochs (--epochs) must be an int >= 1, got -2"),
        (["--d_steps=0"], "d_steps (--d_steps) must be an int >= 1, got 0"),
        (["--epochs=three"], "--epochs"),
        (["--hidden_units=a,b"], "--hidden_units takes comma-separated ints"),
        (["--generator_loss=relativistic"], "generator_loss (--generator_loss) must be one of"),
        (["--dataset=/no/such/folder"], "/no/such/folder"),
        (["--batch_size=0"], "--batch_size"),
        (["--config=toy_rnig"], "Unknown config 'toy_rnig'. Choose one of: cgan_fashion_mnist, dcgan_fashion_mnist"),
        (["--config=toy_1d"], "holds another run (config 'toy_ring'"),
        (["--latent_dim=3", "--batch_size=500"], "latent_dim: 2 there, 3 now"),
    ],
)
def test_bad_flags_stop_with_a_message_and_leave_checkpoints_alone(ring_workdir, run_cli, args, message):
    workdir, _ = ring_workdir
    before = snapshot(workdir)
    flags_given = {a.split("=")[0] for a in args}
    base = [] if "--config" in flags_given else ["--config=toy_ring"]
    code, _, err = run_cli("train", f"--workdir={workdir}", *base, *args)
    assert code == 2
    assert message in err and err.startswith("keras-gan") and ": error: " in err and err.count("\n") == 1
    assert snapshot(workdir) == before


def test_workdir_that_is_a_file_is_refused(run_cli, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("keep me")
    code, _, err = run_cli("train", "--config=toy_ring", f"--workdir={path}")
    assert code == 2 and "is a file, not a folder. Pass a folder path" in err
    assert path.read_text() == "keep me"


def test_missing_command_config_or_workdir(run_cli, tmp_path):
    code, _, err = run_cli("--config=toy_ring", f"--workdir={tmp_path}")
    assert code == 2 and "expected one command, train, sample, evaluate, export" in err
    code, _, err = run_cli("fit", f"--workdir={tmp_path}")
    assert code == 2 and "got fit" in err
    code, _, err = run_cli("train", "--config=toy_ring")
    assert code == 2 and "needs --workdir=DIR" in err
    code, _, err = run_cli("train", f"--workdir={tmp_path / 'new'}")
    assert code == 2 and "--config is required to start a run" in err
    code, _, err = run_cli("sample", f"--workdir={tmp_path}")
    assert code == 2 and "holds no checkpoint" in err and "keras-gan train --config=" in err
    assert not os.path.exists(tmp_path / "new")


def test_flags_override_the_named_config(run_cli, monkeypatch):
    seen = []
    monkeypatch.setattr(train_lib, "train_and_evaluate", lambda config, workdir: seen.append(config) or {
        "epoch": 0, "resumed_from": 0, "generator_path": "", "metrics": {}})
    code, _, err = run_cli(
        "train", "--config=paper_fashion_mnist", "--workdir=/tmp/never-written", "--epochs=7", "--batch_size=50",
        "--d_steps=2", "--generator_loss=minimax", "--latent_dim=10", "--learning_rate=0.05",
        "--g_learning_rate=0.01", "--nojit_compile", "--seed=5", "--local_dir=/data/fm", "--data_dir=/tfds",
        "--verbose=0",
    )
    assert code == 0, err
    (config,) = seen
    expected = dataclasses.replace(
        configs.get_config("paper_fashion_mnist"), epochs=7, batch_size=50, d_steps=2, generator_loss="minimax",
        latent_dim=10, d_learning_rate=0.05, g_learning_rate=0.01, jit_compile=False, seed=5, local_dir="/data/fm",
        data_dir="/tfds", verbose=0,
    )
    assert config == expected


def test_resuming_without_config_uses_the_workdirs(ring_workdir, run_cli, monkeypatch):
    workdir, _ = ring_workdir
    seen = []
    monkeypatch.setattr(train_lib, "train_and_evaluate", lambda config, workdir: seen.append(config) or {
        "epoch": 0, "resumed_from": 0, "generator_path": "", "metrics": {}})
    code, _, err = run_cli("train", f"--workdir={workdir}", "--epochs=4")
    assert code == 0, err
    assert seen[0] == dataclasses.replace(configs.get_config("toy_ring"), epochs=4, batch_size=500, verbose=2)


def test_help_lists_every_flag_with_its_meaning():
    text = flags.FLAGS.module_help(cli)
    for name in ("config", "workdir", "epochs", "batch_size", "d_steps", "generator_loss", "latent_dim",
                 "learning_rate", "d_learning_rate", "g_learning_rate", "jit_compile", "seed", "dataset",
                 "local_dir", "data_dir", "deterministic", "num_samples", "output", "export_dir", "version"):
        assert f"--{name}" in text or f"--[no]{name}" in text, name
    assert "k, discriminator updates per generator update" in text
    # Every config field is a flag, documented by the field itself.
    for field in dataclasses.fields(configs.Config):
        assert field.name == "name" or f"{field.name}" in text, field.name
    assert "keras-gan train" in cli.__doc__


def test_export_writes_a_tf_serving_version(run_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(keras_gan.data.images, "load_arrays", lambda *a, **k: (
        np.random.default_rng(0).random((128, 28, 28, 1)).astype("float32"), np.zeros(128, "int64")))
    config = dataclasses.replace(
        configs.get_config("dcgan_fashion_mnist"), epochs=1, base_filters=2, verbose=0, num_grid_samples=4,
        jit_compile=False)
    workdir = str(tmp_path / "dcgan")
    train_lib.train_and_evaluate(config, workdir)
    code, out, err = run_cli("export", f"--workdir={workdir}", f"--export_dir={tmp_path}/serving", "--nojit_compile")
    assert code == 0, err
    assert os.path.isfile(tmp_path / "serving" / "gan" / "1" / "saved_model.pb")
    loaded = tf.saved_model.load(str(tmp_path / "serving" / "gan" / "1"))
    images = loaded.signatures["serving_default"](tf.zeros((2, 100)))
    assert list(images.values())[0].shape == (2, 28, 28, 1)


def test_evaluate_passes_the_workdirs_gan_and_data_to_the_metrics(ring_workdir, run_cli, monkeypatch):
    workdir, _ = ring_workdir
    calls = []
    monkeypatch.setattr(keras_gan.metrics, "evaluate_generator", lambda *args, **kwargs: calls.append((args, kwargs)))
    code, _, err = run_cli("evaluate", f"--workdir={workdir}", "--num_samples=500", "--seed=4", "--noparzen")
    assert code == 0, err
    ((gan, dataset, num_samples, out_dir), kwargs), = calls
    assert isinstance(gan, keras_gan.GAN) and dataset == "toy_ring" and num_samples == 500 and out_dir == workdir
    assert kwargs["seed"] == 4 and kwargs["parzen"] is False
