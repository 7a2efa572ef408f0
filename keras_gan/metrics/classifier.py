"""A small CNN classifier trained by the package, cached on disk, for the classifier-based metrics.

Nothing is downloaded: the classifier is trained once on the dataset's train split (deterministically: seeded
initialisers, dropout and shuffling) and saved under a fingerprint of everything that decides its weights, so a
second call loads it and a changed dataset, architecture, seed or training code trains a new one.

Its penultimate layer (`features`, 128 ReLU units) feeds the Fréchet distance and the k-NN metrics; its softmax
output feeds the classifier score and the class histogram.
"""

import hashlib
import json
import os
import pathlib
import time

import keras
import numpy as np
import tensorflow as tf

from keras_gan import files, progress
from keras_gan.progress import logger

__all__ = [
    "CLASSIFIER_CODE_VERSION",
    "DEFAULT_ARCHITECTURE",
    "DEFAULT_TRAINING",
    "Classifier",
    "classifier_network",
    "train_classifier",
    "classifier_fingerprint",
    "load_or_train_classifier",
    "dataset_classifier",
    "default_cache_dir",
]

# Bump when a change to this file changes the weights it learns: cached classifiers then retrain.
CLASSIFIER_CODE_VERSION = 1

# conv(32) -> pool -> conv(64) -> pool -> dense(128) "features" -> dropout -> dense(num_classes) logits.
DEFAULT_ARCHITECTURE = {"filters": [32, 64], "kernel_size": 3, "dense_units": 128, "dropout": 0.3}
DEFAULT_TRAINING = {"epochs": 6, "batch_size": 128, "learning_rate": 1e-3}

FEATURES_LAYER = "features"


def default_cache_dir():
    """The metrics cache folder: $KERAS_GAN_CACHE if set, else ~/.cache/keras_gan.

    Trained classifiers go to its `classifiers/` subfolder and real-data reference rows to `references/`.
    """
    return os.environ.get("KERAS_GAN_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "keras_gan")


def _check_images_labels(images, labels):
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 4 or images.shape[0] == 0:
        raise ValueError(
            f"images must be a non-empty array [n, height, width, channels], got shape {images.shape}. Reshape "
            "flat vectors to images first (e.g. x.reshape(-1, 28, 28, 1))."
        )
    if labels.shape != (images.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"labels must be integers [n] with n = {images.shape[0]} (one per image), got dtype {labels.dtype} "
            f"and shape {labels.shape}."
        )
    if labels.min() < 0:
        raise ValueError(f"labels must be non-negative class indices, got minimum {labels.min()}.")
    images = np.ascontiguousarray(images, dtype=np.float32)
    if not np.isfinite(images).all():
        raise ValueError("images hold NaN or infinite values.")
    return images, labels.astype(np.int64)


def _merge(name, defaults, overrides):
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise ValueError(f"Unknown {name} keys {sorted(unknown)}; valid keys: {sorted(defaults)}.")
    return {**defaults, **overrides}


def classifier_network(input_shape=(28, 28, 1), num_classes=10, architecture=None, seed=0):
    """Builds the metrics classifier: a small CNN whose penultimate layer is named "features".

    Args:
        input_shape: Tuple (height, width, channels) of images in [0, 1].
        num_classes: Int >= 2, number of classes (the model outputs logits).
        architecture: Optional dict overriding `DEFAULT_ARCHITECTURE` (`filters`, `kernel_size`, `dense_units`,
            `dropout`).
        seed: Int, seeds every initialiser and the dropout layer, so a build is reproducible.

    Returns:
        A `keras.Model` mapping images to logits [n, num_classes].

    Raises:
        ValueError: on unknown architecture keys, a bad input shape, or fewer than 2 classes.

    Example:
        >>> model = classifier_network((28, 28, 1), 10)
        >>> model.get_layer("features").units
        128
    """
    arch = _merge("architecture", DEFAULT_ARCHITECTURE, architecture)
    if len(tuple(input_shape)) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}.")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}.")
    seeds = iter(range(seed * 100, seed * 100 + 100))
    inputs = keras.Input(tuple(input_shape), name="images")
    x = inputs
    for i, filters in enumerate(arch["filters"]):
        x = keras.layers.Conv2D(
            filters,
            arch["kernel_size"],
            padding="same",
            activation="relu",
            kernel_initializer=keras.initializers.HeUniform(seed=next(seeds)),
            name=f"conv{i}",
        )(x)
        x = keras.layers.MaxPooling2D(name=f"pool{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(
        arch["dense_units"],
        activation="relu",
        kernel_initializer=keras.initializers.HeUniform(seed=next(seeds)),
        name=FEATURES_LAYER,
    )(x)
    x = keras.layers.Dropout(arch["dropout"], seed=next(seeds), name="dropout")(x)
    logits = keras.layers.Dense(
        num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)), name="logits"
    )(x)
    return keras.Model(inputs, logits, name="metrics_classifier")


