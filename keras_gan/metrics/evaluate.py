"""Offline evaluation of a generator: the paper's Parzen protocol, classifier-based metrics, and a results table.

`evaluate_generator` samples a trained generator (a GAN, a generator model, a saved `.keras` file, or an array of
samples), computes every metric for it and for the real-data reference (real train images scored exactly as the
samples are, against real test images), and writes `eval/results.json` and `eval/results.md` into a workdir.
"""

import hashlib
import json
import math
import os
import pathlib
import time

import keras
import numpy as np

from keras_gan.metrics import classifier as classifier_lib
from keras_gan.metrics.classifier_metrics import class_histogram, classifier_score, histogram_distance
from keras_gan.metrics.frechet import frechet_distance
from keras_gan.metrics.mixture import mode_coverage
from keras_gan.metrics.parzen import PAPER_SIGMAS, parzen_evaluation
from keras_gan.metrics.prdc import prdc

__all__ = ["MIXTURES", "evaluate_generator", "generate_samples", "results_markdown"]

# Bump when a change here changes the reference numbers: cached references are then recomputed.
_REFERENCE_VERSION = 1

# The 2-D mixtures of keras_gan.data.toy, evaluated by mode coverage instead of images metrics.
MIXTURES = ("ring", "grid")

# (key, label, which direction is better) in table order.
_IMAGE_METRICS = (
    ("parzen_log_likelihood", "Parzen log-likelihood (nats)", "higher"),
    ("classifier_score", "Classifier score", "higher"),
    ("frechet_distance", "Fréchet distance (classifier features)", "lower"),
    ("precision", "Precision (k=3)", "higher"),
    ("recall", "Recall (k=3)", "higher"),
    ("density", "Density (k=5)", "about 1"),
    ("coverage", "Coverage (k=5)", "higher"),
    ("class_histogram_tv", "Class histogram TV distance to test", "lower"),
    ("max_class_share", "Largest class share", "about 1/classes"),
)
_MIXTURE_METRICS = (
    ("modes_covered", "Modes covered", "higher"),
    ("high_quality_share", "Share within 3σ of a mode", "higher"),
    ("frechet_distance", "Fréchet distance (2-D points)", "lower"),
    ("precision", "Precision (k=3)", "higher"),
    ("recall", "Recall (k=3)", "higher"),
    ("density", "Density (k=5)", "about 1"),
    ("coverage", "Coverage (k=5)", "higher"),
)


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")


