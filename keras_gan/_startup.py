"""Keeps TensorFlow's C++ start-up lines out of the command line's output (KERAS_GAN_TF_LOGS=1 shows them).

The CUDA stubs in TensorFlow's wheels log "Could not find cuda drivers", "failed call to cuInit" and the CPU
feature notice from C++ before absl's logging is set up, ignoring TF_CPP_MIN_LOG_LEVEL; on a CPU machine they are
noise around every command's one line of output. When this package is imported by `keras-gan` or
`python -m keras_gan` (and only then: a library user's process is left alone), TensorFlow is imported and the
devices probed with file descriptor 2 pointed at /dev/null. Python errors still surface: they are raised after
stderr is restored.
"""

import os
import sys


def _started_as_command():
    # `keras-gan`: the console script is argv[0]. `python -m keras_gan`: argv[0] is "-m" while runpy imports us.
    return os.path.basename(sys.argv[0] if sys.argv else "") == "keras-gan" or (sys.argv[:1] == ["-m"])


if _started_as_command() and os.environ.get("KERAS_GAN_TF_LOGS") != "1":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    _saved, _devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(_devnull, 2)
    try:
        import keras  # noqa: F401
        import tensorflow as tf

        tf.config.list_physical_devices()
    finally:
        os.dup2(_saved, 2)
        os.close(_saved)
        os.close(_devnull)