def train_classifier(
    images,
    labels,
    *,
    num_classes=None,
    architecture=None,
    training=None,
    seed=0,
    validation_data=None,
    verbose=0,
):
    """Trains the metrics classifier on (images, labels) with Adam; deterministic for a given seed.

    Args:
        images: Array-like [n, height, width, channels] of floats in [0, 1].
        labels: Integer array-like [n] of class indices.
        num_classes: Optional int; defaults to max(labels) + 1.
        architecture: Optional dict overriding `DEFAULT_ARCHITECTURE`.
        training: Optional dict overriding `DEFAULT_TRAINING` (`epochs`, `batch_size`, `learning_rate`).
        seed: Int, seeds the initialisers, dropout and the shuffling order.
        validation_data: Optional (images, labels) pair reported each epoch (does not change training).
        verbose: Int, Keras verbosity (0 silent).

    Returns:
        The trained `keras.Model` (logits output).

    Raises:
        ValueError: on malformed images or labels, or unknown architecture/training keys.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> model = train_classifier(rng.uniform(size=(64, 8, 8, 1)), rng.integers(0, 2, 64), training={"epochs": 1})
    """
    images, labels = _check_images_labels(images, labels)
    train = _merge("training", DEFAULT_TRAINING, training)
    num_classes = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    model = classifier_network(images.shape[1:], max(num_classes, 2), architecture, seed)
    model.compile(
        optimizer=keras.optimizers.Adam(train["learning_rate"]),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        # XLA made this CNN's training steps about 4x slower on CPU (measured: 41 s vs 9.4 s per 10,000 images).
        jit_compile=False,
    )
    # A seeded tf.data shuffle gives the same order on every run (the op seed fixes it without a global seed).
    dataset = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        .batch(train["batch_size"])
        .prefetch(tf.data.AUTOTUNE)
    )
    model.fit(dataset, epochs=train["epochs"], validation_data=validation_data, shuffle=False, verbose=verbose)
    return model


def _content_hash(images, labels):
    digest = hashlib.sha256()
    digest.update(str(images.shape).encode())
    digest.update(images.tobytes())
    digest.update(labels.tobytes())
    return digest.hexdigest()


def classifier_fingerprint(name, images, labels, *, architecture=None, training=None, seed=0):
    """The cache key of a classifier: a hash of everything that decides its weights.

    Args:
        name: Str, the dataset's name (e.g. "fashion_mnist").
        images: Array-like [n, h, w, c], the training images.
        labels: Integer array-like [n], the training labels.
        architecture: Optional dict overriding `DEFAULT_ARCHITECTURE`.
        training: Optional dict overriding `DEFAULT_TRAINING`.
        seed: Int, the training seed.

    Returns:
        (fingerprint, fields): a hex SHA-256 string and the dict it hashes (dataset name, content hash, number of
        examples, image shape, architecture, training settings, seed, `CLASSIFIER_CODE_VERSION`).

    Raises:
        ValueError: on malformed images or labels, or unknown architecture/training keys.

    Example:
        >>> fp, fields = classifier_fingerprint("toy", np.zeros((4, 8, 8, 1)), np.arange(4))
        >>> fields["num_examples"]
        4
    """
    images, labels = _check_images_labels(images, labels)
    fields = {
        "dataset": str(name),
        "content_sha256": _content_hash(images, labels),
        "num_examples": int(len(images)),
        "image_shape": list(images.shape[1:]),
        "architecture": _merge("architecture", DEFAULT_ARCHITECTURE, architecture),
        "training": _merge("training", DEFAULT_TRAINING, training),
        "seed": int(seed),
        "code_version": CLASSIFIER_CODE_VERSION,
    }
    fingerprint = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    return fingerprint, fields


