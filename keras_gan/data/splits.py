"""The one rule that turns "train" / "validation" / "test" into examples of any image source.

The paper (the released code's mnist.yaml) trains on MNIST's first 50,000 training images, chooses the Parzen sigma
on the last 10,000 and reports on the test set. Generalised to every source, TFDS or the user's own:

* a source with a test split: train = the first 5/6 of its train split, validation = the last 1/6, test = test;
* a source without one: train = the first 4/6, validation = the next 1/6, test = the last 1/6.

Sixths are `num_train // 6` examples, counted from the end, in the source's own order (no shuffling), so the rule
is deterministic and, for MNIST-like sets (60,000 train), exactly the paper's `train[0:50000]` /
`train[50000:60000]` / `test`.
"""

__all__ = ["SPLITS", "PAPER_SPLITS", "split_range", "resolve_split", "take"]

# The split names every dataset serves: training, the paper's validation (choosing the Parzen sigma) and test.
SPLITS = ("train", "validation", "test")


def split_range(split, num_train, has_test):
    """Where one of `SPLITS` lies in a source: `(source_split, start, stop)`.

    Args:
        split: `"train"`, `"validation"` or `"test"`.
        num_train: Int >= 0, examples in the source's train split.
        has_test: Bool, whether the source has a test split of its own.

    Returns:
        `(source_split, start, stop)`: the examples `[start, stop)` of the source's `source_split` ("train" or
        "test"); `stop` is None for the whole test split.

    Raises:
        ValueError: if `split` is not one of `SPLITS`.

    Example:
        >>> split_range("validation", 60000, has_test=True)
        ('train', 50000, 60000)
        >>> split_range("test", 600, has_test=False)
        ('train', 500, 600)
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}.")
    n, sixth = int(num_train), int(num_train) // 6
    if has_test:
        return {"train": ("train", 0, n - sixth), "validation": ("train", n - sixth, n),
                "test": ("test", 0, None)}[split]
    return {"train": ("train", 0, n - 2 * sixth), "validation": ("train", n - 2 * sixth, n - sixth),
            "test": ("train", n - sixth, n)}[split]


def resolve_split(split, num_train=60_000, has_test=True):
    """Maps `"train"` / `"validation"` / `"test"` to a TFDS split string by the rule above; passes others through.

    Args:
        split: One of `SPLITS`, or any TFDS split string such as `"train[:10%]"`, `"train+test"`, `"train[:100%]"`
            (the whole TFDS train split), passed through unchanged.
        num_train: Int, examples in the dataset's train split (default: MNIST's 60,000, the paper's rule).
        has_test: Bool, whether the dataset has a test split.

    Returns:
        A TFDS split string.

    Raises:
        ValueError: if `split` is not a non-empty string.

    Example:
        >>> resolve_split("validation")
        'train[50000:60000]'
        >>> resolve_split("train[:10%]")
        'train[:10%]'
    """
    if not isinstance(split, str) or not split:
        raise ValueError(
            f"split must be a non-empty string ({', '.join(SPLITS)} or a TFDS split string), got {split!r}.")
    if split not in SPLITS:
        return split
    source, start, stop = split_range(split, num_train, has_test)
    return source if stop is None else f"{source}[{start}:{stop}]"


# The paper's MNIST protocol: the rule above for 60,000 training images and a test split.
PAPER_SPLITS = {split: resolve_split(split) for split in SPLITS}


def take(sources, split, name):
    """One of `SPLITS` from in-memory arrays by the rule above.

    Args:
        sources: `{"train": (images, labels or None)}`, with `"test"` too when the source has a test split.
        split: `"train"`, `"validation"` or `"test"`.
        name: Str, the source (for messages).

    Returns:
        `(images, labels or None)`, views of the arrays.

    Raises:
        ValueError: if `split` is not one of `SPLITS` (TFDS split strings work only for TFDS datasets).

    Example:
        >>> take({"train": (list(range(12)), None)}, "test", "x.npy")[0]
        [10, 11]
    """
    if split not in SPLITS:
        raise ValueError(
            f"{name} has splits {list(SPLITS)} (see keras_gan.data.splits), got {split!r}. TFDS split strings such "
            "as 'train[:10%]' work only for TFDS datasets; prepare IDX files as a custom TFDS dataset to use them."
        )
    source, start, stop = split_range(split, len(sources["train"][0]), "test" in sources)
    images, labels = sources[source]
    part = slice(start, stop)
    return images[part], None if labels is None else labels[part]
