"""Specifications of keras_gan.export for a class-conditional GAN: every signature takes a `label`.

    serving_default  z float32 [batch, latent_dim], label int32 [batch]      -> images float32 [batch, H, W, C]
    sample           num_samples int32 [], seed int64 [], label int32 []     -> images uint8 [num_samples, H, W, C]
    sample_png       num_samples int32 [], seed int64 [], label int32 []     -> png_bytes string [num_samples]

`sample(n, s, c)` serves `gan.generate(n, labels=c, seed=s)`; label -1 serves the class-balanced mix of
`gan.generate(n, seed=s)`. Bad labels fail inside the graph with INVALID_ARGUMENT and what to send; the warm-up
file carries labels; a process without keras_gan serves the same samples.
"""

import dataclasses
import json
import os
import subprocess
import sys

import grpc
import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

import keras_gan
import serving_stub
from conftest import WITHOUT_KERAS_GAN
from keras_gan import export
from keras_gan import train_lib
from keras_gan.conditional import mix_labels
from keras_gan.serving import client

LATENT = 8
CLASSES = 3
MAX_SAMPLES = 16
SHAPE = (8, 8, 1)


def conditional_gan():
    """An untrained ConditionalGAN whose generator average has large weights, so its classes and pixels differ."""
    generator = keras_gan.networks.conditional_generator(
        latent_dim=LATENT, num_classes=CLASSES, output_shape=SHAPE, base_filters=4, embedding_dim=4, seed=0
    )
    discriminator = keras_gan.networks.projection_discriminator(SHAPE, num_classes=CLASSES, base_filters=4, seed=1)
    gan = keras_gan.ConditionalGAN(generator, discriminator, num_classes=CLASSES, ema_decay=0.9, seed=0)
    # Only the average changes: the export must serve it (sampling_generator), not the raw generator.
    rng = np.random.default_rng(0)
    for weight in gan.ema_generator.weights:
        if weight.path.endswith("embeddings"):
            weight.assign(rng.normal(0, 2, weight.shape).astype("float32"))
        elif weight.path.endswith("kernel"):
            weight.assign(weight.numpy() * 10)
    return gan


@pytest.fixture(scope="module")
def gan():
    return conditional_gan()


@pytest.fixture(scope="module")
def exported(gan, tmp_path_factory):
    return export.export_generator(gan, tmp_path_factory.mktemp("models"), "cgan", max_samples=MAX_SAMPLES,
                                   warmup=(1, 3))


@pytest.fixture(scope="module")
def model(exported):
    return tf.saved_model.load(exported)


def sample(model, n, seed, label, signature="sample"):
    out = model.signatures[signature](
        num_samples=tf.constant(n, tf.int32), seed=tf.constant(seed, tf.int64), label=tf.constant(label, tf.int32)
    )
    return next(iter(out.values())).numpy()


def default(model, z, labels):
    return model.signatures["serving_default"](z=tf.constant(z), label=tf.constant(labels, tf.int32))["images"].numpy()


