"""TF Serving for exported generators: the served functions, their warm-up requests, and the clients.

    outputs      what an export serves: images or vectors, and their shape
    signatures   the exported tf.functions and the one table of their names and outputs
    inputs       the in-graph checks of z, num_samples and label (INVALID_ARGUMENT with the fix)
    warmup       TF Serving's warm-up file
    client       REST bodies, gRPC requests, and parsing of the answers
    arguments    the client's checks of a request's arguments, before it is sent
"""

from keras_gan.serving import arguments, client, inputs, outputs, signatures, warmup

__all__ = ["arguments", "client", "inputs", "outputs", "signatures", "warmup"]
