"""The paper's MNIST setup applied unchanged to Fashion-MNIST (offline here from Debian's IDX files)."""

import dataclasses

from keras_gan.configs import paper_mnist


def get_config():
    """Returns `paper_mnist` with `dataset="fashion_mnist"`.

    Returns:
        A `Config`; see `paper_mnist.get_config` for every value.
    """
    return dataclasses.replace(paper_mnist.get_config(), name="paper_fashion_mnist", dataset="fashion_mnist")