def generate_samples(generator_or_gan, num_samples, *, seed=0, batch_size=1000, noise="uniform", noise_scale=None):
    """Draws `num_samples` samples from a GAN, a generator model, a saved `.keras` file, or an array of samples.

    Args:
        generator_or_gan: A `keras_gan.GAN` (its `generate` and prior are used); a Keras model mapping
            [n, latent_dim] noise to samples (noise drawn from `noise`/`noise_scale`); a path to a `.keras` file
            holding either; or an array [N >= num_samples, ...] of samples, of which the first `num_samples` are
            taken.
        num_samples: Positive int.
        seed: Int, seeds the noise, so the same seed gives the same samples.
        batch_size: Positive int, samples per forward pass.
        noise: "uniform" (U[-s, s]) or "normal" (N(0, s²)), the prior of a bare generator model.
        noise_scale: Positive float s; default sqrt(3) for "uniform" (the paper's prior) and 1 for "normal".

    Returns:
        (samples, description): a float32 np.ndarray [num_samples, ...] and a short string naming the source.

    Raises:
        ValueError: if the path does not exist or is not `.keras`, an array holds fewer than `num_samples`
            samples, the prior is unknown, or the object is none of the accepted kinds.

    Example:
        >>> samples, _ = generate_samples(np.zeros((20, 784)), 10)
        >>> samples.shape
        (10, 784)
    """
    _check_positive_int("num_samples", num_samples)
    _check_positive_int("batch_size", batch_size)
    source = generator_or_gan
    description = type(source).__name__
    if isinstance(source, (str, os.PathLike)):
        path = pathlib.Path(source)
        if path.suffix != ".keras" or not path.is_file():
            raise ValueError(
                f"{str(path)!r} is not a saved model: pass an existing .keras file (gan.save('gan.keras') or "
                "generator.save('generator.keras')), a GAN, a generator model, or an array of samples."
            )
        import keras_gan  # noqa: F401  (registers keras_gan.GAN and its layers for loading)

        source = keras.models.load_model(path, compile=False)
        description = f"{path} ({type(source).__name__})"
    if isinstance(source, np.ndarray) or (hasattr(source, "__array__") and not isinstance(source, keras.layers.Layer)):
        samples = np.asarray(source)
        if samples.ndim < 2 or len(samples) < num_samples:
            raise ValueError(
                f"An array of samples must be [N, ...] with N >= num_samples={num_samples}, got shape "
                f"{samples.shape}. Pass more samples or a smaller num_samples."
            )
        return np.asarray(samples[:num_samples], np.float32), f"array of {len(samples)} samples"
    if hasattr(source, "generate") and hasattr(source, "latent_dim"):
        samples = source.generate(int(num_samples), seed=seed, batch_size=int(batch_size))
        return np.asarray(samples, np.float32), description
    if isinstance(source, keras.Model):
        if noise not in ("uniform", "normal"):
            raise ValueError(f"Unknown noise prior {noise!r}; use 'uniform' or 'normal'.")
        scale = (math.sqrt(3.0) if noise == "uniform" else 1.0) if noise_scale is None else float(noise_scale)
        latent_dim = int(source.input_shape[-1])
        rng = np.random.default_rng(seed)
        if noise == "uniform":
            z = rng.uniform(-scale, scale, size=(num_samples, latent_dim))
        else:
            z = rng.normal(0.0, scale, size=(num_samples, latent_dim))
        samples = source.predict(z.astype(np.float32), batch_size=int(batch_size), verbose=0)
        return np.asarray(samples, np.float32), description
    raise ValueError(
        f"Cannot sample from a {type(source).__name__}: pass a keras_gan.GAN, a generator keras.Model, a path to a "
        ".keras file, or an array of samples."
    )


def _to_unit_range(samples, image_range):
    """Maps generator outputs to [0, 1]: "sigmoid" keeps them, "tanh" maps [-1, 1] -> [0, 1], "auto" guesses."""
    if image_range not in ("auto", "sigmoid", "tanh"):
        raise ValueError(f"image_range must be 'auto', 'sigmoid' or 'tanh', got {image_range!r}.")
    if image_range == "auto":
        # A tanh generator emits negative pixels among thousands of samples; a sigmoid one never does.
        image_range = "tanh" if samples.min() < -1e-3 else "sigmoid"
    if image_range == "tanh":
        samples = (samples + 1.0) / 2.0
    low, high = float(samples.min()), float(samples.max())
    if low < -1e-3 or high > 1 + 1e-3:
        raise ValueError(
            f"Generated pixels span [{low:.3g}, {high:.3g}] after the {image_range!r} mapping; images must lie in "
            "[0, 1] (sigmoid output) or [-1, 1] (tanh output). Pass image_range= to say which."
        )
    return np.clip(samples, 0.0, 1.0), image_range


def _fit_shape(name, samples, image_shape):
    size = int(np.prod(image_shape))
    if samples.ndim < 2 or int(np.prod(samples.shape[1:])) != size:
        raise ValueError(
            f"{name} of shape {samples.shape} do not fit the dataset's images {tuple(image_shape)}; the generator "
            f"must output [n, {size}] or [n, {', '.join(map(str, image_shape))}]."
        )
    return samples.reshape((-1,) + tuple(image_shape))


def _fingerprint(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.tobytes() if isinstance(part, np.ndarray) else json.dumps(part, sort_keys=True).encode())
    return digest.hexdigest()


def _feature_metrics(real_features, fake_features, batch_size):
    out = {"frechet_distance": frechet_distance(real_features, fake_features)}
    out.update(prdc(real_features, fake_features, k_precision_recall=3, k_density_coverage=5, batch_size=batch_size))
    return out


