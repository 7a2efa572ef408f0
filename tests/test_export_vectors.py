"""Specifications of keras_gan.export for generators whose samples are not images (toy points, table rows):
`serving_default` and `sample` serve float32 samples of the generator's output shape, with no `sample_png`, and
`sample(n, seed)` equals `gan.generate(n, seed=seed)`.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

import keras_gan
from conftest import WITHOUT_KERAS_GAN
import serving_stub
from keras_gan import export


def toy_gan():
    return keras_gan.GAN(
        keras_gan.networks.mlp_generator(2, 2), keras_gan.networks.mlp_discriminator(2), latent_dim=2, noise="normal"
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(gan, path) of the 2-D toy GAN exported once for the module."""
    gan = toy_gan()
    return gan, export.export_generator(gan, tmp_path_factory.mktemp("models"), "ring", max_samples=64)


FRESH_PROCESS = WITHOUT_KERAS_GAN + """
import json

path, work = sys.argv[1:]
model = tf.saved_model.load(path)
signatures = {
    name: {k: [v.dtype.name, v.shape.as_list()] for k, v in fn.structured_outputs.items()}
    for name, fn in model.signatures.items()
}
json.dump(signatures, open(work + "/signatures.json", "w"))
out = model.signatures["sample"](num_samples=tf.constant(5), seed=tf.constant(11, tf.int64))
np.save(work + "/sample.npy", out["samples"])
z = np.load(work + "/z.npy")
np.save(work + "/default.npy", model.signatures["serving_default"](z=tf.constant(z))["samples"])
"""


def test_loads_in_a_fresh_process_without_keras_gan(exported, tmp_path):
    gan, path = exported
    z = np.random.default_rng(0).normal(size=(3, 2)).astype("float32")
    np.save(tmp_path / "z.npy", z)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    # From a folder without the repository, so only the blocker stands between it and keras_gan.
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, path, str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    signatures = json.load(open(tmp_path / "signatures.json"))
    assert signatures == {
        "serving_default": {"samples": ["float32", [None, 2]]},
        "sample": {"samples": ["float32", [None, 2]]},
    }
    sampled = np.load(tmp_path / "sample.npy")
    assert sampled.dtype == np.float32 and sampled.shape == (5, 2)
    np.testing.assert_allclose(sampled, gan.generate(5, seed=11), atol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "default.npy"), gan.generator(z, training=False), atol=1e-6)


def test_sample_equals_gan_generate(exported):
    gan, path = exported
    model = tf.saved_model.load(path)
    assert sorted(model.signatures) == ["sample", "serving_default"]
    for n, seed in [(1, 0), (7, 3), (64, -5)]:
        out = model.signatures["sample"](num_samples=tf.constant(n), seed=tf.constant(seed, tf.int64))
        np.testing.assert_allclose(out["samples"].numpy(), gan.generate(n, seed=seed), atol=1e-6)
    empty = model.signatures["sample"](num_samples=tf.constant(0), seed=tf.constant(0, tf.int64))["samples"]
    assert empty.shape == (0, 2)


def test_metadata_and_warmup_describe_what_was_exported(exported):
    gan, path = exported
    metadata = json.load(open(os.path.join(path, export.METADATA_FILE)))
    assert metadata["outputs"] == "vectors" and metadata["sample_shape"] == [2]
    assert metadata["image_shape"] is None and metadata["output_range"] is None
    assert (metadata["latent_dim"], metadata["noise"], metadata["noise_scale"]) == (2, "normal", 1.0)
    assert metadata["signatures"] == {
        "serving_default": {
            "inputs": {"z": {"dtype": "float32", "shape": [None, 2]}},
            "outputs": {"samples": {"dtype": "float32", "shape": [None, 2]}},
        },
        "sample": {
            "inputs": {"num_samples": {"dtype": "int32", "shape": []}, "seed": {"dtype": "int64", "shape": []}},
            "outputs": {"samples": {"dtype": "float32", "shape": [None, 2]}},
        },
    }
    model = tf.saved_model.load(path)
    records = list(tf.data.TFRecordDataset(os.path.join(path, export.WARMUP_FILE)).as_numpy_iterator())
    requests = [prediction_log_pb2.PredictionLog.FromString(r).predict_log.request for r in records]
    assert [r.model_spec.signature_name for r in requests] == ["serving_default", "sample"]
    for request in requests:
        assert list(serving_stub.predict(model, request).outputs) == ["samples"]


def test_a_square_flat_output_is_served_as_vectors_when_asked(tmp_path):
    # 4-D points would be inferred as 2x2 images; outputs="vectors" says what they are.
    generator = keras_gan.networks.mlp_generator(3, 4, hidden_units=(8,), seed=0)
    with pytest.raises(ValueError, match="pass output_range=.* or outputs='vectors'"):
        export.export_generator(generator, tmp_path, "points4", warmup=False)
    path = export.export_generator(generator, tmp_path, "points4", outputs="vectors", warmup=(1, 3))
    model = tf.saved_model.load(path)
    z = np.random.default_rng(1).uniform(-1.7, 1.7, (3, 3)).astype("float32")
    samples = model.signatures["serving_default"](z=tf.constant(z))["samples"].numpy()
    np.testing.assert_allclose(samples, generator(z, training=False), atol=1e-6)
    records = list(tf.data.TFRecordDataset(os.path.join(path, export.WARMUP_FILE)).as_numpy_iterator())
    assert len(records) == 4  # 2 signatures x 2 batch sizes.


def test_a_matrix_output_keeps_its_shape_as_vectors(tmp_path):
    # [rows, features] per sample (e.g. a short sequence), not a picture.
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(6), keras.layers.Reshape((3, 2))])
    path = export.export_generator(generator, tmp_path, "seq", outputs="vectors", warmup=False)
    model = tf.saved_model.load(path)
    out = model.signatures["sample"](num_samples=tf.constant(4), seed=tf.constant(0, tf.int64))["samples"]
    assert out.dtype == tf.float32 and out.shape == (4, 3, 2)


def test_jit_compiled_vector_export_matches(exported, tmp_path):
    gan, _ = exported
    path = export.export_generator(gan, tmp_path, "xla", jit_compile=True, warmup=False)
    out = tf.saved_model.load(path).signatures["sample"](num_samples=tf.constant(6), seed=tf.constant(2, tf.int64))
    np.testing.assert_allclose(out["samples"].numpy(), gan.generate(6, seed=2), atol=1e-5)
