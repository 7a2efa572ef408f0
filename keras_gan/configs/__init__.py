"""Named training configs as code: `keras_gan/configs/<name>.py` defines `get_config() -> Config`.

    cgan_fashion_mnist    class-conditional: the classic DCGAN recipe with labels to G and a projection D
    paper_mnist           the paper's MNIST setup (maxout D, SGD with its lr decay and momentum ramp)
    paper_fashion_mnist   the same on Fashion-MNIST (offline here from Debian's files)
    dcgan_fashion_mnist   the classic DCGAN recipe (batch norm in G, non-saturating loss, Adam), ~45 s an epoch
    dcgan_modern_fashion_mnist   the same nets with spectral norm in D, hinge loss, generator EMA and TTUR
    keras_io_dcgan_fashion_mnist the keras.io DCGAN example's recipe: the quality benchmark's baseline
    toy_1d                the paper's Figure 1: 1-D Gaussian data, 1-D uniform z
    toy_ring              8 Gaussians on a ring (mode collapse test bed)

Example:
    >>> import dataclasses
    >>> from keras_gan import configs
    >>> config = dataclasses.replace(configs.get_config("toy_ring"), epochs=2)
"""

import importlib
import pkgutil

from keras_gan.configs.base import RESUMABLE_FIELDS, Config, validate

# Every module of this package but `base` is a named config: a new config is one new file.
CONFIG_NAMES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "base"))

__all__ = ["CONFIG_NAMES", "RESUMABLE_FIELDS", "Config", "get_config", "validate"]


def get_config(name):
    """Returns the named config.

    Args:
        name: One of `CONFIG_NAMES`.

    Returns:
        A `Config` (frozen; derive variants with `dataclasses.replace`).

    Raises:
        ValueError: for an unknown name, listing the known ones.

    Example:
        >>> get_config("paper_mnist").batch_size
        100
    """
    if name not in CONFIG_NAMES:
        raise ValueError(f"Unknown config {name!r}. Choose one of: {', '.join(CONFIG_NAMES)}.")
    return importlib.import_module(f"keras_gan.configs.{name}").get_config()
