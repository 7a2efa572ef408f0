"""Specifications of keras_gan.export: a TF Serving SavedModel of the generator, usable without keras_gan."""

import json
import logging
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from conftest import WITHOUT_KERAS_GAN
from keras_gan import export
from serving_stub import predict

LATENT = 8
MAX_SAMPLES = 16


def small_generator(seed=0):
    return keras_gan.networks.paper_generator(latent_dim=LATENT, hidden_units=(16, 16), seed=seed)


def small_gan(noise="uniform", noise_scale=None):
    return keras_gan.GAN(
        small_generator(),
        keras_gan.networks.paper_discriminator(units=8, pieces=2),
        latent_dim=LATENT,
        noise=noise,
        noise_scale=noise_scale,
        seed=0,
    )


def expected_images(generator, z):
    return np.asarray(generator(z, training=False)).reshape(len(z), 28, 28, 1)


def sample(model, n, seed, signature="sample"):
    out = model.signatures[signature](num_samples=tf.constant(n, tf.int32), seed=tf.constant(seed, tf.int64))
    return next(iter(out.values())).numpy()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(generator, path) of a GAN exported once for the module."""
    gan = small_gan()
    base = tmp_path_factory.mktemp("models")
    path = export.export_generator(gan, base, "gan", max_samples=MAX_SAMPLES)
    return gan.generator, path


@pytest.fixture(scope="module")
def loaded(exported):
    return tf.saved_model.load(exported[1])


def test_layout_is_what_tf_serving_loads(exported):
    _, path = exported
    model_dir = os.path.dirname(path)
    assert os.path.basename(path) == "1"
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert os.path.isfile(os.path.join(path, "variables", "variables.index"))
    assert os.path.isfile(os.path.join(path, export.WARMUP_FILE))
    # Nothing else is left beside the version: no temporary folder.
    assert os.listdir(model_dir) == ["1"]
    assert os.stat(path).st_mode & 0o005 == 0o005  # A server running as another user can read it.
    metadata = json.load(open(os.path.join(path, export.METADATA_FILE)))
    assert metadata["latent_dim"] == LATENT and metadata["noise"] == "uniform"
    assert metadata["noise_scale"] == pytest.approx(np.sqrt(3.0))


@pytest.mark.parametrize("batch", [1, 5, 33])
def test_serving_default_equals_generator_at_any_batch_size(exported, loaded, batch):
    generator, _ = exported
    z = np.random.default_rng(batch).uniform(-1.7, 1.7, (batch, LATENT)).astype("float32")
    images = loaded.signatures["serving_default"](z=tf.constant(z))["images"].numpy()
    assert images.shape == (batch, 28, 28, 1) and images.dtype == np.float32
    np.testing.assert_allclose(images, expected_images(generator, z), atol=1e-6)


FRESH_PROCESS = WITHOUT_KERAS_GAN + """

try:
    import keras_gan
    sys.exit("keras_gan was importable")
except ImportError:
    pass
