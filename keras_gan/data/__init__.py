"""Data for GANs: the dataset registry, embedded toy distributions, TFDS image pipelines and users' own files."""

from keras_gan.data import toy
from keras_gan.data.images import (
    IMAGE_RANGES,
    PAPER_SPLITS,
    check_image_shape,
    image_dataset,
    image_shape,
    load_arrays,
    resolve_split,
)
from keras_gan.data.local_builder import LOCAL_DATASETS, prepare
from keras_gan.data.registry import DATASETS, DatasetSpec, get_dataset, register_dataset

__all__ = [
    "DATASETS",
    "DatasetSpec",
    "get_dataset",
    "register_dataset",
    "toy",
    "image_dataset",
    "load_arrays",
    "prepare",
    "image_shape",
    "check_image_shape",
    "resolve_split",
    "PAPER_SPLITS",
    "IMAGE_RANGES",
    "LOCAL_DATASETS",
]
