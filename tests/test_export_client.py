"""Specifications of keras_gan.serving.client: REST bodies and gRPC requests that the exported model answers.

No tensorflow_model_server binary exists here, so requests run against the SavedModel through `run_locally`, and
the transport functions talk to small local stand-ins (an HTTP server and a gRPC server that call `run_locally`).
"""

import http.server
import json
import threading
from concurrent import futures

import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import export
from keras_gan.serving import client

LATENT = 8
MAX_SAMPLES = 16


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    generator = keras_gan.networks.paper_generator(latent_dim=LATENT, hidden_units=(16, 16), seed=0)
    path = export.export_generator(generator, tmp_path_factory.mktemp("m"), "gan", max_samples=MAX_SAMPLES)
    return tf.saved_model.load(path)


def direct(model, signature, **inputs):
    out = model.signatures[signature](**inputs)
    return next(iter(out.values())).numpy()


def counts(n, seed):
    return dict(num_samples=tf.constant(n, tf.int32), seed=tf.constant(seed, tf.int64))


def test_rest_bodies_run_against_the_model(model):
    z = np.random.default_rng(0).uniform(-1, 1, (3, LATENT)).astype("float32")
    body = client.rest_generate_body(z)
    response = client.run_locally(model, body)
    json.dumps(response)  # A plain JSON document, as the server sends.
    images = client.parse_rest_response(response, "serving_default")
    np.testing.assert_allclose(images, direct(model, "serving_default", z=tf.constant(z)), atol=1e-6)

    response = client.run_locally(model, client.rest_sample_body(4, seed=7))
    images = client.parse_rest_response(response, "sample")
    assert images.dtype == np.uint8
    np.testing.assert_array_equal(images, direct(model, "sample", **counts(4, 7)))

    # PNG strings travel as {"b64": ...} (the `_bytes` suffix rule) and decode to the sampled images.
    response = client.run_locally(model, client.rest_sample_body(2, seed=7, png=True))
    assert set(response["outputs"][0]) == {"b64"}
    pngs = client.parse_rest_response(json.dumps(response), "sample_png")
    decoded = np.stack([tf.io.decode_png(p).numpy() for p in pngs])
    np.testing.assert_array_equal(decoded, direct(model, "sample", **counts(2, 7)))


def test_grpc_requests_run_against_the_model(model):
    z = np.random.default_rng(1).uniform(-1, 1, (5, LATENT)).astype("float32")
    request = client.grpc_generate_request(z, "gan", version=3)
    assert (request.model_spec.name, request.model_spec.version.value) == ("gan", 3)
    request = type(request).FromString(request.SerializeToString())  # What actually travels.
    images = client.parse_grpc_response(client.run_locally(model, request))["images"]
    np.testing.assert_allclose(images, direct(model, "serving_default", z=tf.constant(z)), atol=1e-6)

    request = client.grpc_sample_request(3, seed=2, model_name="gan")
    images = client.parse_grpc_response(client.run_locally(model, request))["images"]
    np.testing.assert_array_equal(images, direct(model, "sample", **counts(3, 2)))
    pngs = client.parse_grpc_response(client.run_locally(model, client.grpc_sample_request(3, 2, png=True)))
    assert [tf.io.decode_png(p).shape for p in pngs["png_bytes"]] == [(28, 28, 1)] * 3


def test_requests_are_checked_before_sending(model):
    with pytest.raises(ValueError, match="non-negative"):
        client.rest_sample_body(-1)
    with pytest.raises(ValueError, match="num_samples must be an int"):
        client.grpc_sample_request(2.5)
    with pytest.raises(ValueError, match=r"z must be 2-D"):
        client.rest_generate_body(np.zeros(LATENT))
    with pytest.raises(ValueError, match="takes inputs"):
        client.run_locally(model, {"signature_name": "sample", "inputs": {"n": 1, "seed": 0}})
    with pytest.raises(ValueError, match="no signature 'generate'"):
        client.run_locally(model, {"signature_name": "generate", "inputs": {}})
    # The model, not the client, enforces its bound.
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"num_samples must be in \[0, 16\]"):
        client.run_locally(model, client.rest_sample_body(MAX_SAMPLES + 1))


def test_rest_url():
    assert client.rest_url() == "http://localhost:8501/v1/models/gan:predict"
    assert client.rest_url("g", "host", 9000, version=4) == "http://host:9000/v1/models/g/versions/4:predict"
    with pytest.raises(ValueError, match="TF Serving returned an error: bad"):
        client.parse_rest_response({"error": "bad"})


class _RestStandIn(http.server.BaseHTTPRequestHandler):
    """Answers POST /v1/models/<name>:predict from the SavedModel, with TF Serving's JSON error form."""

    model = None

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        try:
            status, answer = 200, client.run_locally(self.model, body)
        except tf.errors.InvalidArgumentError as e:
            status, answer = 400, {"error": e.message}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_rest_predict_over_http(model):
    _RestStandIn.model = model
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RestStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        images = client.rest_predict(client.rest_sample_body(2, seed=1), "gan", "127.0.0.1", port)
        np.testing.assert_array_equal(images, direct(model, "sample", **counts(2, 1)))
        with pytest.raises(ValueError, match=r"num_samples must be in \[0, 16\]"):
            client.rest_predict(client.rest_sample_body(MAX_SAMPLES + 1), "gan", "127.0.0.1", port)
    finally:
        server.shutdown()
        server.server_close()


def test_grpc_predict_over_grpc(model):
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    class Servicer(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):
            try:
                return client.run_locally(model, request)
            except tf.errors.InvalidArgumentError as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, e.message)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        target = f"127.0.0.1:{port}"
        images = client.grpc_predict(client.grpc_sample_request(2, seed=1), target)["images"]
        np.testing.assert_array_equal(images, direct(model, "sample", **counts(2, 1)))
        with pytest.raises(grpc.RpcError) as info:
            client.grpc_predict(client.grpc_sample_request(MAX_SAMPLES + 1), target)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "num_samples must be in [0, 16]" in info.value.details()
    finally:
        server.stop(0)


def test_warmup_record_round_trips():
    from tensorflow_serving.apis import prediction_log_pb2

    record = client.warmup_record(client.grpc_sample_request(1, 0, "gan")).SerializeToString()
    log = prediction_log_pb2.PredictionLog.FromString(record)
    assert log.predict_log.request.model_spec.signature_name == "sample"
    assert log.predict_log.request.inputs["num_samples"].int_val == [1]