path, work = sys.argv[1:]
model = tf.saved_model.load(path)
z = np.load(work + "/z.npy")
np.save(work + "/images.npy", model.signatures["serving_default"](z=tf.constant(z))["images"])
np.save(work + "/one.npy", model.serving_default(tf.constant(z[:1]))["images"])
out = model.signatures["sample"](num_samples=tf.constant(3), seed=tf.constant(11, tf.int64))
np.save(work + "/sample.npy", out["images"])
"""


@pytest.fixture(scope="module")
def processes(exported, tmp_path_factory):
    """Runs the out-of-process checks at once (each pays TensorFlow's start-up): name -> (result, work folder)."""
    _, path = exported
    work = tmp_path_factory.mktemp("processes")
    z = np.random.default_rng(1).uniform(-1.7, 1.7, (7, LATENT)).astype("float32")
    np.save(work / "z.npy", z)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    run = ["saved_model_cli", "run", "--dir", path, "--tag_set", "serve", "--signature_def"]
    commands = {
        # From a folder without the repository, so only the blocker stands between it and keras_gan.
        "fresh": [sys.executable, "-c", FRESH_PROCESS, path, str(work)],
        "show": ["saved_model_cli", "show", "--dir", path, "--all"],
        "run_default": run + ["serving_default", "--inputs", f"z={work / 'z.npy'}", "--outdir", str(work / "out")],
        "run_sample": run + ["sample", "--input_exprs", "num_samples=3;seed=5", "--outdir", str(work / "sample")],
        "run_oversize": run + ["sample", "--input_exprs", f"num_samples={MAX_SAMPLES + 1};seed=0"],
    }
    started = {
        name: subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, cmd in commands.items()
    }
    results = {}
    for name, proc in started.items():
        stdout, stderr = proc.communicate(timeout=300)
        results[name] = subprocess.CompletedProcess(commands[name], proc.returncode, stdout, stderr)
    return results, work, z


def test_loads_in_a_fresh_process_without_keras_gan(exported, loaded, processes):
    generator, _ = exported
    results, work, z = processes
    assert results["fresh"].returncode == 0, results["fresh"].stderr[-2000:]
    np.testing.assert_allclose(np.load(work / "images.npy"), expected_images(generator, z), atol=1e-6)
    np.testing.assert_allclose(np.load(work / "one.npy"), expected_images(generator, z[:1]), atol=1e-6)
    # Stateless sampling: the same seed gives the same images in another process.
    np.testing.assert_array_equal(np.load(work / "sample.npy"), sample(loaded, 3, 11))


def test_saved_model_cli_show_lists_the_signatures(processes):
    result = processes[0]["show"]
    assert result.returncode == 0, result.stderr[-2000:]
    blocks = {}
    for block in result.stdout.split("signature_def[")[1:]:
        name = block.split("'")[1]
        blocks[name] = " ".join(block.split())
    assert {"serving_default", "sample", "sample_png"} <= set(blocks)
    assert "inputs['z'] tensor_info: dtype: DT_FLOAT shape: (-1, 8)" in blocks["serving_default"]
    assert "outputs['images'] tensor_info: dtype: DT_FLOAT shape: (-1, 28, 28, 1)" in blocks["serving_default"]
    for name in ("sample", "sample_png"):
        assert "inputs['num_samples'] tensor_info: dtype: DT_INT32 shape: ()" in blocks[name]
        assert "inputs['seed'] tensor_info: dtype: DT_INT64 shape: ()" in blocks[name]
        assert "Method name is: tensorflow/serving/predict" in blocks[name]
    assert "outputs['images'] tensor_info: dtype: DT_UINT8 shape: (-1, 28, 28, 1)" in blocks["sample"]
    assert "outputs['png_bytes'] tensor_info: dtype: DT_STRING shape: (-1)" in blocks["sample_png"]


def test_saved_model_cli_run_executes_the_signatures(exported, loaded, processes):
    generator, _ = exported
    results, work, z = processes
    assert results["run_default"].returncode == 0, results["run_default"].stderr[-2000:]
    np.testing.assert_allclose(np.load(work / "out" / "images.npy"), expected_images(generator, z), atol=1e-6)
    assert results["run_sample"].returncode == 0, results["run_sample"].stderr[-2000:]
    images = np.load(work / "sample" / "images.npy")
    assert images.dtype == np.uint8 and images.shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(images, sample(loaded, 3, 5))


def test_saved_model_cli_run_rejects_an_oversize_count(processes):
    result = processes[0]["run_oversize"]
    assert result.returncode != 0
    assert f"num_samples must be in [0, {MAX_SAMPLES}]" in result.stderr


def test_warmup_file_parses_and_every_request_runs(exported, loaded):
    from tensorflow_serving.apis import prediction_log_pb2

    _, path = exported
    records = list(tf.data.TFRecordDataset(os.path.join(path, export.WARMUP_FILE)).as_numpy_iterator())
    assert 0 < len(records) <= 1000
    seen = set()
    for record in records:
        log = prediction_log_pb2.PredictionLog.FromString(record)
        request = log.predict_log.request
        assert request.model_spec.name == "gan"
        seen.add(request.model_spec.signature_name)
        response = predict(loaded, request)
        assert len(response.outputs) == 1
    assert seen == {"serving_default", "sample", "sample_png"}


def test_metadata_describes_the_image_signatures(exported):
    _, path = exported
    metadata = json.load(open(os.path.join(path, export.METADATA_FILE)))
    assert metadata["outputs"] == "images" and metadata["image_shape"] == metadata["sample_shape"] == [28, 28, 1]
    assert (metadata["output_range"], metadata["max_samples"], metadata["warmup_batch_sizes"]) == ("sigmoid", 16, [1])
    signatures = metadata["signatures"]
    assert sorted(signatures) == ["sample", "sample_png", "serving_default"]
    assert signatures["serving_default"]["inputs"] == {"z": {"dtype": "float32", "shape": [None, LATENT]}}
    assert signatures["sample"]["outputs"] == {"images": {"dtype": "uint8", "shape": [None, 28, 28, 1]}}
    assert signatures["sample_png"]["outputs"] == {"png_bytes": {"dtype": "string", "shape": [None]}}


def test_export_logs_each_phase_with_its_time(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="keras_gan")  # progress.phase logs there at INFO.
    path = export.export_generator(small_generator(), tmp_path, "gan")
    lines = [r.getMessage() for r in caplog.records]
    for phase in ("Tracing the serving signatures of the generator (images [28, 28, 1])",
                  f"Writing the SavedModel for {path}", "Writing 3 warm-up requests"):
        assert f"{phase} ..." in lines
        assert any(line.startswith(f"{phase}: done in ") and line.endswith(" s") for line in lines), lines


def test_warmup_batch_sizes_are_configurable(tmp_path):
    path = export.export_generator(small_generator(), tmp_path, "gan", warmup=(1, 4), max_samples=MAX_SAMPLES)
    records = list(tf.data.TFRecordDataset(os.path.join(path, export.WARMUP_FILE)).as_numpy_iterator())
    assert len(records) == 6  # 3 signatures x 2 batch sizes.
    path = export.export_generator(small_generator(), tmp_path, "gan", warmup=False)
    assert not os.path.exists(os.path.join(path, export.WARMUP_FILE))


def test_sample_is_deterministic_per_seed(loaded):
    first = sample(loaded, 5, 123)
    assert first.dtype == np.uint8 and first.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(first, sample(loaded, 5, 123))
    assert not np.array_equal(first, sample(loaded, 5, 124))
    assert sample(loaded, 0, 1).shape == (0, 28, 28, 1)


def test_png_signature_encodes_the_sampled_images(loaded):
    pngs = sample(loaded, 3, 9, signature="sample_png")
    decoded = np.stack([tf.io.decode_png(p).numpy() for p in pngs])
    np.testing.assert_array_equal(decoded, sample(loaded, 3, 9))


@pytest.mark.parametrize("noise, scale", [("uniform", 0.5), ("normal", 1.0)])
def test_sample_draws_z_from_the_prior(tmp_path, noise, scale):
    # G(z) = sigmoid(z) on 4 dims (a 2x2 image): the uint8 pixels reveal z.
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Activation("sigmoid")])
    path = export.export_generator(generator, tmp_path, "g", noise=noise, noise_scale=scale, warmup=False)
    model = tf.saved_model.load(path)
    pixels = sample(model, 1000, 0).astype("float64").reshape(-1)
    p = np.clip(pixels / 255, 1e-3, 1 - 1e-3)
    z = np.log(p / (1 - p))
    if noise == "uniform":
        assert z.min() >= -scale - 0.02 and z.max() <= scale + 0.02
        assert z.std() == pytest.approx(scale / np.sqrt(3), rel=0.05)
    else:
        assert abs(z.mean()) < 0.05 and z.std() == pytest.approx(scale, rel=0.05)


