"""The dataset registry: what a config's `dataset` names, how to load it, and how to evaluate a model of it.

`DATASETS` holds the embedded toy distributions; any other name is an image dataset that
`keras_gan.data.images.load_arrays` resolves (a TFDS name, a custom IDX dataset with `local_dir`, a folder of
images, a `.npy`/`.npz` file). The training library, the configs' validation, the command line and the evaluator
all ask `get_dataset`, so a new toy dataset is one `register_dataset` call here.
"""

import dataclasses
from typing import Callable, Optional

import numpy as np

from keras_gan.data import images, toy

__all__ = ["DATASETS", "DatasetSpec", "get_dataset", "register_dataset"]

# Splits every dataset serves: train, the paper's validation (choosing the Parzen sigma) and test.
_SPLIT_SEED_OFFSETS = {"train": 0, "validation": 1, "test": 2}


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """How to load one dataset and what evaluates a model of it.

    Attributes:
        name: Str, the name configs and the command line use.
        kind: "images" or "points" (matches an architecture's data kind).
        evaluation: "images" (Parzen and classifier/feature metrics), "mixture" (modes covered and k-NN metrics on
            the points) or "moments" (mean and standard deviation).
        sampler: Points only: `sampler(num_examples, seed) -> float32 [n, d]`.
        modes: "mixture" only: float32 [num_modes, d], the components' means.
        stddev: Points only: the components' (or the Gaussian's) standard deviation.
        mean: "moments" only: the Gaussian's mean.
    """

    name: str
    kind: str
    evaluation: str
    sampler: Optional[Callable] = None
    modes: Optional[np.ndarray] = None
    stddev: Optional[float] = None
    mean: Optional[float] = None

    def load(self, split="train", *, seed=0, num_examples=20_000, data_dir=None, local_dir=None):
        """Loads one split.

        Args:
            split: "train", "validation" or "test" (images also take any split string their source knows).
            seed: Int; toy splits are drawn with seeds seed, seed + 1, seed + 2 (train, validation, test).
            num_examples: Positive int, toy examples to draw.
            data_dir: Optional TFDS data folder (images).
            local_dir: Optional folder of IDX files (images).

        Returns:
            (examples, labels): float32 [N, ...] (pixels in [0, 1]) and int64 [N] labels, or None without labels.

        Raises:
            ValueError: for an unknown split or any data problem (the message names the fix).
        """
        if self.kind == "images":
            return images.load_arrays(self.name, split, data_dir=data_dir, local_dir=local_dir)
        if split not in _SPLIT_SEED_OFFSETS:
            raise ValueError(f"The toy dataset {self.name!r} has splits {sorted(_SPLIT_SEED_OFFSETS)}, got {split!r}.")
        return self.sampler(num_examples, int(seed) + _SPLIT_SEED_OFFSETS[split]), None


DATASETS = {}


def register_dataset(spec):
    """Adds a `DatasetSpec` to `DATASETS`.

    Args:
        spec: A `DatasetSpec` with a new name.

    Returns:
        The spec.

    Raises:
        ValueError: if the name is taken or the spec is inconsistent.

    Example:
        >>> register_dataset(DatasetSpec("toy_line", "points", "moments",
        ...                  sampler=lambda n, seed: toy.sample_gaussian_1d(n, 1.0, 0.1, seed),
        ...                  stddev=0.1, mean=1.0))  # doctest: +SKIP
    """
    if spec.name in DATASETS:
        raise ValueError(f"A dataset named {spec.name!r} is already registered.")
    if spec.kind not in ("images", "points") or spec.evaluation not in ("images", "mixture", "moments"):
        raise ValueError(f"Dataset {spec.name!r}: kind must be images/points and evaluation images/mixture/moments.")
    if spec.kind == "points" and spec.sampler is None:
        raise ValueError(f"The points dataset {spec.name!r} needs a sampler(num_examples, seed).")
    DATASETS[spec.name] = spec
    return spec


def get_dataset(name):
    """The spec of `name`: a registered dataset, else an image dataset read by `images.load_arrays`.

    Args:
        name: Str, a registered name, a TFDS name, a custom IDX dataset name, or a path to a folder of images or a
            `.npy`/`.npz` file.

    Returns:
        A `DatasetSpec`.

    Raises:
        ValueError: if `name` is not a non-empty string.

    Example:
        >>> get_dataset("toy_ring").evaluation
        'mixture'
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"A dataset name must be a non-empty string, got {name!r}.")
    return DATASETS.get(name) or DatasetSpec(name, "images", "images")


# The paper's Figure 1: N(0, 0.5²). Centred on purpose: the toy MLPs' units start with zero biases, so their kinks
# sit at x = 0; with data around 4 every discriminator unit is linear over the data, D can only compare means, and
# training stalls at D = 1/2 with p_g still twice as wide as the data (measured).
register_dataset(DatasetSpec(
    "toy_1d", "points", "moments", sampler=lambda n, seed: toy.sample_gaussian_1d(n, 0.0, 0.5, seed),
    stddev=0.5, mean=0.0,
))
register_dataset(DatasetSpec(
    "toy_ring", "points", "mixture", modes=toy.ring_modes(), stddev=toy.RING_STDDEV,
    sampler=lambda n, seed: toy.sample_mixture(n, toy.ring_modes(), toy.RING_STDDEV, seed),
))
register_dataset(DatasetSpec(
    "toy_grid", "points", "mixture", modes=toy.grid_modes(), stddev=toy.GRID_STDDEV,
    sampler=lambda n, seed: toy.sample_mixture(n, toy.grid_modes(), toy.GRID_STDDEV, seed),
))
