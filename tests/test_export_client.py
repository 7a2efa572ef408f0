"""Specifications of keras_gan.serving.client: REST bodies and gRPC requests that the exported model answers.

No tensorflow_model_server binary exists here, so requests run against the SavedModel through the test-only
stand-in `serving_stub` (in process, and behind real local HTTP and gRPC ports).
"""

import json

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

import keras_gan
import serving_stub
from keras_gan import export
from keras_gan.serving import client

LATENT = 8
MAX_SAMPLES = 16


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    generator = keras_gan.networks.paper_generator(latent_dim=LATENT, hidden_units=(16, 16), seed=0)
    path = export.export_generator(generator, tmp_path_factory.mktemp("m"), "gan", max_samples=MAX_SAMPLES)
    return tf.saved_model.load(path)


@pytest.fixture(scope="module")
def points(tmp_path_factory):
    """A vector export: 2-D points."""
    generator = keras_gan.networks.mlp_generator(2, 2, hidden_units=(8,), seed=0)
    path = export.export_generator(generator, tmp_path_factory.mktemp("p"), "ring", noise="normal", warmup=False)
    return tf.saved_model.load(path)


def direct(model, signature, **inputs):
    out = model.signatures[signature](**inputs)
    return next(iter(out.values())).numpy()


def counts(n, seed):
    return dict(num_samples=tf.constant(n, tf.int32), seed=tf.constant(seed, tf.int64))


def test_rest_bodies_run_against_the_model(model):
    z = np.random.default_rng(0).uniform(-1, 1, (3, LATENT)).astype("float32")
    response = serving_stub.predict(model, client.rest_generate_body(z))
    json.dumps(response)  # A plain JSON document, as the server sends.
    images = client.parse_rest_response(response, "serving_default")
    np.testing.assert_allclose(images, direct(model, "serving_default", z=tf.constant(z)), atol=1e-6)

    response = serving_stub.predict(model, client.rest_sample_body(4, seed=7))
    images = client.parse_rest_response(response, "sample")
    assert images.dtype == np.uint8
    np.testing.assert_array_equal(images, direct(model, "sample", **counts(4, 7)))

    # PNG strings travel as {"b64": ...} (the `_bytes` suffix rule) and decode to the sampled images.
    response = serving_stub.predict(model, client.rest_sample_body(2, seed=7, signature_name="sample_png"))
    assert set(response["outputs"][0]) == {"b64"}
    pngs = client.parse_rest_response(json.dumps(response), "sample_png")
    decoded = np.stack([tf.io.decode_png(p).numpy() for p in pngs])
    np.testing.assert_array_equal(decoded, direct(model, "sample", **counts(2, 7)))


def test_grpc_requests_run_against_the_model(model):
    z = np.random.default_rng(1).uniform(-1, 1, (5, LATENT)).astype("float32")
    request = client.grpc_generate_request(z, "gan", version=3)
    assert (request.model_spec.name, request.model_spec.version.value) == ("gan", 3)
    request = type(request).FromString(request.SerializeToString())  # What actually travels.
    images = client.parse_grpc_response(serving_stub.predict(model, request))["images"]
    np.testing.assert_allclose(images, direct(model, "serving_default", z=tf.constant(z)), atol=1e-6)

    request = client.grpc_sample_request(3, seed=2, model_name="gan")
    images = client.parse_grpc_response(serving_stub.predict(model, request))["images"]
    np.testing.assert_array_equal(images, direct(model, "sample", **counts(3, 2)))
    request = client.grpc_sample_request(3, 2, signature_name="sample_png")
    pngs = client.parse_grpc_response(serving_stub.predict(model, request))
    assert [tf.io.decode_png(p).shape for p in pngs["png_bytes"]] == [(28, 28, 1)] * 3


def test_vector_exports_answer_rest_and_grpc(points):
    z = np.random.default_rng(2).normal(size=(3, 2)).astype("float32")
    expected = direct(points, "serving_default", z=tf.constant(z))
    response = serving_stub.predict(points, client.rest_generate_body(z))
    samples = client.parse_rest_response(response, "serving_default", outputs="vectors")
    assert samples.dtype == np.float32 and samples.shape == (3, 2)
    np.testing.assert_allclose(samples, expected, atol=1e-6)

    response = serving_stub.predict(points, client.rest_sample_body(5, seed=3))
    samples = client.parse_rest_response(json.dumps(response), "sample", outputs="vectors")
    assert samples.dtype == np.float32
    np.testing.assert_allclose(samples, direct(points, "sample", **counts(5, 3)), atol=1e-6)

    answer = client.parse_grpc_response(serving_stub.predict(points, client.grpc_sample_request(5, 3, "ring")))
    assert set(answer) == {"samples"} and answer["samples"].dtype == np.float32
    np.testing.assert_allclose(answer["samples"], samples, atol=1e-6)


def test_rest_url():
    assert client.rest_url() == "http://localhost:8501/v1/models/gan:predict"
    assert client.rest_url("g", "host", 9000, version=4) == "http://host:9000/v1/models/g/versions/4:predict"


def test_rest_predict_over_http(model, points):
    with serving_stub.rest_server(model) as port:
        images = client.rest_predict(client.rest_sample_body(2, seed=1), "gan", "127.0.0.1", port)
        np.testing.assert_array_equal(images, direct(model, "sample", **counts(2, 1)))
        with pytest.raises(ValueError, match=r"(?s)TF Serving returned an error: .*num_samples must be in \[0, 16\]"):
            client.rest_predict(client.rest_sample_body(MAX_SAMPLES + 1), "gan", "127.0.0.1", port)
    with serving_stub.rest_server(points) as port:
        samples = client.rest_predict(client.rest_sample_body(2, seed=1), "ring", "127.0.0.1", port, outputs="vectors")
        np.testing.assert_allclose(samples, direct(points, "sample", **counts(2, 1)), atol=1e-6)
        with pytest.raises(ValueError, match='"sample_png" not found in signature def'):
            body = client.rest_sample_body(2, signature_name="sample_png")
            client.rest_predict(body, "ring", "127.0.0.1", port)  # As images: the server has no such signature.


def test_grpc_predict_over_grpc(model, points):
    with serving_stub.grpc_server(model) as target:
        images = client.grpc_predict(client.grpc_sample_request(2, seed=1), target)["images"]
        np.testing.assert_array_equal(images, direct(model, "sample", **counts(2, 1)))
        with pytest.raises(grpc.RpcError) as info:
            client.grpc_predict(client.grpc_sample_request(MAX_SAMPLES + 1), target)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "num_samples must be in [0, 16]" in info.value.details()
    with serving_stub.grpc_server(points) as target:
        samples = client.grpc_predict(client.grpc_sample_request(2, seed=1, model_name="ring"), target)["samples"]
        np.testing.assert_allclose(samples, direct(points, "sample", **counts(2, 1)), atol=1e-6)


def test_warmup_record_round_trips():
    record = client.warmup_record(client.grpc_sample_request(1, 0, "gan")).SerializeToString()
    log = prediction_log_pb2.PredictionLog.FromString(record)
    assert log.predict_log.request.model_spec.signature_name == "sample"
    assert log.predict_log.request.inputs["num_samples"].int_val == [1]