def test_tanh_image_generator_is_mapped_to_unit_range(tmp_path):
    generator = keras_gan.networks.dcgan_generator(
        latent_dim=4, output_shape=(8, 8, 3), base_filters=4, output_activation="tanh", seed=0
    )
    path = export.export_generator(generator, tmp_path, "dcgan", warmup=False)
    model = tf.saved_model.load(path)
    z = np.random.default_rng(0).uniform(-1.7, 1.7, (3, 4)).astype("float32")
    images = model.signatures["serving_default"](z=tf.constant(z))["images"].numpy()
    np.testing.assert_allclose(images, (np.asarray(generator(z, training=False)) + 1) / 2, atol=1e-6)
    pngs = sample(model, 2, 0, signature="sample_png")
    assert tf.io.decode_png(pngs[0]).shape == (8, 8, 3)


def test_image_shape_is_inferred_or_checked(tmp_path):
    flat_rgb = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3 * 4 * 4, activation="sigmoid")])
    model = tf.saved_model.load(export.export_generator(flat_rgb, tmp_path, "rgb", warmup=False))
    assert model.signatures["serving_default"](z=tf.zeros([1, 2]))["images"].shape == (1, 4, 4, 3)
    model = tf.saved_model.load(export.export_generator(flat_rgb, tmp_path, "rgb", image_shape=(4, 12, 1)))
    assert model.signatures["serving_default"](z=tf.zeros([1, 2]))["images"].shape == (1, 4, 12, 1)
    with pytest.raises(ValueError, match="holds 49 values but the generator emits 48"):
        export.export_generator(flat_rgb, tmp_path, "rgb", image_shape=(7, 7, 1))
    odd = keras.Sequential([keras.Input((2,)), keras.layers.Dense(10, activation="sigmoid")])
    with pytest.raises(ValueError, match=r"pass image_shape=\(H, W, C\), or outputs='vectors'"):
        export.export_generator(odd, tmp_path, "odd", outputs="images")
    # Left to infer, a non-square flat output is served as vectors (test_export_vectors.py).
    metadata = json.load(open(os.path.join(export.export_generator(odd, tmp_path, "odd"), export.METADATA_FILE)))
    assert (metadata["outputs"], metadata["sample_shape"]) == ("vectors", [10])


