"""Builds and sends TF Serving requests for a generator exported with `keras_gan.export.export_generator`.

REST goes to port 8501, gRPC to port 8500. Image exports answer with images, vector exports (toy points, table
rows) with float samples; say which with `outputs=` when parsing a REST answer (gRPC answers carry their types).

    body = rest_sample_body(num_samples=4, seed=7)
    images = rest_predict(body, model_name="gan")                       # uint8 [4, 28, 28, 1]
    points = rest_predict(body, model_name="ring", outputs="vectors")   # float32 [4, 2]

    request = grpc_sample_request(4, seed=7, model_name="gan")
    images = grpc_predict(request)["images"]

A class-conditional export (`export_generator` of a `ConditionalGAN`) takes a `label` in every request; give it
with `label=` (a list, one class per row of z, for `serving_default`; one class, or -1 for a mix, for `sample`):

    body = rest_sample_body(4, seed=7, label=3)                  # four samples of class 3
    body = rest_sample_body(4, seed=7, num_classes=10)           # no label: -1, a class-balanced mix
    body = rest_generate_body(z, label=[0, 1, 2, 3], num_classes=10)

The model's signatures require `label` (TF signatures have no optional inputs): "no label means a mix" is this
client's default for `sample` / `sample_png`, sent as -1 when `num_classes` says the export is conditional.
Without `label` and `num_classes` the builders make the requests of an unconditional export.
`num_classes` (the export's, in its `keras_gan_export.json`) also lets the builders check the label's range.

Every builder checks its arguments before anything is sent; the served model checks them again (other clients).
"""

import base64
import json
import urllib.error
import urllib.request

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_log_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc

from keras_gan.serving import arguments as args
from keras_gan.serving import signatures as sig

__all__ = [
    "grpc_generate_request",
    "grpc_predict",
    "grpc_sample_request",
    "parse_grpc_response",
    "parse_rest_response",
    "rest_generate_body",
    "rest_predict",
    "rest_sample_body",
    "rest_url",
    "warmup_record",
]


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


def rest_generate_body(z, *, label=None, num_classes=None):
    """Returns the REST JSON body that maps noise z to samples (`serving_default`).

    Args:
        z: Array-like [batch, latent_dim] of finite numbers.
        label: For a conditional export, a list of `batch` ints: the class of each row of z. None for an
            unconditional export.
        num_classes: Optional int C of a conditional export: labels are checked to be in [0, C), and a missing
            label is refused.

    Returns:
        A dict, ready for `json.dumps`: {"signature_name": "serving_default", "inputs": {"z": [[...], ...]}}, with
        "label": [...] among the inputs for a conditional export.

    Raises:
        ValueError: if z is not 2-D, not numeric, or holds NaN or infinite values; or the labels are not one int
            per row of z in [0, C).

    Example:
        >>> rest_generate_body(np.zeros((1, 2)))
        {'signature_name': 'serving_default', 'inputs': {'z': [[0.0, 0.0]]}}
        >>> rest_generate_body(np.zeros((1, 2)), label=[3])["inputs"]["label"]
        [3]
    """
    z = args.check_z(z)
    inputs = {"z": z.tolist()}
    labels = args.check_labels(label, len(z), num_classes)
    if labels is not None:
        inputs["label"] = labels.tolist()
    return {"signature_name": sig.SERVING_DEFAULT, "inputs": inputs}


def rest_sample_body(num_samples, seed=0, signature_name=sig.SAMPLE, *, label=None, num_classes=None):
    """Returns the REST JSON body that samples on the server (`sample` or `sample_png`).

    Args:
        num_samples: Int in [0, 2**31 - 1], number of samples (the export accepts at most its max_samples).
        seed: Int64; the same seed and count give the same samples, those of `gan.generate(num_samples, seed)`.
        signature_name: "sample" (arrays: uint8 images or float vectors) or "sample_png" (PNG files, base64 in
            JSON; image exports only).
        label: For a conditional export, an int: a class c in [0, C) for `num_samples` samples of class c (those
            of `gan.generate(num_samples, labels=c, seed=seed)`), or -1 for a class-balanced mix. None sends -1
            when `num_classes` is given, and no label otherwise (an unconditional export).
        num_classes: Optional int C of a conditional export (see `label`).

    Returns:
        A dict: {"signature_name": "sample", "inputs": {"num_samples": n, "seed": seed}}, with "label": c among the
        inputs for a conditional export.

    Raises:
        ValueError: for an unknown signature, a count or label out of range, or a value that is not an int.

    Example:
        >>> rest_sample_body(4, seed=7)
        {'signature_name': 'sample', 'inputs': {'num_samples': 4, 'seed': 7}}
        >>> rest_sample_body(4, seed=7, num_classes=10)["inputs"]["label"]
        -1
    """
    num_samples, seed = args.check_counts(num_samples, seed)
    inputs = {"num_samples": num_samples, "seed": seed}
    label = args.check_label(label, num_classes)
    if label is not None:
        inputs["label"] = label
    return {"signature_name": args.check_sampling(signature_name), "inputs": inputs}


