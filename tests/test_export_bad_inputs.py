"""Bad inputs to the export and to the served model: each fails with a message that names the problem and the fix.

Three layers, one table each: `export_generator` arguments; requests the exported model rejects by itself (checked
inside the signatures, so TF Serving answers INVALID_ARGUMENT for any client); and the client's builders and
parsers, which refuse a bad request before it is sent and a malformed answer before it is used.
"""

import grpc
import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
import serving_stub
from keras_gan import export
from keras_gan.serving import client

LATENT = 8
MAX_SAMPLES = 16


@pytest.fixture(scope="module")
def gan():
    return keras_gan.GAN(
        keras_gan.networks.paper_generator(latent_dim=LATENT, hidden_units=(16,), seed=0),
        keras_gan.networks.paper_discriminator(units=8, pieces=2),
        latent_dim=LATENT,
        seed=0,
    )


@pytest.fixture(scope="module")
def model(gan, tmp_path_factory):
    path = export.export_generator(gan, tmp_path_factory.mktemp("m"), "gan", max_samples=MAX_SAMPLES, warmup=False)
    return tf.saved_model.load(path)


LINEAR_4 = dict(obj=lambda: keras.Sequential([keras.Input((2,)), keras.layers.Dense(4)]))
POINTS_2 = dict(obj=lambda: keras_gan.networks.mlp_generator(2, 2, hidden_units=(4,)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(obj=lambda: "not a model"), "needs a keras_gan.GAN or a generator keras.Model"),
        (dict(model_name="a/b"), "model_name must be a plain folder name such as 'gan'"),
        (dict(base_dir="gs://bucket/models"), "is a URL; export to a local folder"),
        (dict(version=0), "version must be a positive int"),
        (dict(version=True), "version must be a positive int"),
        (dict(max_samples=0), "max_samples must be a positive int"),
        (dict(max_samples=2**31), "max_samples must fit in an int32"),
        (dict(latent_dim=4), r"\['latent_dim'\] come from the GAN .*export gan.generator with them instead"),
        (dict(output_range="tanh"), "ends in sigmoid; pass output_range='sigmoid'"),
        (dict(output_range="relu"), "output_range must be 'sigmoid' or 'tanh'"),
        (dict(outputs="pictures"), r"outputs must be one of \('auto', 'images', 'vectors'\)"),
        (dict(outputs="vectors", image_shape=(28, 28, 1)), "describe images; drop them for outputs='vectors'"),
        (dict(warmup=(0,)), "warmup batch size must be a positive int"),
        (dict(warmup=(MAX_SAMPLES + 1,), max_samples=MAX_SAMPLES), "exceed max_samples=16; pass smaller ones"),
        (dict(warmup="yes please"), "warmup batch size must be a positive int"),
        (dict(jit_compile="yes"), "jit_compile must be True or False"),
        (dict(image_shape=(7, 7, 1)), "holds 49 values but the generator emits 784.*same number of values"),
        (dict(image_shape=(28, 28)), r"image_shape must be \(height, width, channels\)"),
        (dict(image_shape=784), r"image_shape must be \(height, width, channels\) of positive ints, got \(784,\)"),
        (dict(**LINEAR_4), "pass output_range='sigmoid' .* or outputs='vectors' to serve the raw values"),
        (dict(**LINEAR_4, latent_dim=3, output_range="sigmoid"), "latent_dim=3 but .* width 2; pass latent_dim=2"),
        (dict(**LINEAR_4, noise="cauchy", output_range="sigmoid"), "noise must be 'uniform' or 'normal'"),
        (dict(**LINEAR_4, noise_scale=-1.0, output_range="sigmoid"), "noise_scale must be a positive finite"),
        (dict(**POINTS_2, outputs="images"), r"image shape of the generator's output \(2,\); .*outputs='vectors'"),
        (dict(**POINTS_2, output_range="sigmoid"), None),  # Auto: vectors, so output_range is refused.
    ],
)
def test_bad_export_arguments(gan, tmp_path, kwargs, message):
    obj = kwargs.pop("obj", lambda: gan)()
    if message is None:
        message = "describe images; drop them for outputs='vectors'"
        kwargs["outputs"] = "vectors"
    with pytest.raises(ValueError, match=message):
        export.export_generator(obj, kwargs.pop("base_dir", tmp_path), kwargs.pop("model_name", "gan"), **kwargs)
    assert list(tmp_path.iterdir()) == []  # Refused before anything was written.


def z_of(shape, dtype=tf.float32, fill=0.0):
    return dict(z=tf.fill(shape, tf.cast(fill, dtype)))


def counts(n, seed, n_dtype=tf.int32, seed_dtype=tf.int64):
    return dict(num_samples=tf.constant(n, n_dtype), seed=tf.constant(seed, seed_dtype))


