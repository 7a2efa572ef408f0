"""A stand-in for TF Serving's Predict API, for tests only: no tensorflow_model_server binary exists here.

`predict` answers a REST body or a gRPC PredictRequest from a loaded SavedModel as the server would (REST: JSON
through JSON, TF Serving's columnar response with one output unwrapped and `*_bytes` outputs as {"b64": ...};
gRPC: tensors as sent, no casts). `rest_server` and `grpc_server` put it behind real HTTP and gRPC ports, with
the server's error forms ({"error": ...} with HTTP 400; INVALID_ARGUMENT). It mirrors the server's encoding rules
but is not the server.
"""

import base64
import contextlib
import http.server
import json
import threading
from concurrent import futures

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc


class BadRequest(Exception):
    """A request the server refuses before running the model (unknown signature or input names, bad values)."""


def predict(model, request):
    """Returns TF Serving's answer to a REST body (a JSON dict) or a PredictRequest (a PredictResponse).

    Raises BadRequest for requests the server refuses itself, and the model's tf.errors.InvalidArgumentError for
    inputs its checks reject.
    """
    if isinstance(request, dict):
        request = json.loads(json.dumps(request))  # What actually travels.
        fn = _signature(model, request.get("signature_name", "serving_default"))
        specs = fn.structured_input_signature[1]
        inputs = request.get("inputs", {})
        _check_input_names(inputs, specs)
        try:
            # The server converts JSON values to the signature's dtypes.
            tensors = {k: tf.constant(v, dtype=specs[k].dtype) for k, v in inputs.items()}
        except (TypeError, ValueError) as e:
            raise BadRequest(f"JSON values do not match the signature's dtypes: {e}") from e
        encoded = {name: _to_json(name, value.numpy()) for name, value in fn(**tensors).items()}
        return {"outputs": next(iter(encoded.values())) if len(encoded) == 1 else encoded}

    fn = _signature(model, request.model_spec.signature_name or "serving_default")
    _check_input_names(request.inputs, fn.structured_input_signature[1])
    outputs = fn(**{k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()})
    response = predict_pb2.PredictResponse()
    response.model_spec.CopyFrom(request.model_spec)
    for name, value in outputs.items():
        response.outputs[name].CopyFrom(tf.make_tensor_proto(value))
    return response


@contextlib.contextmanager
def rest_server(model):
    """Serves POST /v1/models/<name>:predict on 127.0.0.1; yields the port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                status, answer = 200, predict(model, body)
            except BadRequest as e:
                status, answer = 400, {"error": str(e)}
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

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def grpc_server(model):
    """Serves PredictionService.Predict on 127.0.0.1; yields the "host:port" target."""

    class Servicer(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):
            try:
                return predict(model, request)
            except BadRequest as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
            except tf.errors.InvalidArgumentError as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, e.message)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(0)


def _signature(model, name):
    if name not in model.signatures:
        # TF Serving's wording.
        raise BadRequest(f'Serving signature name: "{name}" not found in signature def')
    return model.signatures[name]


def _check_input_names(inputs, specs):
    if set(inputs) != set(specs):
        raise BadRequest(f"The signature takes inputs {sorted(specs)}, the request has {sorted(inputs)}.")


def _to_json(name, value):
    # TF Serving's rule: string outputs whose name ends in "_bytes" are sent as {"b64": ...}.
    if value.dtype == object:
        items = [base64.b64encode(v).decode("ascii") if name.endswith("_bytes") else v.decode() for v in value.flat]
        if name.endswith("_bytes"):
            items = [{"b64": s} for s in items]
        return np.array(items, dtype=object).reshape(value.shape).tolist()
    return value.tolist()