def _image_row(samples, parzen_data, classifier, real_features, real_counts, batch_size):
    """Every image metric for one set of samples in [0, 1] (generated, or real train images for the reference)."""
    row = {}
    if parzen_data is not None:
        validation, test = parzen_data
        parzen = parzen_evaluation(samples, validation, test, PAPER_SIGMAS, num_validation=1000, batch_size=100)
        row.update(
            parzen_log_likelihood=parzen["mean"],
            parzen_stderr=parzen["stderr"],
            parzen_sigma=parzen["sigma"],
            parzen_validation_means=parzen["validation_means"],
        )
    features, probs = classifier.predict(samples, batch_size=500)
    counts = class_histogram(probs)
    row.update(classifier_score=classifier_score(probs))
    row.update(_feature_metrics(real_features, features, batch_size))
    row.update(
        class_histogram=counts.tolist(),
        class_histogram_tv=histogram_distance(counts, real_counts),
        max_class_share=float(counts.max() / counts.sum()),
    )
    return row


def _mixture_row(samples, modes, stddev, real_points, batch_size):
    coverage = mode_coverage(samples, modes, stddev)
    row = {
        "modes_covered": coverage["modes_covered"],
        "num_modes": coverage["num_modes"],
        "high_quality_share": coverage["high_quality_share"],
        "mode_counts": coverage["counts"].tolist(),
    }
    row.update(_feature_metrics(real_points, samples, batch_size))
    return row


def _load_cached(path, key):
    try:
        cached = json.loads(pathlib.Path(path).read_text())
    except (OSError, ValueError):
        return None
    return cached.get("row") if cached.get("key") == key else None


def _write_atomic_text(path, text):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _format(value, stderr=None):
    if value is None:
        return "—"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if stderr is not None:
        return f"{value:.1f} ± {stderr:.1f}"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.1f}"


def results_markdown(results):
    """Renders `evaluate_generator`'s results as a Markdown report (metrics table, then the class histogram).

    Args:
        results: The dict returned by `evaluate_generator`.

    Returns:
        A Markdown string.

    Example:
        >>> text = results_markdown(evaluate_generator(samples, "ring", num_samples=1000))  # doctest: +SKIP
    """
    model, reference = results["model"], results.get("reference")
    mixture = results["dataset"] in MIXTURES
    lines = [
        f"# Evaluation: {results['dataset']}",
        "",
        f"- Model: {results['source']}",
        f"- Samples: {results['num_samples']} (seed {results['seed']})"
        + ("" if mixture else f"; pixels mapped from {results['image_range']} range"),
    ]
    if not mixture:
        clf = results["classifier"]
        accuracy = clf.get("test_accuracy")
        lines.append(
            f"- Classifier: {clf['fingerprint'][:16]} ("
            + (f"test accuracy {accuracy:.4f}" if accuracy is not None else "test accuracy not recorded")
            + ")"
        )
        lines.append(
            "- Real-data reference: real train images scored exactly as the samples are (a memorising model's "
            "figures)."
        )
    timing = f"- Seconds: {results['seconds']:.1f} in all"
    if "model_seconds" in results:
        timing += f"; model row {results['model_seconds']:.1f}"
    if results.get("reference_seconds") is not None:
        cached = " (cached)" if results.get("reference_from_cache") else ""
        timing += f"; reference row {results['reference_seconds']:.1f}{cached}"
    lines.append(timing)
    lines += ["", "| Metric | Better | Model | Real data (train vs test) |", "| --- | --- | --- | --- |"]
    for key, label, better in _MIXTURE_METRICS if mixture else _IMAGE_METRICS:
        if key not in model:
            continue
        if key == "parzen_log_likelihood":
            cells = [_format(row[key], row["parzen_stderr"]) + f" (σ={row['parzen_sigma']:.3f})" if row else "—"
                     for row in (model, reference)]
        elif key == "modes_covered":
            cells = [f"{row[key]} / {row['num_modes']}" if row else "—" for row in (model, reference)]
        else:
            cells = [_format(row[key]) if row else "—" for row in (model, reference)]
        lines.append(f"| {label} | {better} | {cells[0]} | {cells[1]} |")
    if not mixture:
        test_counts = results["real_test_class_histogram"]
        lines += ["", "| Class | Model samples | Real test |", "| --- | --- | --- |"]
        for i, (count, test_count) in enumerate(zip(model["class_histogram"], test_counts)):
            lines.append(f"| {i} | {count} | {test_count} |")
    return "\n".join(lines) + "\n"


