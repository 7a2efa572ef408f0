"""Reads and verifies MNIST-style IDX files (LeCun et al.'s format), gzipped or not.

An IDX file is a 4-byte magic number (two zero bytes, a dtype code, the number of
dimensions), one big-endian int32 per dimension, then the values in row-major order.
MNIST and Fashion-MNIST ship four of them: train/t10k images (IDX3, uint8, N x 28 x 28)
and labels (IDX1, uint8, N). A user's own dataset in the same format (`read_custom`) may have
images of any size and no labels.

Everything here only reads: it checks a whole file (magic, dimensions, length, label
range, checksum) before anything is written anywhere, so a bad file never leaves a
half-built dataset behind.
"""

import gzip
import hashlib
import os
import struct
import zlib

import numpy as np

__all__ = [
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "KNOWN_SHA256",
    "find_idx_file",
    "find_idx_files",
    "read_custom",
    "read_idx",
    "read_split",
]

# Magic numbers: 0x00 0x00, dtype 0x08 (unsigned byte), then the number of dimensions.
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

# SHA-256 of the *decompressed* IDX files. Gzip bytes differ between mirrors and
# re-packagings (Debian's dataset-fashion-mnist re-compresses them), the content does not.
# Fashion-MNIST: measured on Debian's files, and the same values are published alongside
# the upstream archives. MNIST: the widely published values for the original files.
KNOWN_SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

# TFDS split name -> IDX file prefix; file kind -> its number of dimensions.
_SPLIT_PREFIX = {"train": "train", "test": "t10k"}
_KIND_DIMS = {"images": 3, "labels": 1}


# How to use files that are not a published dataset's: the way out named by every refusal of them.
_CUSTOM_HINT = ("To use these files anyway, give them a name of your own: a custom dataset, e.g. "
                "load_arrays('my_digits', local_dir=<folder>) or `--dataset=my_digits --local_dir=<folder>`.")


def _candidates(stem):
    # "train-images-idx3-ubyte" as distributed; "train-images.idx3-ubyte" as some unzip tools
    # and the original site's archives name them. Gzipped or not.
    dotted = stem.replace("-idx", ".idx")
    return [stem, stem + ".gz", dotted, dotted + ".gz"]


def find_idx_file(local_dir, split, kind):
    """The path of one IDX file of a split in a folder, or None if it is not there.

    Args:
        local_dir: Path of a folder holding MNIST-style IDX files.
        split: `"train"` or `"test"` (files `train-*` and `t10k-*`).
        kind: `"images"` (IDX3) or `"labels"` (IDX1).

    Returns:
        The path, or None.

    Raises:
        ValueError: the folder does not exist, or `split` / `kind` is unknown.

    Example:
        >>> find_idx_file("/usr/share/datasets/fashion-mnist", "test", "labels")  # doctest: +SKIP
        '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'
    """
    if split not in _SPLIT_PREFIX or kind not in _KIND_DIMS:
        raise ValueError(f"split must be one of {sorted(_SPLIT_PREFIX)} and kind one of {sorted(_KIND_DIMS)}.")
    if not os.path.isdir(local_dir):
        raise ValueError(f"local_dir {local_dir!r} is not a folder. Pass the folder that holds the IDX files.")
    for name in _candidates(f"{_SPLIT_PREFIX[split]}-{kind}-idx{_KIND_DIMS[kind]}-ubyte"):
        if os.path.isfile(os.path.join(local_dir, name)):
            return os.path.join(local_dir, name)
    return None