def to_uint8(images):
    return np.round(np.asarray(images) * 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------------------------------
# Good labels
# ------------------------------------------------------------------------------------------------------------------


def test_signatures_take_a_label_and_answer_as_the_unconditional_ones(exported, model):
    count_inputs = {"num_samples": ("int32", []), "seed": ("int64", []), "label": ("int32", [])}
    expected = {
        "serving_default": ({"z": ("float32", [None, LATENT]), "label": ("int32", [None])},
                            {"images": ("float32", [None, *SHAPE])}),
        "sample": (count_inputs, {"images": ("uint8", [None, *SHAPE])}),
        "sample_png": (count_inputs, {"png_bytes": ("string", [None])}),
    }
    served = {
        name: ({k: (v.dtype.name, v.shape.as_list()) for k, v in fn.structured_input_signature[1].items()},
               {k: (v.dtype.name, v.shape.as_list()) for k, v in fn.structured_outputs.items()})
        for name, fn in model.signatures.items()
    }
    assert served == expected
    metadata = json.load(open(os.path.join(exported, export.METADATA_FILE)))
    assert metadata["num_classes"] == CLASSES and metadata["latent_dim"] == LATENT
    assert metadata["signatures"]["sample"]["inputs"]["label"] == {"dtype": "int32", "shape": []}
    assert metadata["signatures"]["serving_default"]["inputs"]["label"] == {"dtype": "int32", "shape": [None]}


@pytest.mark.parametrize("label", [0, 2, -1])
def test_sample_serves_gan_generate_of_that_label(gan, model, label):
    n, seed = 7, 11
    expected = gan.generate(n, labels=label, seed=seed)
    # The server draws the GAN's own z and labels: serving them through serving_default gives generate's floats ...
    z, labels = gan.sample_inputs(n, seed=seed, labels=label)
    np.testing.assert_allclose(default(model, z, labels), expected, atol=1e-6)
    # ... and `sample` is exactly those images as uint8.
    served = sample(model, n, seed, label)
    np.testing.assert_array_equal(served, to_uint8(default(model, z, labels)))
    assert np.abs(served.astype(int) - to_uint8(expected).astype(int)).max() <= 1  # Rounding of equal floats.


def test_label_minus_one_gives_row_i_the_class_i_mod_c_with_the_same_noise(gan, model):
    n, seed = 7, 5
    mix = sample(model, n, seed, -1)
    for i, c in enumerate(mix_labels(n, CLASSES).numpy()):
        np.testing.assert_array_equal(mix[i], sample(model, n, seed, int(c))[i])
    assert np.abs(mix.astype(int) - to_uint8(gan.generate(n, seed=seed)).astype(int)).max() <= 1


def test_the_label_matters_and_the_averaged_generator_is_served(gan, model):
    z, labels = gan.sample_inputs(4, seed=0, labels=1)
    assert not np.array_equal(sample(model, 4, 0, 0), sample(model, 4, 0, 1))
    assert np.abs(default(model, z, labels) - np.asarray(gan.generator([z, labels]))).max() > 1e-3


def test_serving_default_takes_one_label_per_row_at_any_batch_size(gan, model):
    for batch in (1, 5, 0):
        z = gan.sample_noise(max(batch, 1), seed=batch)[:batch].numpy()
        labels = np.arange(batch, dtype=np.int32)[::-1] % CLASSES
        expected = np.asarray(gan.ema_generator([z, labels], training=False))
        np.testing.assert_allclose(default(model, z, labels), expected, atol=1e-6)


def test_sample_png_encodes_the_samples_of_the_class(model):
    pngs = sample(model, 3, 9, 2, signature="sample_png")
    np.testing.assert_array_equal(np.stack([tf.io.decode_png(p).numpy() for p in pngs]), sample(model, 3, 9, 2))


def test_jit_compiled_export_serves_the_same_samples(gan, model, tmp_path):
    compiled = tf.saved_model.load(export.export_generator(gan, tmp_path, "xla", jit_compile=True, warmup=False))
    diff = sample(compiled, 6, 3, 1).astype(int) - sample(model, 6, 3, 1).astype(int)
    assert np.abs(diff).max() <= 1  # Same noise and labels (drawn outside XLA); one rounding step at most.


# ------------------------------------------------------------------------------------------------------------------
# Bad labels: refused inside the graph, so TF Serving answers INVALID_ARGUMENT to any client
# ------------------------------------------------------------------------------------------------------------------


def z_and(labels, batch=3, dtype=tf.int32):
    return dict(z=tf.zeros([batch, LATENT]), label=tf.constant(labels, dtype))


def counts_and(label, dtype=tf.int32):
    return dict(num_samples=tf.constant(2), seed=tf.constant(0, tf.int64), label=tf.constant(label, dtype))


IN_RANGE = r"label must hold class indices in \[0, 3\) \(num_classes of this export\), one per row of z"
ONE_PER_ROW = r"label must have shape \[batch\]: one class index in \[0, 3\) per row of z. Got label shape\]"
SAMPLE_RANGE = r"label must be a class index in \[0, 3\) \(num_classes of this export\), or -1 for a class-balanced"


@pytest.mark.parametrize(
    "signature, inputs, message",
    [
        ("serving_default", z_and([0, 1, 3]), IN_RANGE + r".*Got labels\] \[0 1 3\]"),
        ("serving_default", z_and([0, -1, 2]), IN_RANGE + "; for a mix of classes, call the sample signature with "
                                                          "label -1"),
        ("serving_default", z_and([0, 1]), ONE_PER_ROW + r" \[2\] \[and z shape\] \[3 8\]"),
        ("serving_default", z_and(1), ONE_PER_ROW + r" \[\] \[and z shape\] \[3 8\]"),
        ("serving_default", z_and([[0, 1, 2]]), ONE_PER_ROW + r" \[1 3\]"),
        ("sample", counts_and(3), SAMPLE_RANGE + r" mix. Got label\] \[3\]"),
        ("sample", counts_and(-2), SAMPLE_RANGE + r" mix. Got label\] \[-2\]"),
        ("sample_png", counts_and(7), SAMPLE_RANGE),
        ("sample", counts_and([1]), r"label must be a scalar: one class index in \[0, 3\) for num_samples samples "
                                    r"of that class, or -1 for a class-balanced mix. Got label shape\] \[1\]"),
        ("sample_png", counts_and([[0, 1]]), r"label must be a scalar.*Got label shape\] \[1 2\]"),
        # Another dtype is refused by the signature itself, before the function runs: TensorFlow's own message.
        ("serving_default", z_and([0.0, 1.0, 2.0], dtype=tf.float32), "expected to be a int32 tensor but is a float"),
        ("sample", counts_and(1.0, dtype=tf.float32), "expected to be a int32 tensor but is a float"),
        ("sample", counts_and(1, dtype=tf.int64), "expected to be a int32 tensor but is a int64"),
    ],
)
def test_bad_labels_are_refused_with_what_to_send(model, signature, inputs, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"(?s){message}"):
        model.signatures[signature](**inputs)


def test_the_server_answers_bad_labels_with_invalid_argument(model):
    # Requests built by hand (another client): out of range, and float labels, through the gRPC stand-in.
    out_of_range = client.grpc_sample_request(2, 0, "cgan")
    out_of_range.inputs["label"].CopyFrom(tf.make_tensor_proto(5, tf.int32))
    floats = client.grpc_generate_request(np.zeros((2, LATENT)), "cgan")
    floats.inputs["label"].CopyFrom(tf.make_tensor_proto([0.0, 1.0], tf.float32))
    missing = client.grpc_sample_request(2, 0, "cgan")  # No label: the signature requires one.
    with serving_stub.grpc_server(model) as target:
        for request, message in ((out_of_range, "label must be a class index in [0, 3)"),
                                 (floats, "expected to be a int32 tensor but is a float"),
                                 (missing, "The signature takes inputs ['label', 'num_samples', 'seed']")):
            with pytest.raises(grpc.RpcError) as info:
                client.grpc_predict(request, target)
            assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert message in info.value.details()


# ------------------------------------------------------------------------------------------------------------------
# Warm-up and clients
# ------------------------------------------------------------------------------------------------------------------


def test_warmup_requests_carry_labels_and_each_one_runs(exported, model):
    records = list(tf.data.TFRecordDataset(os.path.join(exported, export.WARMUP_FILE)).as_numpy_iterator())
    assert len(records) == 6  # 3 signatures x batch sizes (1, 3).
    seen = []
    for record in records:
        request = prediction_log_pb2.PredictionLog.FromString(record).predict_log.request
        name = request.model_spec.signature_name
        inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        seen.append((name, inputs["z"].shape[0] if name == "serving_default" else int(inputs["num_samples"])))
        # Every input of the signature, with its dtype, and a label the model accepts.
        specs = model.signatures[name].structured_input_signature[1]
        assert {k: v.dtype.name for k, v in inputs.items()} == {k: s.dtype.name for k, s in specs.items()}
        if name == "serving_default":
            assert inputs["label"].tolist() == list(range(len(inputs["z"])))
        else:
            assert inputs["label"] == -1  # The mix: every class.
        response = serving_stub.predict(model, request)
        assert next(iter(response.outputs.values())).tensor_shape.dim[0].size == seen[-1][1]
    assert sorted(seen) == sorted((name, n) for name in ("serving_default", "sample", "sample_png") for n in (1, 3))


def test_client_requests_with_labels_run_against_the_model(gan, model):
    z, labels = gan.sample_inputs(4, seed=2, labels=[2, 0, 1, 1])
    body = client.rest_generate_body(z, label=[2, 0, 1, 1], num_classes=CLASSES)
    np.testing.assert_allclose(client.parse_rest_response(serving_stub.predict(model, body)), default(model, z, labels),
                               atol=1e-6)
    for label in (2, -1):
        body = client.rest_sample_body(4, seed=7, label=label)
        assert body["inputs"]["label"] == label
        images = client.parse_rest_response(serving_stub.predict(model, body), "sample")
        np.testing.assert_array_equal(images, sample(model, 4, 7, label))
        request = client.grpc_sample_request(4, seed=7, model_name="cgan", signature_name="sample_png", label=label)
        pngs = client.parse_grpc_response(serving_stub.predict(model, request))["png_bytes"]
        np.testing.assert_array_equal(np.stack([tf.io.decode_png(p) for p in pngs]), sample(model, 4, 7, label))
    request = client.grpc_generate_request(z, "cgan", label=np.array([2, 0, 1, 1], np.int64))
    assert request.inputs["label"].dtype == tf.int32.as_datatype_enum  # Sent as the signature's int32.
    np.testing.assert_allclose(client.parse_grpc_response(serving_stub.predict(model, request))["images"],
                               default(model, z, labels), atol=1e-6)


def test_no_label_with_num_classes_is_the_mix_through_real_ports(model):
    assert client.rest_sample_body(4, seed=3, num_classes=CLASSES)["inputs"]["label"] == -1
    with serving_stub.rest_server(model) as port:
        images = client.rest_predict(client.rest_sample_body(4, seed=3, num_classes=CLASSES), "cgan", "127.0.0.1", port)
    np.testing.assert_array_equal(images, sample(model, 4, 3, -1))
    with serving_stub.grpc_server(model) as target:
        out = client.grpc_predict(client.grpc_sample_request(4, 3, "cgan", num_classes=CLASSES), target)
    np.testing.assert_array_equal(out["images"], sample(model, 4, 3, -1))
    # Without label or num_classes: an unconditional request, as before.
    assert "label" not in client.rest_sample_body(4, seed=3)["inputs"]
    assert "label" not in client.grpc_generate_request(np.zeros((1, LATENT))).inputs


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: client.rest_sample_body(1, label=3, num_classes=3), r"label must be a class in \[0, 3\), or -1"),
        (lambda: client.grpc_sample_request(1, label=-2), r"label must be a class in \[0, num_classes\), or -1"),
        (lambda: client.rest_sample_body(1, label=1.0), "label must be an int.*pass e.g. label=3"),
        (lambda: client.rest_sample_body(1, label=[1]), "label must be an int"),
        (lambda: client.rest_sample_body(1, num_classes=1), "num_classes must be None .* or the export's int >= 2"),
        (lambda: client.rest_generate_body(np.zeros((2, 8)), num_classes=3), "serving_default needs label=\\[...\\]"),
        (lambda: client.rest_generate_body(np.zeros((2, 8)), label=[0]), "label holds 1 classes for 2 rows of z"),
        (lambda: client.grpc_generate_request(np.zeros((1, 8)), label=[-1]), "label -1 is not a class in"),
        (lambda: client.grpc_generate_request(np.zeros((1, 8)), label=[3], num_classes=3), r"label 3 .*\[0, 3\)"),
        (lambda: client.rest_generate_body(np.zeros((1, 8)), label=[0.5]), "label must be a list of int classes"),
        (lambda: client.rest_generate_body(np.zeros((1, 8)), label=2), "label must be a list of int classes"),
    ],
)
def test_the_client_refuses_bad_labels_before_sending(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# ------------------------------------------------------------------------------------------------------------------
# What can be exported
# ------------------------------------------------------------------------------------------------------------------


def test_a_bare_conditional_generator_is_exported_with_num_classes(gan, exported, tmp_path):
    generator = gan.ema_generator
    path = export.export_generator(generator, tmp_path, "bare", num_classes=CLASSES, warmup=False)
    bare = tf.saved_model.load(path)
    # The same prior defaults as a GAN's: the same samples.
    np.testing.assert_array_equal(sample(bare, 5, 4, 2), sample(tf.saved_model.load(exported), 5, 4, 2))
    assert json.load(open(os.path.join(path, export.METADATA_FILE)))["num_classes"] == CLASSES


def test_a_saved_conditional_gan_file_is_exported_with_its_classes(gan, exported, tmp_path):
    gan.save(tmp_path / "cgan.keras")
    path = export.export_from_file(str(tmp_path / "cgan.keras"), tmp_path / "models", "cgan", warmup=False)
    np.testing.assert_array_equal(sample(tf.saved_model.load(path), 5, 6, 1),
                                  sample(tf.saved_model.load(exported), 5, 6, 1))


@pytest.mark.parametrize(
    "obj, kwargs, message",
    [
        ("generator", {}, "takes two inputs, as a class-conditional generator of .*pass num_classes=<number of"),
        ("generator", {"num_classes": 1}, "num_classes must be an int >= 2"),
        ("generator", {"num_classes": True}, "num_classes must be an int >= 2"),
        ("gan", {"num_classes": 3}, r"\['num_classes'\] come from the GAN"),
        ("unconditional", {"num_classes": 3}, "num_classes=3 is for a generator of \\[z, labels\\], but this one "
                                              "takes 1 input\\(s\\); drop num_classes"),
    ],
)
def test_num_classes_must_agree_with_the_generator(gan, tmp_path, obj, kwargs, message):
    obj = {"generator": gan.generator, "gan": gan,
           "unconditional": keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="sigmoid")])}[obj]
    with pytest.raises(ValueError, match=message):
        export.export_generator(obj, tmp_path, "m", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_an_unconditional_export_records_no_classes_and_takes_no_label(tmp_path):
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="sigmoid")])
    path = export.export_generator(generator, tmp_path, "plain", warmup=False)
    assert json.load(open(os.path.join(path, export.METADATA_FILE)))["num_classes"] is None
    signatures = tf.saved_model.load(path).signatures
    assert all("label" not in fn.structured_input_signature[1] for fn in signatures.values())