class Classifier:
    """A trained metrics classifier: features and class probabilities for images, in fixed-size batches.

    Attributes:
        model: The `keras.Model` mapping images [n, h, w, c] in [0, 1] to logits.
        fingerprint: Str, the cache key it was trained under ("" if unknown).
        from_cache: Bool, whether it was loaded from the cache rather than trained in this call.
        metadata: Dict, what was recorded at training time (fingerprint fields, accuracy, training seconds).
        path: Str or None, the cached `.keras` file.

    Example:
        >>> clf = Classifier(classifier_network((8, 8, 1), 2))
        >>> features, probs = clf.predict(np.zeros((3, 8, 8, 1)))
        >>> features.shape, probs.shape
        ((3, 128), (3, 2))
    """

    def __init__(self, model, fingerprint="", from_cache=False, metadata=None, path=None):
        self.model = model
        self.fingerprint = fingerprint
        self.from_cache = from_cache
        self.metadata = dict(metadata or {})
        self.path = path
        self.input_shape = tuple(model.input_shape[1:])
        self.num_classes = int(model.output_shape[-1])
        extractor = keras.Model(model.inputs, [model.get_layer(FEATURES_LAYER).output, model.outputs[0]])

        # Not XLA: on CPU it cost about 15 % more CPU time than TensorFlow's (oneDNN) convolutions here.
        @tf.function(reduce_retracing=True)
        def _predict(x):
            features, logits = extractor(x, training=False)
            return features, tf.nn.softmax(logits)

        self._predict = _predict

    def _images(self, images):
        images = np.asarray(images, dtype=np.float32)
        if images.ndim >= 2 and int(np.prod(images.shape[1:])) == int(np.prod(self.input_shape)):
            return np.ascontiguousarray(images.reshape((-1,) + self.input_shape))
        raise ValueError(
            f"images of shape {images.shape} do not fit the classifier's input {self.input_shape}; pass [n, "
            f"{', '.join(map(str, self.input_shape))}] or flat [n, {int(np.prod(self.input_shape))}] in [0, 1]."
        )

    def predict(self, images, batch_size=500):
        """Returns (features [n, dense_units], probs [n, num_classes]) as float32 NumPy arrays.

        Args:
            images: Array-like [n, h, w, c] or flat [n, h*w*c], floats in [0, 1].
            batch_size: Positive int, images per call of the traced function (the last batch is padded).

        Returns:
            (features, probs).

        Raises:
            ValueError: if the images do not fit the classifier's input shape or batch_size is not positive.
        """
        from keras_gan.metrics import _pairwise

        _pairwise.check_batch_size(batch_size)
        images = self._images(images)
        features, probs = [], []
        for _, block, size in _pairwise.batches(images, batch_size):
            f, p = self._predict(tf.constant(block))
            features.append(f.numpy()[:size])
            probs.append(p.numpy()[:size])
        if not features:
            raise ValueError("predict got no images.")
        return np.concatenate(features), np.concatenate(probs)

    def accuracy(self, images, labels, batch_size=500):
        """Share of `images` whose most probable class equals `labels` (float in [0, 1])."""
        _, probs = self.predict(images, batch_size)
        labels = np.asarray(labels)
        if labels.shape != (len(probs),):
            raise ValueError(f"labels must have shape ({len(probs)},), got {labels.shape}.")
        return float((probs.argmax(axis=1) == labels).mean())


