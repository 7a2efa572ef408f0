"""Per-phase progress lines for long work (dataset preparation, evaluation, export), as TFDS and Keras users expect.

`phase("Training the classifier")` prints `Training the classifier ...` when the work starts and
`Training the classifier: done in 41.2 s` when it ends, through absl logging's INFO level so that
`--verbosity`/`--logtostderr` and library users' logging setups control it. Nothing else in the package prints
progress of its own.
"""

import contextlib
import time

from absl import logging

__all__ = ["phase"]


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
        logging.info("%s ...", description)
    start = time.perf_counter()
    yield
    if enabled:
        logging.info("%s: done in %.1f s", description, time.perf_counter() - start)