def find_idx_files(local_dir, split):
    """Finds the image and label IDX files of one split in a folder; both must be there.

    Args:
        local_dir: Path of a folder holding MNIST-style IDX files.
        split: `"train"` or `"test"` (files `train-*` and `t10k-*`).

    Returns:
        `(images_path, labels_path)`.

    Raises:
        ValueError: the folder does not exist, or a file is missing.

    Example:
        >>> find_idx_files("/usr/share/datasets/fashion-mnist", "test")  # doctest: +SKIP
        ('.../t10k-images-idx3-ubyte.gz', '.../t10k-labels-idx1-ubyte.gz')
    """
    paths = []
    for kind in ("images", "labels"):
        path = find_idx_file(local_dir, split, kind)
        if path is None:
            names = _candidates(f"{_SPLIT_PREFIX[split]}-{kind}-idx{_KIND_DIMS[kind]}-ubyte")
            raise ValueError(
                f"No {split} {kind} file in {local_dir!r}: expected one of {names}. Put the "
                "four MNIST-style IDX files (train-images, train-labels, t10k-images, "
                "t10k-labels; .gz or uncompressed) in that folder."
            )
        paths.append(path)
    return tuple(paths)


def _read_bytes(path):
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            return f.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise ValueError(
            f"{path!r} is not a valid gzip file (truncated or corrupt: {e}). Replace it with a "
            "complete copy, or decompress a good copy next to it."
        ) from None


def _stem(path):
    name = os.path.basename(path)
    if name.endswith(".gz"):
        name = name[:-3]
    return name.replace(".idx", "-idx")


