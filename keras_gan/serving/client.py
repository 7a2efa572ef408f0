"""Builds and sends TF Serving requests for a generator exported with `keras_gan.export.export_generator`.

REST (port 8501) needs only numpy and the standard library; gRPC (port 8500) needs `tensorflow-serving-api`
(`pip install 'keras_gan[serving]'`), imported only when a gRPC function is called.

    body = rest_sample_body(num_samples=4, seed=7)
    images = rest_predict(body, model_name="gan")               # uint8 [4, 28, 28, 1]

    request = grpc_sample_request(4, seed=7, model_name="gan")
    images = grpc_predict(request)["images"]

`run_locally` answers the same requests from the SavedModel folder in this process (no server): a stand-in for
TF Serving's Predict, used by the tests and handy for checking a request before deploying.
"""

import base64
import json
import urllib.error
import urllib.request

import numpy as np

__all__ = [
    "SIGNATURE_OUTPUTS",
    "grpc_generate_request",
    "grpc_predict",
    "grpc_sample_request",
    "parse_grpc_response",
    "parse_rest_response",
    "rest_generate_body",
    "rest_predict",
    "rest_sample_body",
    "rest_url",
    "run_locally",
    "warmup_record",
]

# The output name and numpy dtype of each exported signature.
SIGNATURE_OUTPUTS = {
    "serving_default": ("images", np.float32),
    "sample": ("images", np.uint8),
    "sample_png": ("png_bytes", object),
}


def rest_url(model_name="gan", host="localhost", port=8501, version=None):
    """Returns the REST predict URL of a served model.

    Args:
        model_name: Str, TF Serving's MODEL_NAME.
        host: Str, the server's host name.
        port: Int, TF Serving's REST port (8501 by default).
        version: Optional positive int; None means the latest version the server loaded.

    Returns:
        Str such as "http://localhost:8501/v1/models/gan:predict".

    Example:
        >>> rest_url("gan", version=2)
        'http://localhost:8501/v1/models/gan/versions/2:predict'
    """
    path = f"/v1/models/{model_name}" + (f"/versions/{int(version)}" if version is not None else "")
    return f"http://{host}:{int(port)}{path}:predict"


def rest_generate_body(z):
    """Returns the REST JSON body that maps noise z to images (`serving_default`).

    Args:
        z: Array-like [batch, latent_dim] of floats.

    Returns:
        A dict, ready for `json.dumps`: {"signature_name": "serving_default", "inputs": {"z": [[...], ...]}}.

    Raises:
        ValueError: if z is not 2-D.

    Example:
        >>> rest_generate_body(np.zeros((1, 2)))
        {'signature_name': 'serving_default', 'inputs': {'z': [[0.0, 0.0]]}}
    """
    z = _check_z(z)
    return {"signature_name": "serving_default", "inputs": {"z": z.tolist()}}


def rest_sample_body(num_samples, seed=0, png=False):
    """Returns the REST JSON body that samples images on the server (`sample` or `sample_png`).

    Args:
        num_samples: Non-negative int, number of images (at most the export's max_samples).
        seed: Int; the same seed and count give the same images.
        png: Bool, ask for PNG files (returned base64-encoded) instead of uint8 pixel arrays.

    Returns:
        A dict: {"signature_name": "sample", "inputs": {"num_samples": n, "seed": seed}}.

    Raises:
        ValueError: if num_samples is negative or either value is not an int.

    Example:
        >>> rest_sample_body(4, seed=7)
        {'signature_name': 'sample', 'inputs': {'num_samples': 4, 'seed': 7}}
    """
    num_samples, seed = _check_counts(num_samples, seed)
    return {
        "signature_name": "sample_png" if png else "sample",
        "inputs": {"num_samples": num_samples, "seed": seed},
    }


def parse_rest_response(response, signature_name="serving_default"):
    """Turns a TF Serving REST predict response into numpy arrays or PNG bytes.

    Args:
        response: The decoded JSON response (a dict) or its text.
        signature_name: The signature the request named ("serving_default", "sample" or "sample_png").

    Returns:
        float32 images [batch, H, W, C] in [0, 1] (serving_default), uint8 images (sample), or a list of PNG
        file contents as bytes (sample_png).

    Raises:
        ValueError: if the server answered with an error or the response has an unexpected form.

    Example:
        >>> parse_rest_response({"outputs": [[[[0.5]]]]}).shape
        (1, 1, 1, 1)
    """
    if isinstance(response, (str, bytes)):
        response = json.loads(response)
    if "error" in response:
        raise ValueError(f"TF Serving returned an error: {response['error']}")
    if signature_name not in SIGNATURE_OUTPUTS:
        raise ValueError(f"Unknown signature {signature_name!r}; expected one of {sorted(SIGNATURE_OUTPUTS)}.")
    name, dtype = SIGNATURE_OUTPUTS[signature_name]
    outputs = response.get("outputs", response.get("predictions"))
    if outputs is None:
        raise ValueError(f"The response has neither 'outputs' nor 'predictions': {str(response)[:200]}")
    # With several outputs the columnar response is keyed by name; with one it is the bare value.
    if isinstance(outputs, dict) and name in outputs:
        outputs = outputs[name]
    if dtype is object:
        return [base64.b64decode(item["b64"]) for item in outputs]
    return np.asarray(outputs, dtype=dtype)