def evaluate_generator(
    generator_or_gan,
    dataset="fashion_mnist",
    num_samples=10_000,
    workdir=None,
    *,
    local_dir=None,
    data_dir=None,
    seed=0,
    classifier=None,
    cache_dir=None,
    parzen=True,
    reference=True,
    image_range="auto",
    noise="uniform",
    noise_scale=None,
    batch_size=1000,
    verbose=True,
):
    """Evaluates a generator offline and writes `eval/results.json` and `eval/results.md` into `workdir`.

    Image datasets (any name `keras_gan.data.load_arrays` knows, e.g. "fashion_mnist"): `num_samples` samples are
    scored by

    - the paper's Parzen protocol: window on the samples, sigma from logspace(-1, 0, 10) on the first 1,000
      validation images (train[50000:60000]), mean ± std/sqrt(N) over the test split;
    - the package's classifier (trained once on the train split, cached): classifier score, Fréchet distance on its
      features, precision/recall (k=3) and density/coverage (k=5) against min(num_samples, test size) test
      images, and the class histogram of the samples.

    The reference row scores the first `num_samples` real train images through the same pipeline (it is cached
    under `cache_dir` by a fingerprint of the data, classifier and settings). The 2-D mixtures ("ring", "grid")
    report modes covered, the share of samples within 3σ of a mode, and the k-NN metrics on the points; their
    reference is fresh samples of the mixture.

    Args:
        generator_or_gan: A `keras_gan.GAN`, a generator `keras.Model`, a path to a `.keras` file holding either,
            or an array of samples (see `generate_samples`).
        dataset: Str, an image dataset name for `keras_gan.data.load_arrays`, or "ring" / "grid".
        num_samples: Positive int, samples to draw (the paper: 10,000).
        workdir: Optional folder; results go to `workdir/eval/results.{json,md}`. None writes nothing.
        local_dir: Optional folder of IDX files for `keras_gan.data.load_arrays`.
        data_dir: Optional TFDS data folder for `keras_gan.data.load_arrays`.
        seed: Int, seeds the generator's noise (and the mixture reference samples).
        classifier: Optional `keras_gan.metrics.Classifier`; default the cached one for `dataset`.
        cache_dir: Optional cache folder for classifiers and reference rows; default
            `keras_gan.metrics.default_cache_dir()`.
        parzen: Bool, whether to run the Parzen protocol (a few seconds per 10,000 samples).
        reference: Bool, whether to compute the real-data reference row.
        image_range: "auto", "sigmoid" ([0, 1] outputs) or "tanh" ([-1, 1] outputs, mapped to [0, 1]). "auto"
            picks "tanh" when any output is below 0.
        noise: Prior of a bare generator model: "uniform" or "normal".
        noise_scale: Optional positive float, the prior's scale (see `generate_samples`).
        batch_size: Positive int, generator batch and distance-matrix rows held at once.
        verbose: Bool, print the Markdown report when done.

    Returns:
        A dict: `dataset`, `source`, `num_samples`, `seed`, `seconds`, `model` (metric name -> value),
        `reference` (same keys, or None), and for image datasets `image_range`, `classifier` (fingerprint, test
        accuracy, whether it came from the cache), `real_test_class_histogram` (the classifier's predicted
        classes of the test images), `model_seconds`, `reference_seconds` and `reference_from_cache`; plus `files`
        (the written paths) when `workdir` is given.

    Raises:
        ValueError: if the samples do not fit the dataset, pixels lie outside the accepted ranges, a size is not a
            positive int, or the generator is none of the accepted kinds.

    Example:
        >>> results = evaluate_generator(  # doctest: +SKIP
        ...     "runs/paper/gan.keras", "fashion_mnist", workdir="runs/paper")
        >>> results["model"]["parzen_log_likelihood"], results["reference"]["parzen_log_likelihood"]  # doctest: +SKIP
    """
    _check_positive_int("num_samples", num_samples)
    _check_positive_int("batch_size", batch_size)
    start = time.perf_counter()
    samples, source = generate_samples(
        generator_or_gan, num_samples, seed=seed, batch_size=batch_size, noise=noise, noise_scale=noise_scale
    )
    if not np.isfinite(samples).all():
        raise ValueError("The generator produced NaN or infinite values; the model diverged.")
    results = {"dataset": dataset, "source": source, "num_samples": int(num_samples), "seed": int(seed)}
    if dataset in MIXTURES:
        results.update(_evaluate_mixture(samples, dataset, seed, reference, batch_size))
    else:
        results.update(
            _evaluate_images(
                samples, dataset, num_samples, local_dir, data_dir, classifier, cache_dir, parzen, reference,
                image_range, batch_size,
            )
        )
    results["seconds"] = round(time.perf_counter() - start, 2)
    markdown = results_markdown(results)
    if workdir is not None:
        eval_dir = pathlib.Path(workdir) / "eval"
        json_path, md_path = eval_dir / "results.json", eval_dir / "results.md"
        results["files"] = {"json": str(json_path), "markdown": str(md_path)}
        _write_atomic_text(json_path, json.dumps(results, indent=2))
        _write_atomic_text(md_path, markdown)
    if verbose:
        print(markdown)
    return results