def test_jit_compiled_export_matches(exported, loaded, tmp_path):
    generator, _ = exported
    model = tf.saved_model.load(export.export_generator(generator, tmp_path, "xla", jit_compile=True, warmup=False))
    z = np.random.default_rng(2).uniform(-1.7, 1.7, (6, LATENT)).astype("float32")
    images = model.signatures["serving_default"](z=tf.constant(z))["images"].numpy()
    np.testing.assert_allclose(images, expected_images(generator, z), atol=1e-5)
    # Same noise (drawn outside the compiled part); pixels may differ by one rounding step at most.
    diff = np.abs(sample(model, 8, 3).astype(int) - sample(loaded, 8, 3).astype(int))
    assert diff.max() <= 1


def test_gan_prior_is_exported(tmp_path):
    path = export.export_generator(small_gan(noise="normal", noise_scale=2.0), tmp_path, "gan", warmup=False)
    metadata = json.load(open(os.path.join(path, export.METADATA_FILE)))
    assert (metadata["noise"], metadata["noise_scale"]) == ("normal", 2.0)


def test_export_from_a_saved_keras_file(tmp_path):
    gan = small_gan()
    gan.save(tmp_path / "gan.keras")
    path = export.export_from_file(str(tmp_path / "gan.keras"), tmp_path / "models", "gan", warmup=False)
    z = np.random.default_rng(3).uniform(-1, 1, (2, LATENT)).astype("float32")
    images = tf.saved_model.load(path).signatures["serving_default"](z=tf.constant(z))["images"].numpy()
    np.testing.assert_allclose(images, expected_images(gan.generator, z), atol=1e-6)
    with pytest.raises(ValueError, match="No model file"):
        export.export_from_file(str(tmp_path / "missing.keras"), tmp_path / "models")


def test_sample_signature_serves_the_images_of_gan_generate(tmp_path):
    # The served sampler draws the GAN's own noise: a client asking for (n, seed) sees gan.generate(n, seed=seed).
    gan = keras_gan.GAN(
        keras_gan.networks.paper_generator(latent_dim=8, hidden_units=(16,), output_shape=(4, 4, 1), seed=0),
        keras_gan.networks.paper_discriminator(input_shape=(4, 4, 1), units=4, pieces=2, seed=0),
        seed=0,
    )
    path = keras_gan.export.export_generator(gan, str(tmp_path), "gan", warmup=False)
    served = tf.saved_model.load(path).signatures["sample"](
        num_samples=tf.constant(5, tf.int32), seed=tf.constant(11, tf.int64)
    )["images"].numpy()
    expected = np.round(gan.generate(5, seed=11) * 255).astype("uint8")
    np.testing.assert_allclose(served.astype(int), expected.astype(int), atol=1)