# ------------------------------------------------------------------------------------------------------------------
# Outside keras_gan: a fresh process and the command line
# ------------------------------------------------------------------------------------------------------------------

FRESH_PROCESS = WITHOUT_KERAS_GAN + """
assert "keras_gan" not in sys.modules, sorted(m for m in sys.modules if m.startswith("keras"))
path, work = sys.argv[1:]
model = tf.saved_model.load(path)
for label in (0, 2, -1):
    out = model.signatures["sample"](num_samples=tf.constant(5), seed=tf.constant(11, tf.int64),
                                     label=tf.constant(label))
    np.save(f"{work}/sample_{label}.npy", out["images"])
z, labels = np.load(work + "/z.npy"), np.load(work + "/labels.npy")
out = model.signatures["serving_default"](z=tf.constant(z), label=tf.constant(labels))
np.save(work + "/default.npy", out["images"])
assert "keras_gan" not in sys.modules
"""


def test_a_process_without_keras_gan_serves_the_samples_of_gan_generate(gan, exported, tmp_path):
    z, labels = gan.sample_inputs(4, seed=1, labels=[1, 0, 2, 1])
    np.save(tmp_path / "z.npy", np.asarray(z))
    np.save(tmp_path / "labels.npy", np.asarray(labels))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    # From a folder without the repository, so only the blocker stands between it and keras_gan.
    result = subprocess.run([sys.executable, "-c", FRESH_PROCESS, exported, str(tmp_path)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    for label in (0, 2, -1):
        expected = to_uint8(gan.generate(5, labels=label, seed=11))
        served = np.load(tmp_path / f"sample_{label}.npy")
        assert np.abs(served.astype(int) - expected.astype(int)).max() <= 1, label
    np.testing.assert_allclose(np.load(tmp_path / "default.npy"), gan.generate(4, labels=labels, seed=1), atol=1e-6)


def test_keras_gan_export_writes_a_conditional_workdir(run_cli, tmp_path, monkeypatch):
    # One epoch of the conditional config on 64 random labelled images, then the command a user runs.
    rng = np.random.default_rng(0)
    monkeypatch.setattr(keras_gan.data.images, "load_arrays", lambda *a, **k: (
        rng.random((64, 28, 28, 1)).astype("float32"), np.arange(64) % 10))
    config = dataclasses.replace(
        keras_gan.configs.get_config("cgan_fashion_mnist"), epochs=1, base_filters=2, latent_dim=4, batch_size=32,
        verbose=0, num_grid_samples=4, jit_compile=False)
    workdir = str(tmp_path / "cgan")
    train_lib.train_and_evaluate(config, workdir)
    code, out, err = run_cli("export", f"--workdir={workdir}", f"--export_dir={tmp_path}/serving")
    assert code == 0, err
    path = str(tmp_path / "serving" / "gan" / "1")
    gan, _, _ = train_lib.restore_from_workdir(workdir)
    assert json.load(open(os.path.join(path, export.METADATA_FILE)))["num_classes"] == 10
    np.testing.assert_allclose(sample(tf.saved_model.load(path), 3, 5, 7).astype(int),
                               to_uint8(gan.generate(3, labels=7, seed=5)).astype(int), atol=1)
