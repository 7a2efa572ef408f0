"""Users' own data end to end on the command line: train, sample, evaluate and export a GAN of a .npz file with
labels, a folder of images without labels, and custom IDX files under a name of the user's choice."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from keras_gan.data import custom_builder
from test_data_helpers import write_fake_mnist, write_image_folder

# Small nets and one epoch: these runs check the plumbing, not the quality.
FAST = ["--epochs=1", "--verbose=0", "--nojit_compile", "--batch_size=20", "--base_filters=2"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE", str(tmp_path / "cache"))


def _patterns(n, size=8, seed=0):
    """Three recognisable classes of [size, size] uint8 images: bright left half, bright top half, dark."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    images = rng.integers(0, 40, size=(n, size, size)).astype(np.uint8)
    images[labels == 0, :, : size // 2] += 200
    images[labels == 1, : size // 2, :] += 200
    return images, labels


def _train_sample_evaluate_export(run_cli, workdir, tmp_path, *train_args):
    code, out, err = run_cli("train", f"--workdir={workdir}", *train_args, *FAST)
    assert code == 0, err
    code, out, err = run_cli("sample", f"--workdir={workdir}", "--num_samples=9", f"--output={tmp_path}/s.png")
    assert code == 0, err
    assert tf.io.decode_png(tf.io.read_file(str(tmp_path / "s.png"))).shape[-1] == 1
    code, out, err = run_cli("evaluate", f"--workdir={workdir}", "--num_samples=60")
    assert code == 0, err
    results = json.loads(open(os.path.join(workdir, "eval", "results.json")).read())
    code, out, err = run_cli("export", f"--workdir={workdir}", f"--export_dir={tmp_path}/models")
    assert code == 0, err
    served = tf.saved_model.load(str(tmp_path / "models" / "gan" / "1"))
    images = served.signatures["sample"](num_samples=tf.constant(2), seed=tf.constant(0, tf.int64))["images"]
    return results, images.shape


def test_a_labelled_npz_trains_evaluates_with_the_classifier_and_exports(tmp_path, run_cli):
    x_train, y_train = _patterns(240)
    x_test, y_test = _patterns(60, seed=1)
    path = str(tmp_path / "patterns.npz")
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    results, shape = _train_sample_evaluate_export(
        run_cli, str(tmp_path / "run"), tmp_path, "--config=paper_fashion_mnist", f"--dataset={path}")
    assert shape == (2, 8, 8, 1)
    # Labels exist: the package trained its classifier on the user's train split and scored with it.
    assert results["classifier"]["test_accuracy"] > 0.5  # well above chance (1/3)
    assert {"classifier_score", "frechet_distance", "coverage", "parzen_log_likelihood"} <= set(results["model"])
    assert results["reference"]["classifier_score"] > 1.2  # real data: more than one class recognised


def test_an_unlabelled_image_folder_gets_the_label_free_metrics(tmp_path, run_cli):
    folder = write_image_folder(tmp_path / "faces", n=240, size=8, layout="flat")
    results, shape = _train_sample_evaluate_export(
        run_cli, str(tmp_path / "run"), tmp_path, "--config=dcgan_fashion_mnist", f"--dataset={folder}/")
    assert shape == (2, 8, 8, 1)
    assert results["classifier"] is None and "classifier_score" not in results["model"]
    assert {"frechet_distance", "precision", "recall", "coverage", "parzen_log_likelihood"} <= set(results["model"])


def test_custom_idx_files_under_a_name_of_ones_choice(tmp_path, run_cli):
    local_dir = write_fake_mnist(tmp_path / "idx", size=8)
    workdir = str(tmp_path / "run")
    code, _, err = run_cli("train", f"--workdir={workdir}", "--config=paper_fashion_mnist", "--dataset=my_digits",
                           f"--local_dir={local_dir}", f"--data_dir={tmp_path}/tfds", *FAST)
    assert code == 0, err
    # Prepared once as a TFDS dataset, with the files' SHA-256 recorded.
    assert os.path.isfile(tmp_path / "tfds" / "my_digits" / custom_builder.SOURCES_FILE)
    # The canonical name with these (non-MNIST) files is refused, with the way out in the one-line message.
    code, _, err = run_cli("train", f"--workdir={tmp_path}/other", "--config=paper_mnist", f"--local_dir={local_dir}",
                           f"--data_dir={tmp_path}/tfds2", *FAST)
    assert code == 2 and "--dataset=" in err and "Traceback" not in err
