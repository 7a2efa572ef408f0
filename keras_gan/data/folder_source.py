"""Images from a folder of image files, with labels from class subfolders when there are any.

Layouts, following TFDS's `ImageFolder` convention (class names sorted, as there and in Keras):

    root/<class>/*.png              labelled, one split        root/*.png              unlabelled, one split
    root/train/<class>/*.png        labelled, with a test      root/train/*.png        unlabelled, with a test
    root/test/<class>/*.png         split of its own           root/test/*.png         split of its own

PNG, JPEG, BMP and GIF files are decoded with TensorFlow (`tf.io.decode_image`, the decoder both TFDS and Keras
use), in a parallel, order-keeping tf.data map. Neither ready-made reader fits: `tfds.folder_dataset.ImageFolder`
only reads `root/<split>/<class>/` (no flat folder, no folder without splits) and skips unknown files silently;
`keras.utils.image_dataset_from_directory` resizes every image to one `image_size`, which would hide the
mixed-size folders a GAN must refuse, and converts channels. Here every file must be an image and all images must
share one shape, or a ValueError names the files and the fix.
"""

import os

import numpy as np
import tensorflow as tf

from keras_gan.progress import phase

__all__ = ["IMAGE_SUFFIXES", "read_image_folder"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")

# Split subfolders (TFDS ImageFolder's convention); any other subfolder is a class.
_SPLIT_DIRS = ("train", "test")


def _entries(folder):
    # Hidden files (.DS_Store, editors' swap files) are never images.
    names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    paths = [os.path.join(folder, n) for n in names]
    return [p for p in paths if os.path.isdir(p)], [p for p in paths if not os.path.isdir(p)]


def _list_split(folder):
    """(paths, labels or None, class names) of one split folder: class subfolders, or image files."""
    subfolders, files = _entries(folder)
    if subfolders and files:
        raise ValueError(
            f"{folder!r} holds both class subfolders ({os.path.basename(subfolders[0])!r}, ...) and files "
            f"({os.path.basename(files[0])!r}, ...). Move the files into a class folder, or the classes out."
        )
    if not subfolders:
        return files, None, []
    paths, labels = [], []
    for label, sub in enumerate(subfolders):
        nested, class_files = _entries(sub)
        if nested:
            raise ValueError(f"{nested[0]!r} is a folder inside the class folder {sub!r}; class folders must "
                             "hold image files only. Move its images up into the class folder.")
        paths += class_files
        labels += [label] * len(class_files)
    return paths, labels, [os.path.basename(s) for s in subfolders]


def _check_suffixes(paths):
    for path in paths:
        if not path.lower().endswith(IMAGE_SUFFIXES):
            raise ValueError(
                f"{path!r} is not an image file (images end in {', '.join(IMAGE_SUFFIXES)}). Remove it or move it "
                "out of the folder."
            )


def _decode(paths, root):
    """uint8 [N, H, W, C] of the files, in order; a bad file or a second shape names the files."""
    decoded = (tf.data.Dataset.from_tensor_slices(paths)
               .map(lambda p: tf.io.decode_image(tf.io.read_file(p), expand_animations=False),
                    num_parallel_calls=tf.data.AUTOTUNE, deterministic=True))
    images, iterator = [], iter(decoded)
    with phase(f"Reading {len(paths)} images from {root}"):
        for path in paths:
            try:
                image = next(iterator).numpy()
            except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as e:
                # Order is kept, so the failing element is the next path.
                raise ValueError(f"{path!r} cannot be decoded as an image ({e.message.splitlines()[0]}). Replace or "
                                 "remove it.") from None
            if images and image.shape != images[0].shape:
                raise ValueError(
                    f"Images in {root!r} differ in shape: {paths[0]!r} is {images[0].shape} (height, width, "
                    f"channels) but {path!r} is {image.shape}. A GAN needs one shape: resize / convert them all "
                    "first (e.g. `mogrify -resize 64x64! -colorspace sRGB *.png`, or PIL's Image.resize)."
                )
            images.append(image)
    return np.stack(images)


def read_image_folder(root):
    """Reads a folder of images (see the module docstring for the layouts).

    Args:
        root: Str, the folder.

    Returns:
        `{"train": (images, labels or None)}`, with `"test"` when `root` has `train/` and `test/` subfolders;
        images uint8 `[N, H, W, C]`, labels int64 class indices (class names sorted over all splits).

    Raises:
        ValueError: no images, a file that is not an image, files beside class folders, images of different
            shapes (naming two files), or labels in one split only.

    Example:
        >>> sources = read_image_folder("faces/")  # doctest: +SKIP
        >>> sources["train"][0].shape  # doctest: +SKIP
        (1200, 64, 64, 3)
    """
    subfolders, _ = _entries(root)
    present = {os.path.basename(s) for s in subfolders}
    split_dirs = {s: os.path.join(root, s) for s in _SPLIT_DIRS if s in present}
    if split_dirs and "train" not in split_dirs:
        raise ValueError(f"{root!r} has a test/ folder but no train/ folder; add train/ (or rename test/).")
    listed = {split: _list_split(folder) for split, folder in (split_dirs or {"train": root}).items()}
    classes = sorted({c for _, _, split_classes in listed.values() for c in split_classes})
    paths = [p for split_paths, _, _ in listed.values() for p in split_paths]
    if not paths:
        raise ValueError(
            f"No images in {root!r}. Put image files in it: root/<class>/*.png (labelled), root/*.png (no "
            "labels), optionally under root/train/ and root/test/."
        )
    _check_suffixes(paths)
    if len({labels is None for _, labels, _ in listed.values()}) > 1:
        raise ValueError(f"{root!r}: train/ and test/ must both have class folders, or neither.")
    images = _decode(paths, root)
    sources, start = {}, 0
    for split, (split_paths, labels, names) in listed.items():
        if labels is not None:
            # Class indices over all splits' class names, so train and test agree.
            labels = np.array([classes.index(names[i]) for i in labels], np.int64)
        sources[split] = (images[start:start + len(split_paths)], labels)
        start += len(split_paths)
    return sources