def rest_predict(body, model_name="gan", host="localhost", port=8501, version=None, timeout=30.0):
    """POSTs a REST body to TF Serving and returns the parsed result (see `parse_rest_response`).

    Args:
        body: A dict from `rest_generate_body` or `rest_sample_body`.
        model_name: Str, TF Serving's MODEL_NAME.
        host: Str, the server's host name.
        port: Int, the REST port.
        version: Optional int version; None for the latest.
        timeout: Float seconds.

    Returns:
        As `parse_rest_response` for the body's signature.

    Raises:
        ValueError: with the server's message, if it rejected the request.

    Example:
        >>> images = rest_predict(rest_sample_body(4, seed=7))
    """
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        rest_url(model_name, host, port, version), data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            response = json.loads(reply.read())
    except urllib.error.HTTPError as e:
        # TF Serving puts its error message into the body of a 4xx/5xx answer.
        try:
            response = json.loads(e.read())
        except ValueError:
            raise ValueError(f"TF Serving answered HTTP {e.code}: {e.reason}") from e
    return parse_rest_response(response, body.get("signature_name", "serving_default"))


def grpc_generate_request(z, model_name="gan", version=None):
    """Returns a gRPC PredictRequest mapping noise z to images (`serving_default`).

    Args:
        z: Array-like [batch, latent_dim] of floats.
        model_name: Str, TF Serving's MODEL_NAME.
        version: Optional int version; None for the latest.

    Returns:
        A `tensorflow_serving.apis.predict_pb2.PredictRequest`.

    Raises:
        ValueError: if z is not 2-D.

    Example:
        >>> grpc_generate_request(np.zeros((1, 100))).model_spec.signature_name
        'serving_default'
    """
    import tensorflow as tf

    request = _new_request(model_name, "serving_default", version)
    request.inputs["z"].CopyFrom(tf.make_tensor_proto(_check_z(z), dtype=tf.float32))
    return request


def grpc_sample_request(num_samples, seed=0, model_name="gan", png=False, version=None):
    """Returns a gRPC PredictRequest that samples images on the server (`sample` or `sample_png`).

    Args:
        num_samples: Non-negative int, number of images.
        seed: Int; the same seed and count give the same images.
        model_name: Str, TF Serving's MODEL_NAME.
        png: Bool, ask for PNG files instead of uint8 pixel arrays.
        version: Optional int version; None for the latest.

    Returns:
        A `tensorflow_serving.apis.predict_pb2.PredictRequest`.

    Raises:
        ValueError: if num_samples is negative or either value is not an int.

    Example:
        >>> grpc_sample_request(4, seed=7).inputs["num_samples"].int_val
        [4]
    """
    import tensorflow as tf

    num_samples, seed = _check_counts(num_samples, seed)
    request = _new_request(model_name, "sample_png" if png else "sample", version)
    request.inputs["num_samples"].CopyFrom(tf.make_tensor_proto(num_samples, dtype=tf.int32))
    request.inputs["seed"].CopyFrom(tf.make_tensor_proto(seed, dtype=tf.int64))
    return request


def parse_grpc_response(response):
    """Turns a gRPC PredictResponse into a dict of numpy arrays.

    Args:
        response: A `PredictResponse`.

    Returns:
        Dict from output name ("images" or "png_bytes") to np.ndarray (PNG files as an object array of bytes).

    Example:
        >>> images = parse_grpc_response(response)["images"]
    """
    import tensorflow as tf

    return {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}


def grpc_predict(request, target="localhost:8500", timeout=30.0):
    """Sends a PredictRequest to TF Serving's gRPC port and returns `parse_grpc_response` of the answer.

    Args:
        request: A PredictRequest from `grpc_generate_request` or `grpc_sample_request`.
        target: Str "host:port" of TF Serving's gRPC port (8500 by default).
        timeout: Float seconds.

    Returns:
        Dict from output name to np.ndarray.

    Raises:
        grpc.RpcError: with the server's status (e.g. INVALID_ARGUMENT for an oversize num_samples).

    Example:
        >>> grpc_predict(grpc_sample_request(4, seed=7))["images"].shape
        (4, 28, 28, 1)
    """
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        return parse_grpc_response(stub.Predict(request, timeout=timeout))