def _evaluate_mixture(samples, dataset, seed, reference, batch_size):
    from keras_gan.data import toy

    modes, stddev = (toy.ring_modes(), toy.RING_STDDEV) if dataset == "ring" else (toy.grid_modes(), toy.GRID_STDDEV)
    if samples.reshape(len(samples), -1).shape[1] != modes.shape[1]:
        raise ValueError(f"The {dataset} mixture is 2-D, but the samples have shape {samples.shape}.")
    samples = samples.reshape(len(samples), -1)
    n = len(samples)
    # Real points for the k-NN metrics, and independent ones standing in for a perfect model.
    real = toy.sample_mixture(n, modes, stddev, seed=seed + 1)
    out = {"model": _mixture_row(samples, modes, stddev, real, batch_size), "reference": None}
    if reference:
        out["reference"] = _mixture_row(toy.sample_mixture(n, modes, stddev, seed=seed + 2), modes, stddev, real,
                                        batch_size)
    return out


def _evaluate_images(
    samples, dataset, num_samples, local_dir, data_dir, classifier, cache_dir, parzen, reference, image_range,
    batch_size,
):
    from keras_gan import data

    def load(split):
        return data.load_arrays(dataset, split, data_dir=data_dir, local_dir=local_dir)

    # Each split is loaded once and shared by the classifier, Parzen and the reference.
    train_images, train_labels = load("train")
    test_images, test_labels = load("test")
    image_shape = train_images.shape[1:]
    samples, image_range = _to_unit_range(_fit_shape("Samples", samples, image_shape), image_range)
    parzen_data = (load("validation")[0], test_images) if parzen else None
    if classifier is None:
        classifier = classifier_lib.load_or_train_classifier(
            train_images, train_labels, name=dataset, cache_dir=cache_dir, test_data=(test_images, test_labels)
        )
    # The real side of every comparison: test images, as many as samples (equal sizes keep FD's bias equal).
    real = test_images[:num_samples]
    real_features, real_probs = classifier.predict(real, batch_size=500)
    # Test images through the same classifier, so both histograms carry its errors alike.
    real_counts = class_histogram(real_probs)
    out = {
        "image_range": image_range,
        "classifier": {
            "fingerprint": classifier.fingerprint,
            "test_accuracy": classifier.metadata.get("test_accuracy"),
            "from_cache": classifier.from_cache,
        },
        "real_test_class_histogram": real_counts.tolist(),
        "reference": None,
    }
    tic = time.perf_counter()
    out["model"] = _image_row(samples, parzen_data, classifier, real_features, real_counts, batch_size)
    out["model_seconds"] = round(time.perf_counter() - tic, 2)
    if reference:
        tic = time.perf_counter()
        reference_images = train_images[:num_samples]
        key = _fingerprint(
            dataset, _REFERENCE_VERSION, classifier.fingerprint, bool(parzen), int(num_samples),
            reference_images, test_images, None if parzen_data is None else parzen_data[0][:1000],
        )
        path = pathlib.Path(cache_dir or classifier_lib.default_cache_dir()) / "references"
        safe_name = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(dataset))
        path = path / f"{safe_name}-{key[:16]}.json"
        row = _load_cached(path, key) if classifier.fingerprint else None
        out["reference_from_cache"] = row is not None
        if row is None:
            row = _image_row(reference_images, parzen_data, classifier, real_features, real_counts, batch_size)
            if classifier.fingerprint:
                _write_atomic_text(path, json.dumps({"key": key, "row": row}))
        out["reference"] = row
        out["reference_seconds"] = round(time.perf_counter() - tic, 2)
    return out
