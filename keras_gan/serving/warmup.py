"""TF Serving warm-up requests: the first requests after a model loads run before it is marked ready.

TF Serving reads `assets.extra/tf_serving_warmup_requests` from a version folder (a TFRecord file of
`PredictionLog`s, at most 1000) and replays them while loading, so no client pays for the first trace.
"""

import os

import numpy as np
import tensorflow as tf

from keras_gan.serving import client
from keras_gan.serving import signatures as sig

__all__ = ["MAX_RECORDS", "WARMUP_FILE", "warmup_requests", "write_warmup"]

# Where TF Serving looks for warm-up requests inside a version folder.
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
# TF Serving reads at most this many warm-up records.
MAX_RECORDS = 1000


def warmup_requests(model_name, latent_dim, batch_sizes, signature_names, num_classes=None):
    """Returns PredictRequests calling each exported signature at each batch size.

    Args:
        model_name: Str, TF Serving's MODEL_NAME.
        latent_dim: Positive int, the width of z.
        batch_sizes: Sequence of positive ints.
        signature_names: The exported signatures (e.g. `serving_default`, `sample`, `sample_png`).
        num_classes: None, or the class count C of a conditional export: the requests then carry the `label` its
            signatures require (`serving_default` the classes 0, 1, ..., `sample` -1, the mix of all of them).

    Returns:
        List of `PredictRequest`s, batch size by batch size, signatures in the given order.

    Example:
        >>> len(warmup_requests("gan", 2, (1, 4), ["serving_default", "sample"]))
        4
    """
    requests = []
    for n in batch_sizes:
        for name in signature_names:
            if name == sig.SERVING_DEFAULT:
                z = np.zeros((n, latent_dim), np.float32)
                label = None if num_classes is None else np.arange(n) % num_classes
                requests.append(client.grpc_generate_request(z, model_name, label=label, num_classes=num_classes))
            else:
                requests.append(
                    client.grpc_sample_request(n, 0, model_name, signature_name=name, num_classes=num_classes)
                )
    return requests


def write_warmup(path, requests):
    """Writes PredictRequests as TF Serving's warm-up file.

    Args:
        path: Str, usually `<version folder>/assets.extra/tf_serving_warmup_requests` (its folder is created).
        requests: Sequence of `PredictRequest`s, at most `MAX_RECORDS`.

    Raises:
        ValueError: if there are more requests than TF Serving reads.

    Example:
        >>> write_warmup(os.path.join(tmp, WARMUP_FILE), warmup_requests("gan", 2, (1,), ["sample"]))
    """
    if len(requests) > MAX_RECORDS:
        raise ValueError(f"TF Serving reads at most {MAX_RECORDS} warm-up records, got {len(requests)}; write fewer.")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for request in requests:
            writer.write(client.warmup_record(request).SerializeToString())
