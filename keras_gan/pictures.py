"""Pictures of samples: image grids, scatter plots / histograms of toy points, PNG bytes, and pixel ranges.

Used by the sample-grid callback, `keras-gan sample`, the evaluator and the notebooks, so each picture is drawn
one way everywhere.
"""

import math

import numpy as np
import tensorflow as tf

__all__ = ["IMAGE_RANGES", "encode_png", "image_grid", "picture", "points_picture", "to_unit_range"]

# The generator's output activation -> the pixel range of its images.
IMAGE_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def to_unit_range(images, image_range="sigmoid"):
    """Maps generator outputs to pixels in [0, 1]: the one place the tanh -> [0, 1] mapping is written.

    Args:
        images: Array of outputs.
        image_range: "sigmoid" (outputs in [0, 1], kept), "tanh" (outputs in [-1, 1], mapped by (x + 1) / 2) or
            "auto" ("tanh" when any output is below -0.001).

    Returns:
        (float32 np.ndarray clipped to [0, 1], the range used).

    Raises:
        ValueError: for an unknown range, or outputs that lie well outside it (the message says which to pass).

    Example:
        >>> to_unit_range(np.array([-1.0, 1.0]), "tanh")[0].tolist()
        [0.0, 1.0]
    """
    if image_range not in ("auto", *IMAGE_RANGES):
        raise ValueError(f"image_range must be 'auto', 'sigmoid' or 'tanh', got {image_range!r}.")
    images = np.asarray(images, np.float32)
    if image_range == "auto":
        # A tanh generator emits negative pixels among thousands of samples; a sigmoid one never does.
        image_range = "tanh" if images.size and images.min() < -1e-3 else "sigmoid"
    low, high = IMAGE_RANGES[image_range]
    if images.size and (images.min() < low - 1e-3 or images.max() > high + 1e-3):
        raise ValueError(
            f"Generated values span [{images.min():.3g}, {images.max():.3g}], outside the {image_range!r} range "
            f"[{low:g}, {high:g}]; images must come from a sigmoid ([0, 1]) or tanh ([-1, 1]) output. Pass "
            "image_range= to say which."
        )
    return np.clip((images - low) / (high - low), 0.0, 1.0), image_range


def encode_png(picture):
    """PNG bytes of a uint8 picture [H, W, C], with TensorFlow's encoder.

    Args:
        picture: uint8 array [H, W, C], C in {1, 2, 3, 4}.

    Returns:
        Bytes of a PNG file.
    """
    return tf.io.encode_png(tf.constant(picture)).numpy()


def image_grid(images, image_shape=None, padding=2, columns=None):
    """Tiles images into one uint8 picture, as square as possible (or `columns` wide, row by row).

    Args:
        images: Array [n, H, W, C] or [n, H*W*C] in [0, 1] (values outside are clipped).
        image_shape: (H, W, C) of flat images; None infers (s, s, 1) or (s, s, 3) for square images.
        padding: Int pixels of black between tiles.
        columns: Optional positive int, tiles per row (e.g. one row per class); None: ceil(sqrt(n)).

    Returns:
        np.ndarray uint8 [rows·(H+p)+p, cols·(W+p)+p, C] with C in {1, 3}.

    Raises:
        ValueError: if flat images cannot be given an image shape.

    Example:
        >>> image_grid(np.zeros((64, 784))).shape
        (242, 242, 1)
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 2:
        if image_shape is None:
            image_shape = _square_shape(images.shape[1])
        images = images.reshape((len(images), *image_shape))
    if images.ndim == 3:
        images = images[..., None]
    n, h, w, c = images.shape
    cols = int(columns) if columns else int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    grid = np.zeros((rows * (h + padding) + padding, cols * (w + padding) + padding, c), np.uint8)
    pixels = np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    for i in range(n):
        r, col = divmod(i, cols)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


def _square_shape(size):
    for channels in (1, 3):
        side = math.isqrt(size // channels)
        if side * side * channels == size:
            return (side, side, channels)
    raise ValueError(f"Cannot tile flat examples of size {size} as images; pass image_shape=(H, W, C).")


def points_picture(samples, reference=None, size=256, extent=None):
    """Draws 1-D or 2-D points as a picture: a scatter plot (2-D) or histograms (1-D).

    Reference points (the data) are drawn in grey, samples in green.

    Args:
        samples: Array [n, 1] or [n, 2].
        reference: Optional array of data points, same dimension.
        size: Int, picture width and height in pixels.
        extent: Optional (low, high) of the drawn range on every axis; default covers all points.

    Returns:
        np.ndarray uint8 [size, size, 3].

    Raises:
        ValueError: if the points are not 1-D or 2-D.
    """
    samples = np.asarray(samples, np.float64)
    if samples.ndim != 2 or samples.shape[1] not in (1, 2):
        raise ValueError(f"points_picture draws [n, 1] or [n, 2] points, got shape {samples.shape}.")
    sets = [(np.asarray(reference, np.float64), (160, 160, 160))] if reference is not None else []
    sets.append((samples, (0, 160, 0)))
    everything = np.concatenate([s for s, _ in sets])
    everything = everything[np.isfinite(everything).all(axis=1)]
    if extent is None:
        low, high = (everything.min(), everything.max()) if len(everything) else (-1.0, 1.0)
        pad = 0.05 * (high - low) + 1e-6
        extent = (low - pad, high + pad)
    low, high = extent
    picture = np.full((size, size, 3), 255, np.uint8)

    def to_pixel(values):
        return np.clip(((values - low) / (high - low) * (size - 1)).round(), 0, size - 1).astype(int)

    if samples.shape[1] == 2:
        for points, colour in sets:
            points = points[np.isfinite(points).all(axis=1)]
            x, y = to_pixel(points[:, 0]), size - 1 - to_pixel(points[:, 1])
            for dx in (0, 1):
                for dy in (0, 1):
                    picture[np.clip(y + dy, 0, size - 1), np.clip(x + dx, 0, size - 1)] = colour
    else:
        edges = np.linspace(low, high, size + 1)
        histograms = [np.histogram(p[:, 0], bins=edges, density=True)[0] for p, _ in sets]
        top = max(h.max() for h in histograms) or 1.0
        for i, (histogram, (_, colour)) in enumerate(zip(histograms, sets)):
            heights = (histogram / top * (size - 10)).astype(int)
            filled = reference is not None and i == 0  # the data as grey bars, the samples as a green outline
            for column, height in enumerate(heights):
                if filled and height:
                    picture[size - height :, column] = colour
                elif not filled:
                    row = size - 1 - height
                    picture[max(row - 1, 0) : row + 1, column] = colour
    return picture


def picture(samples, image_shape=None, reference=None, columns=None):
    """The picture of a batch of samples: an image grid, or for 1-D / 2-D points a histogram / scatter plot.

    Args:
        samples: Array [n, ...] of generator outputs; images must already be in [0, 1].
        image_shape: (H, W, C) for flat image samples, or None.
        reference: For points: data points drawn behind the samples.
        columns: Images: tiles per row (`image_grid`); None: as square as possible.

    Returns:
        np.ndarray uint8 [H, W, C].
    """
    samples = np.asarray(samples)
    flat = samples.reshape(len(samples), -1)
    if flat.shape[1] <= 2 and image_shape is None:
        return points_picture(flat, reference)
    return image_grid(samples, image_shape, columns=columns)
