"""TF Serving for exported generators: the served functions, their warm-up requests, and the clients.

    outputs      what an export serves: images or vectors, and their shape
    signatures   the exported tf.functions and the one table of their names and outputs
    warmup       TF Serving's warm-up file
    client       REST bodies, gRPC requests, and parsing of the answers
"""

from keras_gan.serving import client, outputs, signatures, warmup

__all__ = ["client", "outputs", "signatures", "warmup"]