def load_or_train_classifier(
    images,
    labels,
    *,
    name,
    cache_dir=None,
    num_classes=None,
    architecture=None,
    training=None,
    seed=0,
    test_data=None,
    verbose=0,
):
    """Loads the classifier cached under this data's fingerprint, or trains and caches it.

    Args:
        images: Array-like [n, h, w, c] in [0, 1], the training images.
        labels: Integer array-like [n].
        name: Str, the dataset's name (part of the fingerprint and the file name).
        cache_dir: Optional cache folder (classifiers go to its `classifiers/` subfolder); default
            `default_cache_dir()`.
        num_classes: Optional int; defaults to max(labels) + 1.
        architecture: Optional dict overriding `DEFAULT_ARCHITECTURE`.
        training: Optional dict overriding `DEFAULT_TRAINING`.
        seed: Int, the training seed.
        test_data: Optional (images, labels); when training, its accuracy is recorded in the metadata.
        verbose: Int, Keras verbosity while training.

    Returns:
        A `Classifier`; `from_cache` says whether it was loaded.

    Raises:
        ValueError: on malformed images or labels, or unknown architecture/training keys.

    Example:
        >>> clf = load_or_train_classifier(images, labels, name="toy", cache_dir="/tmp/clf")  # doctest: +SKIP
        >>> load_or_train_classifier(images, labels, name="toy", cache_dir="/tmp/clf").from_cache  # doctest: +SKIP
        True
    """
    images, labels = _check_images_labels(images, labels)
    fingerprint, fields = classifier_fingerprint(
        name, images, labels, architecture=architecture, training=training, seed=seed
    )
    cache_dir = pathlib.Path(cache_dir or default_cache_dir()) / "classifiers"
    safe_name = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(name))
    model_path = cache_dir / f"{safe_name}-{fingerprint[:16]}.keras"
    meta_path = model_path.with_suffix(".json")
    if model_path.exists() and meta_path.exists():
        try:
            metadata = json.loads(meta_path.read_text())
            if metadata.get("fingerprint") == fingerprint:
                model = keras.models.load_model(model_path, compile=False)
                return Classifier(model, fingerprint, True, metadata, str(model_path))
        except Exception as error:  # noqa: BLE001 -- a damaged cache entry (any load error) is retrained.
            logger.warning("Retraining the metrics classifier: the cached one did not load (%s).", error)
    start = time.perf_counter()
    with progress.phase(f"Training the metrics classifier for {name!r} on {len(images)} images (once; then cached "
                        f"in {cache_dir})"):
        model = train_classifier(
            images,
            labels,
            num_classes=num_classes,
            architecture=architecture,
            training=training,
            seed=seed,
            verbose=verbose,
        )
    metadata = {"fingerprint": fingerprint, **fields, "train_seconds": round(time.perf_counter() - start, 1)}
    classifier = Classifier(model, fingerprint, False, metadata, str(model_path))
    if test_data is not None:
        metadata["test_accuracy"] = classifier.accuracy(*test_data)
        metadata["num_test_examples"] = int(len(test_data[1]))
    classifier.metadata = metadata
    with files.atomic_path(model_path) as tmp:
        model.save(tmp)
    files.atomic_write(meta_path, json.dumps(metadata, indent=2, sort_keys=True))
    return classifier


def dataset_classifier(dataset="fashion_mnist", *, cache_dir=None, data_dir=None, local_dir=None, seed=0, verbose=0):
    """The metrics classifier for a dataset: trained on its train split once, then loaded from the cache.

    Training uses the paper's train split (train[0:50000]) and records the test-split accuracy (about 91 % on
    Fashion-MNIST; a few minutes on 2 CPU cores the first time).

    Args:
        dataset: Str, a name `keras_gan.data.load_arrays` knows ("fashion_mnist", "mnist", ...).
        cache_dir: Optional cache folder (see `load_or_train_classifier`); default `default_cache_dir()`.
        data_dir: Optional TFDS data folder, passed to `keras_gan.data.load_arrays`.
        local_dir: Optional folder of IDX files, passed to `keras_gan.data.load_arrays`.
        seed: Int, the training seed.
        verbose: Int, Keras verbosity while training.

    Returns:
        A `Classifier`.

    Raises:
        ValueError: if the dataset cannot be loaded (the message of `keras_gan.data.load_arrays`).

    Example:
        >>> clf = dataset_classifier("fashion_mnist")  # doctest: +SKIP
        >>> clf.metadata["test_accuracy"]  # doctest: +SKIP
        0.91...
    """
    from keras_gan import data

    images, labels = data.load_arrays(dataset, "train", data_dir=data_dir, local_dir=local_dir)
    test = data.load_arrays(dataset, "test", data_dir=data_dir, local_dir=local_dir)
    return load_or_train_classifier(
        images, labels, name=dataset, cache_dir=cache_dir, seed=seed, test_data=test, verbose=verbose
    )