def parse_rest_response(response, signature_name=sig.SERVING_DEFAULT, outputs="images"):
    """Turns a TF Serving REST predict response into numpy arrays or PNG bytes.

    Args:
        response: The decoded JSON response (a dict) or its text.
        signature_name: The signature the request named.
        outputs: "images" or "vectors", the kind of export (`export_generator(outputs=...)`), which fixes the
            types of the answer.

    Returns:
        For images: float32 [batch, H, W, C] in [0, 1] (serving_default), uint8 images (sample), or a list of PNG
        file contents as bytes (sample_png). For vectors: float32 [batch, *sample_shape].

    Raises:
        ValueError: if the server answered with an error, or the response is not what that signature answers.

    Example:
        >>> parse_rest_response({"outputs": [[[[0.5]]]]}).shape
        (1, 1, 1, 1)
    """
    name, dtype = _output_of(signature_name, outputs)
    if isinstance(response, (str, bytes)):
        try:
            response = json.loads(response)
        except ValueError:
            raise ValueError(
                f"The response is not JSON: {response[:200]!r}. Check that the URL is TF Serving's REST port "
                "(8501 by default) and its :predict path (rest_url)."
            ) from None
    if not isinstance(response, dict):
        raise ValueError(
            f"A TF Serving response is a JSON object with 'outputs' or 'predictions', got {str(response)[:200]}. "
            "Pass the whole decoded answer."
        )
    if "error" in response:
        raise ValueError(f"TF Serving returned an error: {response['error']}")
    values = response.get("outputs", response.get("predictions"))
    if values is None:
        raise ValueError(
            f"The response has neither 'outputs' nor 'predictions': {str(response)[:200]}. Pass the whole decoded "
            "answer of a :predict request."
        )
    # With several outputs the columnar response is keyed by name; with one it is the bare value.
    if isinstance(values, dict):
        if name not in values:
            raise ValueError(
                f"The response has outputs {sorted(values)}, not {name!r} (what {signature_name!r} of an "
                f"outputs={outputs!r} export answers); pass the outputs= kind the model was exported with."
            )
        values = values[name]
    try:
        if dtype == "object":
            return [base64.b64decode(item["b64"], validate=True) for item in values]
        return np.asarray(values, dtype=dtype)
    except (TypeError, ValueError, KeyError) as e:
        expected = 'a list of {"b64": ...} PNG files' if dtype == "object" else "a regular array of numbers"
        raise ValueError(
            f"The {signature_name!r} output of an outputs={outputs!r} export must be {expected}; got "
            f"{str(values)[:200]} ({type(e).__name__}: {e}). Pass the outputs= kind the model was exported with, and "
            "the signature name the request named."
        ) from None


def rest_predict(body, model_name="gan", host="localhost", port=8501, version=None, timeout=30.0, outputs="images"):
    """POSTs a REST body to TF Serving and returns the parsed result (see `parse_rest_response`).

    Args:
        body: A dict from `rest_generate_body` or `rest_sample_body`.
        model_name: Str, TF Serving's MODEL_NAME.
        host: Str, the server's host name.
        port: Int, the REST port.
        version: Optional int version; None for the latest.
        timeout: Float seconds.
        outputs: "images" or "vectors", the kind of export.

    Returns:
        As `parse_rest_response` for the body's signature.

    Raises:
        ValueError: with the server's message, if it rejected the request.

    Example:
        >>> images = rest_predict(rest_sample_body(4, seed=7))
    """
    signature_name = body.get("signature_name", sig.SERVING_DEFAULT)
    _output_of(signature_name, outputs)  # Refuse a body that cannot be parsed before sending it.
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        rest_url(model_name, host, port, version), data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            response = reply.read()
    except urllib.error.HTTPError as e:
        # TF Serving puts its error message into the body of a 4xx/5xx answer.
        try:
            response = json.loads(e.read())
        except ValueError:
            raise ValueError(f"TF Serving answered HTTP {e.code}: {e.reason}") from e
    return parse_rest_response(response, signature_name, outputs)