@pytest.mark.parametrize(
    "signature, inputs, message",
    [
        ("serving_default", z_of([2, LATENT + 1]), r"z must have shape \[batch, 8\].*Got shape\] \[2 9\]"),
        ("serving_default", z_of([LATENT]), r"z must have shape \[batch, 8\].*one row each"),
        ("serving_default", z_of([2, LATENT, 1]), r"z must have shape \[batch, 8\]"),
        # The dtype is checked by TensorFlow before the function runs: its own message.
        ("serving_default", z_of([2, LATENT], tf.int32), "expected to be a float tensor but is a int32"),
        ("serving_default", z_of([2, LATENT], fill=np.nan), "NaN or infinite values.*call the 'sample' signature"),
        ("serving_default", z_of([1, LATENT], fill=-np.inf), "z must be finite noise from the prior"),
        ("sample", counts(-1, 0), r"num_samples must be in \[0, 16\]: a negative count.*ask for 0 or more"),
        ("sample", counts(MAX_SAMPLES + 1, 0), r"max_samples of this export\): ask for fewer per request"),
        ("sample_png", counts(MAX_SAMPLES + 1, 0), r"num_samples must be in \[0, 16\]"),
        ("sample", counts(1, 0, seed_dtype=tf.int32), "expected to be a int64 tensor but is a int32"),
        ("sample", counts(1.0, 0, n_dtype=tf.float32), "expected to be a int32 tensor but is a float"),
    ],
)
def test_the_model_rejects_bad_requests(model, signature, inputs, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"(?s){message}"):
        model.signatures[signature](**inputs)


def test_the_limits_themselves_are_served(model):
    assert model.signatures["sample"](**counts(MAX_SAMPLES, 0))["images"].shape[0] == MAX_SAMPLES
    assert model.signatures["sample"](**counts(0, 0))["images"].shape[0] == 0


def test_the_server_answers_bad_requests_with_invalid_argument(model):
    # A request built by hand (another client), through the gRPC and REST stand-ins.
    request = client.grpc_generate_request(np.zeros((2, LATENT + 1)), "gan")
    with serving_stub.grpc_server(model) as target:
        with pytest.raises(grpc.RpcError) as info:
            client.grpc_predict(request, target)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "z must have shape [batch, 8]" in info.value.details()
    body = {"signature_name": "serving_default", "inputs": {"z": [[float("nan")] * LATENT]}}
    with serving_stub.rest_server(model) as port:
        with pytest.raises(ValueError, match="(?s)TF Serving returned an error: .*NaN or infinite values"):
            client.rest_predict(body, "gan", "127.0.0.1", port)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: client.rest_generate_body(np.zeros(LATENT)), r"z must be 2-D .*Use z\[None\] for one vector"),
        (lambda: client.rest_generate_body([["a", "b"]]), "z must hold real numbers .*pass a float array"),
        (lambda: client.grpc_generate_request(np.full((2, 3), True)), "z must hold real numbers"),
        (lambda: client.grpc_generate_request([[0.0, np.nan]]), r"NaN or infinite values \(first at \(0, 1\)\)"),
        (lambda: client.rest_sample_body(-1), r"num_samples must be in \[0, 2147483647\].*ask for 0 or more"),
        (lambda: client.grpc_sample_request(2**31), r"num_samples must be in \[0, 2147483647\]"),
        (lambda: client.grpc_sample_request(2.5), "num_samples must be an int, got 2.5"),
        (lambda: client.rest_sample_body(1, seed=1.5), "seed must be an int, got 1.5 .*pass e.g. seed=4"),
        (lambda: client.rest_sample_body(1, seed=2**63), "seed must fit in an int64"),
        (lambda: client.rest_sample_body(1, signature_name="generate"), "Unknown sampling signature 'generate'"),
        (lambda: client.grpc_sample_request(1, signature_name="serving_default"), "build a 'serving_default' "),
        # Checked before sending: nothing listens on port 9.
        (lambda: client.rest_predict(client.rest_sample_body(1, signature_name="sample_png"), port=9,
                                     outputs="vectors"), "An outputs='vectors' export has no signature 'sample_png'"),
    ],
)
def test_the_client_refuses_bad_requests_before_sending(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    "response, signature, outputs, message",
    [
        ("<html>502 Bad Gateway</html>", "sample", "images", "not JSON.*REST port \\(8501 by default\\)"),
        ([1, 2], "sample", "images", "a JSON object with 'outputs' or 'predictions'"),
        ({"result": [1]}, "sample", "images", "neither 'outputs' nor 'predictions'.*answer of a :predict"),
        ({"error": "Servable not found"}, "sample", "images", "TF Serving returned an error: Servable not found"),
        ({"outputs": {"samples": [[1.0]]}}, "sample", "images", r"outputs \['samples'\], not 'images'.*outputs="),
        ({"outputs": [[1, 2], [3]]}, "sample", "images", "must be a regular array of numbers"),
        ({"outputs": ["iVBOR"]}, "sample_png", "images", 'must be a list of {"b64": ...} PNG files'),
        ({"outputs": [{"b64": "!!"}]}, "sample_png", "images", "PNG files"),
        ({"outputs": [[0.5]]}, "generate", "images", "has no signature 'generate'; it serves"),
        ({"outputs": [[0.5]]}, "sample_png", "vectors", "An outputs='vectors' export has no signature 'sample_png'"),
        ({"outputs": [[0.5]]}, "sample", "pictures", "outputs must be one of .*the kind of export"),
    ],
)
def test_malformed_rest_responses_are_named(response, signature, outputs, message):
    with pytest.raises(ValueError, match=f"(?s){message}"):
        client.parse_rest_response(response, signature, outputs)
