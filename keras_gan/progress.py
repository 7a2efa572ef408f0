"""Per-phase progress lines for long work (dataset preparation, evaluation, export), as TFDS and Keras users expect.

`phase("Training the classifier")` logs `Training the classifier ...` when the work starts and
`Training the classifier: done in 41.2 s` when it ends, at INFO level on the package's own Python logger
`keras_gan` (`logger`, which every module logs through). The command line shows that logger's INFO lines and keeps
other libraries' INFO chatter (TFDS, TensorFlow) out unless `--verbosity` is given; a library user's logging setup
decides as usual.
"""

import contextlib
import logging
import time

__all__ = ["logger", "phase"]

logger = logging.getLogger("keras_gan")


@contextlib.contextmanager
def phase(description, enabled=True):
    """Logs the start and the duration of a phase of work.

    Args:
        description: Str, what is being done ("Preparing fashion_mnist from /usr/share/...").
        enabled: Bool; False logs nothing (for callers with a `verbose` argument).

    Yields:
        None.

    Example:
        >>> with phase("Sampling 10000 images"):
        ...     pass
    """
    if enabled:
        logger.info("%s ...", description)
    start = time.perf_counter()
    yield
    if enabled:
        logger.info("%s: done in %.1f s", description, time.perf_counter() - start)