def grpc_generate_request(z, model_name="gan", version=None, *, label=None, num_classes=None):
    """Returns a gRPC PredictRequest mapping noise z to samples (`serving_default`).

    Args:
        z: Array-like [batch, latent_dim] of finite numbers.
        model_name: Str, TF Serving's MODEL_NAME.
        version: Optional int version; None for the latest.
        label: For a conditional export, a list or 1-D int array of `batch` classes, one per row of z (sent as
            int32). None for an unconditional export.
        num_classes: Optional int C of a conditional export: labels are checked to be in [0, C), and a missing
            label is refused.

    Returns:
        A `tensorflow_serving.apis.predict_pb2.PredictRequest`.

    Raises:
        ValueError: if z is not 2-D, not numeric, or holds NaN or infinite values; or the labels are not one int
            per row of z in [0, C).

    Example:
        >>> grpc_generate_request(np.zeros((1, 100))).model_spec.signature_name
        'serving_default'
        >>> grpc_generate_request(np.zeros((2, 100)), label=[3, 4]).inputs["label"].int_val
        [3, 4]
    """
    z = args.check_z(z)
    labels = args.check_labels(label, len(z), num_classes)
    request = _new_request(model_name, sig.SERVING_DEFAULT, version)
    request.inputs["z"].CopyFrom(tf.make_tensor_proto(z, dtype=tf.float32))
    if labels is not None:
        request.inputs["label"].CopyFrom(tf.make_tensor_proto(labels, dtype=tf.int32))
    return request


def grpc_sample_request(
    num_samples, seed=0, model_name="gan", signature_name=sig.SAMPLE, version=None, *, label=None, num_classes=None
):
    """Returns a gRPC PredictRequest that samples on the server (`sample` or `sample_png`).

    Args:
        num_samples: Int in [0, 2**31 - 1], number of samples.
        seed: Int64; the same seed and count give the same samples.
        model_name: Str, TF Serving's MODEL_NAME.
        signature_name: "sample" (arrays) or "sample_png" (PNG files; image exports only).
        version: Optional int version; None for the latest.
        label: For a conditional export, an int: a class in [0, C), or -1 for a class-balanced mix. None sends -1
            when `num_classes` is given, and no label otherwise (an unconditional export).
        num_classes: Optional int C of a conditional export (see `label`).

    Returns:
        A `tensorflow_serving.apis.predict_pb2.PredictRequest`.

    Raises:
        ValueError: for an unknown signature, a count or label out of range, or a value that is not an int.

    Example:
        >>> grpc_sample_request(4, seed=7).inputs["num_samples"].int_val
        [4]
        >>> grpc_sample_request(4, seed=7, num_classes=10).inputs["label"].int_val
        [-1]
    """
    num_samples, seed = args.check_counts(num_samples, seed)
    label = args.check_label(label, num_classes)
    request = _new_request(model_name, args.check_sampling(signature_name), version)
    request.inputs["num_samples"].CopyFrom(tf.make_tensor_proto(num_samples, dtype=tf.int32))
    request.inputs["seed"].CopyFrom(tf.make_tensor_proto(seed, dtype=tf.int64))
    if label is not None:
        request.inputs["label"].CopyFrom(tf.make_tensor_proto(label, dtype=tf.int32))
    return request


def parse_grpc_response(response):
    """Turns a gRPC PredictResponse into a dict of numpy arrays.

    Args:
        response: A `PredictResponse`.

    Returns:
        Dict from output name ("images", "samples" or "png_bytes") to np.ndarray (PNG files as an object array of
        bytes).

    Example:
        >>> images = parse_grpc_response(response)["images"]
    """
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
    return prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))


def _output_of(signature_name, outputs):
    if outputs not in sig.OUTPUTS:
        raise ValueError(f"outputs must be one of {sorted(sig.OUTPUTS)} (the kind of export), got {outputs!r}.")
    if signature_name not in sig.OUTPUTS[outputs]:
        raise ValueError(
            f"An outputs={outputs!r} export has no signature {signature_name!r}; it serves "
            f"{sorted(sig.OUTPUTS[outputs])}. Use one of those, or pass the outputs= kind the model was exported with."
        )
    return sig.OUTPUTS[outputs][signature_name]


def _new_request(model_name, signature_name, version):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    if version is not None:
        request.model_spec.version.value = int(version)
    return request