def read_idx(path, magic, *, item_shape=None, sha256=None):
    """Reads one uint8 IDX file, checking it completely.

    Args:
        path: Path of an IDX file; a `.gz` suffix means gzip-compressed.
        magic: Expected magic number: `IMAGES_MAGIC` (IDX3) or `LABELS_MAGIC` (IDX1).
        item_shape: Optional tuple, the expected shape of one item (e.g. `(28, 28)`).
        sha256: Optional hex digest the decompressed bytes must have (a published dataset's).

    Returns:
        `(array, digest)`: a uint8 `np.ndarray` of shape `[N, *item_shape]` and the hex SHA-256 of the decompressed
        file.

    Raises:
        ValueError: corrupt gzip, wrong magic number, unexpected item shape, truncated or
            over-long data, or checksum mismatch; the message names the file and the fix.

    Example:
        >>> labels, digest = read_idx("t10k-labels-idx1-ubyte.gz", LABELS_MAGIC)  # doctest: +SKIP
    """
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"{path!r} is truncated: {len(data)} bytes, shorter than an IDX header. "
                         "Replace it with a complete copy.")
    (found_magic,) = struct.unpack(">I", data[:4])
    if found_magic != magic:
        raise ValueError(
            f"{path!r} has magic number 0x{found_magic:08x}, expected 0x{magic:08x} "
            f"({'IDX3 uint8 images' if magic == IMAGES_MAGIC else 'IDX1 uint8 labels'}). "
            "Is it the right file (images vs labels), and is it an IDX file at all?"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path!r} is truncated inside its {header}-byte header. Replace it with a complete copy.")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    if item_shape is not None and tuple(dims[1:]) != tuple(item_shape):
        raise ValueError(
            f"{path!r} holds items of shape {tuple(dims[1:])}, expected {tuple(item_shape)}. "
            "All files of a dataset must hold items of one shape."
            + (f" These are not the published dataset's files: {_CUSTOM_HINT}" if sha256 is not None else "")
        )
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "longer than its header says"
        raise ValueError(
            f"{path!r} is {what}: {len(data)} bytes, the header ({dims[0]} items of shape "
            f"{tuple(dims[1:])}) needs {expected}. Replace it with a complete copy."
        )
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and digest != sha256:
        raise ValueError(
            f"{path!r}: SHA-256 of the decompressed content is {digest}, expected {sha256}: the file is damaged "
            f"or is not the dataset it is named after. {_CUSTOM_HINT}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims), digest


def _check_pair(images_path, images, labels_path, labels):
    if len(images) == 0:
        raise ValueError(f"{images_path!r} holds no images. Replace it with a file that holds the split's images.")
    if labels is not None and len(images) != len(labels):
        raise ValueError(
            f"{images_path!r} holds {len(images)} images but {labels_path!r} holds "
            f"{len(labels)} labels; they must come from the same split. Replace the wrong one."
        )


def read_split(local_dir, split, *, name=None, image_shape=(28, 28), num_classes=10):
    """Reads and verifies the images and labels of one split of a published dataset.

    Args:
        local_dir: Folder holding the IDX files (see `find_idx_files`).
        split: `"train"` or `"test"`.
        name: Optional dataset name (`"mnist"`, `"fashion_mnist"`) whose known checksums
            the decompressed files must match.
        image_shape: Expected `(rows, cols)` of one image.
        num_classes: Labels must lie in `[0, num_classes)`.

    Returns:
        `(images, labels)`: uint8 `[N, rows, cols]` and uint8 `[N]`.

    Raises:
        ValueError: a missing, corrupt, truncated or mismatched file (content other than `name`'s: the message
            says how to use it as a custom dataset), image and label counts that differ, or a label out of range.

    Example:
        >>> x, y = read_split("/usr/share/datasets/fashion-mnist", "test",
        ...                   name="fashion_mnist")  # doctest: +SKIP
        >>> x.shape, y.shape  # doctest: +SKIP
        ((10000, 28, 28), (10000,))
    """
    images_path, labels_path = find_idx_files(local_dir, split)
    known = KNOWN_SHA256.get(name, {})
    images, _ = read_idx(images_path, IMAGES_MAGIC, item_shape=image_shape, sha256=known.get(_stem(images_path)))
    labels, _ = read_idx(labels_path, LABELS_MAGIC, item_shape=(), sha256=known.get(_stem(labels_path)))
    _check_pair(images_path, images, labels_path, labels)
    if len(labels) and labels.max() >= num_classes:
        raise ValueError(
            f"{labels_path!r} has label {int(labels.max())}, outside [0, {num_classes}). Replace it with the "
            "split's own labels file, or use these files as a custom dataset (any new name with local_dir=)."
        )
    return images, labels


def read_custom(local_dir):
    """Reads a folder of MNIST-format IDX files of any content: a user's own dataset.

    `train-images-idx3-ubyte[.gz]` (uint8, any rows x cols) is required; `train-labels-idx1-ubyte`,
    `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` are optional, but labels come for every split or for
    none, and the test images have the train images' shape.

    Args:
        local_dir: Path of the folder.

    Returns:
        `(arrays, digests)`: `{"train": (images, labels or None), "test": ...}` (test only when present; images
        uint8 `[N, rows, cols]`, labels uint8 `[N]`) and `{file name: hex SHA-256 of its decompressed content}`.

    Raises:
        ValueError: no train images, a damaged file, counts that differ, labels for one split only, or test images
            of another shape.

    Example:
        >>> arrays, digests = read_custom("my_digits_idx/")  # doctest: +SKIP
        >>> arrays["train"][0].shape  # doctest: +SKIP
        (600, 16, 16)
    """
    if find_idx_file(local_dir, "train", "images") is None:
        raise ValueError(
            f"No train images in {local_dir!r}: a custom IDX dataset needs train-images-idx3-ubyte (or .gz), uint8 "
            "images [N, rows, cols]; optional train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
            "t10k-labels-idx1-ubyte. Put them in that folder."
        )
    arrays, digests, shape = {}, {}, None
    for split in ("train", "test"):
        images_path = find_idx_file(local_dir, split, "images")
        labels_path = find_idx_file(local_dir, split, "labels")
        if images_path is None:
            if labels_path is not None:
                raise ValueError(f"{labels_path!r} has no images file beside it; add it or remove the labels.")
            continue
        images, digests[os.path.basename(images_path)] = read_idx(images_path, IMAGES_MAGIC, item_shape=shape)
        shape = images.shape[1:]
        labels = None
        if labels_path is not None:
            labels, digests[os.path.basename(labels_path)] = read_idx(labels_path, LABELS_MAGIC, item_shape=())
        _check_pair(images_path, images, labels_path, labels)
        arrays[split] = (images, labels)
    if len({labels is None for _, labels in arrays.values()}) > 1:
        raise ValueError(
            f"{local_dir!r} has labels for one split but not the other: add the missing labels file "
            "(train-labels-idx1-ubyte / t10k-labels-idx1-ubyte) or remove the other one."
        )
    return arrays, digests