def warmup_record(request):
    """Wraps a PredictRequest as a PredictionLog, one record of TF Serving's warm-up file.

    Args:
        request: A PredictRequest.

    Returns:
        A `tensorflow_serving.apis.prediction_log_pb2.PredictionLog`.

    Example:
        >>> warmup_record(grpc_sample_request(1)).SerializeToString()
    """
    from tensorflow_serving.apis import prediction_log_pb2

    return prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))


def run_locally(saved_model, request):
    """Answers a REST body or a gRPC PredictRequest from a SavedModel in this process, as TF Serving would.

    A stand-in for the server when none runs (the tests use it): a REST body goes through JSON and comes back as
    TF Serving's columnar JSON response (one output unwrapped, `*_bytes` outputs as {"b64": ...}); a
    PredictRequest comes back as a PredictResponse. Parse either with `parse_rest_response` /
    `parse_grpc_response`. It mirrors the server's encoding rules but is not the server.

    Args:
        saved_model: Str path of a version folder, or the object `tf.saved_model.load` returned for it.
        request: A dict (REST body) or a PredictRequest.

    Returns:
        A dict (REST JSON response) or a PredictResponse.

    Raises:
        ValueError: if the signature or an input name is unknown.
        tf.errors.InvalidArgumentError: if the model rejects the inputs (e.g. an oversize num_samples).

    Example:
        >>> parse_rest_response(run_locally("/models/gan/1", rest_sample_body(2)), "sample").shape
        (2, 28, 28, 1)
    """
    import tensorflow as tf

    if isinstance(saved_model, str):
        saved_model = tf.saved_model.load(saved_model)
    if isinstance(request, dict):
        request = json.loads(json.dumps(request))  # What actually travels.
        signature_name = request.get("signature_name", "serving_default")
        fn = _signature(saved_model, signature_name)
        specs = fn.structured_input_signature[1]
        inputs = request.get("inputs", {})
        _check_input_names(inputs, specs, signature_name)
        outputs = fn(**{k: tf.constant(v, dtype=specs[k].dtype) for k, v in inputs.items()})
        encoded = {name: _to_json(name, value.numpy()) for name, value in outputs.items()}
        return {"outputs": next(iter(encoded.values())) if len(encoded) == 1 else encoded}

    from tensorflow_serving.apis import predict_pb2

    fn = _signature(saved_model, request.model_spec.signature_name or "serving_default")
    specs = fn.structured_input_signature[1]
    _check_input_names(request.inputs, specs, request.model_spec.signature_name)
    outputs = fn(**{k: tf.constant(tf.make_ndarray(v), dtype=specs[k].dtype) for k, v in request.inputs.items()})
    response = predict_pb2.PredictResponse()
    response.model_spec.CopyFrom(request.model_spec)
    for name, value in outputs.items():
        response.outputs[name].CopyFrom(tf.make_tensor_proto(value))
    return response


def _check_z(z):
    z = np.asarray(z, dtype=np.float32)
    if z.ndim != 2:
        raise ValueError(f"z must be 2-D [batch, latent_dim]; got shape {z.shape}. Use z[None] for one vector.")
    return z


def _check_counts(num_samples, seed):
    for name, value in (("num_samples", num_samples), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an int, got {value!r}.")
    if num_samples < 0:
        raise ValueError(f"num_samples must be non-negative, got {num_samples}.")
    return int(num_samples), int(seed)


def _new_request(model_name, signature_name, version):
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    if version is not None:
        request.model_spec.version.value = int(version)
    return request


def _signature(saved_model, name):
    if name not in saved_model.signatures:
        raise ValueError(f"The model has no signature {name!r}; it has {sorted(saved_model.signatures)}.")
    return saved_model.signatures[name]


def _check_input_names(inputs, specs, signature_name):
    if set(inputs) != set(specs):
        raise ValueError(
            f"Signature {signature_name!r} takes inputs {sorted(specs)}, the request has {sorted(inputs)}."
        )


def _to_json(name, value):
    # TF Serving's rule: string outputs whose name ends in "_bytes" are sent as {"b64": ...}.
    if value.dtype == object:
        items = [base64.b64encode(v).decode("ascii") if name.endswith("_bytes") else v.decode() for v in value.flat]
        if name.endswith("_bytes"):
            items = [{"b64": s} for s in items]
        return np.array(items, dtype=object).reshape(value.shape).tolist()
    return value.tolist()
