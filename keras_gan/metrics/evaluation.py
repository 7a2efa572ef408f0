"""Offline evaluation of a generator: `evaluate`, the one function every caller uses, and its reports.

`evaluate(source, dataset)` samples a GAN, a generator model, a saved `.keras` file or an array of samples, scores
the samples with the dataset's `Evaluator` (the Parzen protocol and feature metrics for images, mode coverage for
the 2-D mixtures, moments for the 1-D Gaussian) and, beside them, real data scored the same way (the reference
row). `keras-gan evaluate`, `EvaluationCallback` and `train_and_evaluate` all call it; `evaluate_generator` adds the
files `eval/results.json` and `eval/results.md`. Samples come from the model's own prior sampler, so
`evaluate(gan, seed=s)`, `gan.generate(seed=s)` and the exported `sample(n, seed=s)` score the same images.

A class-conditional model (a `ConditionalGAN`, or a bare generator of `[z, labels]`) is sampled with a class-balanced
request, `keras_gan.conditional.mix_labels` (sample i is class i % C, as `gen.generate(n)` draws it), so its
unconditional metrics score a balanced mix; the same samples, with their requested labels, add the conditional
metrics (conditional accuracy, class shares, per-class and intra Fréchet distance; `Evaluator.conditional_row`).
"""

import hashlib
import json
import os
import pathlib
import time

import keras
import numpy as np

from keras_gan import files, noise as noise_lib, progress
from keras_gan.checks import check_positive_int
from keras_gan.conditional import ConditionalGAN, mix_labels
from keras_gan.metrics import classifier as classifier_lib
from keras_gan.metrics.evaluator import Evaluator

__all__ = ["evaluate", "evaluate_generator", "generate_samples", "results_markdown"]

# Bump when a change here changes the reference numbers: cached references are then recomputed. (A conditional
# model's reference row is keyed by its labels and classes too, so adding it left the unconditional rows valid.)
_REFERENCE_VERSION = 2

# (key, label, which direction is better) in table order.
_IMAGE_METRICS = (
    ("parzen_log_likelihood", "Parzen log-likelihood (nats)", "higher"),
    ("classifier_score", "Classifier score", "higher"),
    ("frechet_distance", "Fréchet distance (features)", "lower"),
    ("precision", "Precision (k=3)", "higher"),
    ("recall", "Recall (k=3)", "higher"),
    ("density", "Density (k=5)", "about 1"),
    ("coverage", "Coverage (k=5)", "higher"),
    ("class_histogram_tv", "Class histogram TV distance to test", "lower"),
    ("max_class_share", "Largest class share", "about 1/classes"),
    ("min_class_share", "Smallest class share", "about 1/classes"),
    ("conditional_accuracy", "Conditional accuracy (classified as requested)", "higher"),
    ("intra_frechet_distance", "Intra-class Fréchet distance (mean of per-class)", "lower"),
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
_MOMENT_METRICS = (
    ("sample_mean", "Sample mean", "data mean"),
    ("sample_stddev", "Sample standard deviation", "data stddev"),
)


def generate_samples(source, num_samples, *, seed=0, batch_size=1000, noise="uniform", noise_scale=None,
                     num_classes=None):
    """Draws `num_samples` samples from a GAN, a generator model, a saved `.keras` file, or an array of samples.

    Noise comes from `keras_gan.noise.sample_prior` with the seed `[seed, 0]`, exactly as `GAN.generate(seed=seed)`
    and an exported `sample(n, seed)` draw it, so all three give the same samples. A class-conditional model draws
    the class-balanced mix `mix_labels(num_samples, C)`: sample i is of class i % C.

    Args:
        source: A `keras_gan.GAN` or `ConditionalGAN`; a Keras model mapping [n, latent_dim] noise (or
            `[z, labels int32 [n]]`, a conditional generator) to samples, its prior given by `noise`/`noise_scale`;
            a path to a `.keras` file holding any of these; or an array [N >= num_samples, ...] of samples, of
            which the first `num_samples` are taken.
        num_samples: Positive int.
        seed: Int, seeds the noise.
        batch_size: Positive int, samples per forward pass.
        noise: "uniform" (U[-s, s]) or "normal" (N(0, s²)), the prior of a bare generator model.
        noise_scale: Positive float s; default sqrt(3) for "uniform" (the paper's prior) and 1 for "normal".
        num_classes: Int C, required for a bare conditional generator only (a ConditionalGAN knows its own).

    Returns:
        (samples, description): a float32 np.ndarray [num_samples, ...] and a short string naming the source.

    Raises:
        ValueError: if the path does not exist or is not `.keras`, an array holds fewer than `num_samples`
            samples, the prior is unknown, a conditional generator comes without `num_classes`, or the object is
            none of the accepted kinds.

    Example:
        >>> samples, _ = generate_samples(np.zeros((20, 784)), 10)
        >>> samples.shape
        (10, 784)
    """
    samples, description, _, _ = _draw(source, num_samples, seed, batch_size, noise, noise_scale, num_classes)
    return samples, description


def _draw(source, num_samples, seed, batch_size, noise, noise_scale, num_classes):
    """`generate_samples`, also returning the requested labels and C of a conditional model (else None, None)."""
    check_positive_int("num_samples", num_samples)
    check_positive_int("batch_size", batch_size)
    description = type(source).__name__
    if isinstance(source, (str, os.PathLike)):
        path = pathlib.Path(source)
        if path.suffix != ".keras" or not path.is_file():
            raise ValueError(
                f"{str(path)!r} is not a saved model: pass an existing .keras file (gan.save('gan.keras') or "
                "generator.save('generator.keras')), a GAN, a generator model, or an array of samples."
            )
        source = keras.models.load_model(path, compile=False)
        description = f"{path} ({type(source).__name__})"
    if isinstance(source, np.ndarray) or (hasattr(source, "__array__") and not isinstance(source, keras.layers.Layer)):
        samples = np.asarray(source)
        if samples.ndim < 2 or len(samples) < num_samples:
            raise ValueError(
                f"An array of samples must be [N, ...] with N >= num_samples={num_samples}, got shape "
                f"{samples.shape}. Pass more samples or a smaller num_samples."
            )
        return np.asarray(samples[:num_samples], np.float32), f"array of {len(samples)} samples", None, None
    if isinstance(source, ConditionalGAN):
        # generate() without labels draws the balanced mix; labels_for(n) names the labels it used.
        samples = source.generate(int(num_samples), seed=seed, batch_size=int(batch_size))
        return np.asarray(samples, np.float32), description, source.labels_for(int(num_samples)), source.num_classes
    if hasattr(source, "generate") and hasattr(source, "latent_dim"):
        samples = source.generate(int(num_samples), seed=seed, batch_size=int(batch_size))
        return np.asarray(samples, np.float32), description, None, None
    if isinstance(source, keras.Model):
        # A generator of [z, labels] (as keras_gan.networks.conditional_generator builds) is conditional.
        conditional = len(getattr(source, "inputs", None) or ()) == 2
        if conditional and num_classes is None:
            raise ValueError("The generator takes two inputs, [z, labels], as a class-conditional generator does, "
                             "but no number of classes is known: pass num_classes (evaluate takes the labelled "
                             "dataset's), or evaluate the ConditionalGAN.")
        width = int((source.inputs[0].shape if conditional else source.input_shape)[-1])
        z = noise_lib.sample_prior((int(num_samples), width), [int(seed), 0], noise, noise_scale)
        labels = mix_labels(int(num_samples), int(num_classes)).numpy() if conditional else None
        samples = source.predict([z, labels] if conditional else z, batch_size=int(batch_size), verbose=0)
        return np.asarray(samples, np.float32), description, labels, int(num_classes) if conditional else None
    raise ValueError(
        f"Cannot sample from a {type(source).__name__}: pass a keras_gan.GAN, a generator keras.Model, a path to a "
        ".keras file, or an array of samples."
    )


def _fingerprint(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.tobytes() if isinstance(part, np.ndarray) else json.dumps(part, sort_keys=True).encode())
    return digest.hexdigest()


def _score_reference(evaluator, parzen, batch_size, num_classes):
    """Real train images scored as samples; for a conditional model also as requested with their true labels."""
    labels = evaluator.reference_labels if num_classes else None
    row = evaluator.score(evaluator.reference_examples, parzen=parzen, batch_size=batch_size, image_range="sigmoid",
                          labels=labels, num_classes=num_classes)
    if labels is not None:
        # The classifier learnt the train images; its accuracy on unseen test images is the fair ceiling.
        row.update(evaluator.real_accuracy(num_classes) or {})
    return row


def _reference_row(evaluator, parzen, cache_dir, batch_size, num_classes=None):
    """The real-data row, cached for image datasets by a fingerprint of the data, classifier and settings."""
    examples = evaluator.reference_examples
    if evaluator.spec.kind != "images" or evaluator.classifier is None or not evaluator.classifier.fingerprint:
        return _score_reference(evaluator, parzen, batch_size, num_classes), False
    conditional = () if not num_classes else ("conditional", int(num_classes), evaluator.reference_labels,
                                              evaluator.real_labels)
    key = _fingerprint(
        evaluator.spec.name, _REFERENCE_VERSION, evaluator.classifier.fingerprint, bool(parzen), examples,
        np.asarray(evaluator.real), *(() if evaluator.parzen_data is None else
                                      (evaluator.parzen_data[0][:1000], evaluator.parzen_data[1])), *conditional,
    )
    safe_name = "".join(c if c.isalnum() or c in "-_" else "_" for c in evaluator.spec.name)
    path = pathlib.Path(cache_dir or classifier_lib.default_cache_dir()) / "references" / f"{safe_name}-{key[:16]}.json"
    try:
        cached = json.loads(path.read_text())
        if cached.get("key") == key:
            return cached["row"], True
    except (OSError, ValueError):
        pass
    row = _score_reference(evaluator, parzen, batch_size, num_classes)
    files.atomic_write(path, json.dumps({"key": key, "row": row}))
    return row, False


def evaluate(source, dataset="fashion_mnist", num_samples=10_000, *, seed=0, parzen=True, reference=True,
             image_range="auto", noise="uniform", noise_scale=None, batch_size=1000, data_dir=None, local_dir=None,
             classifier=None, cache_dir=None):
    """Evaluates a generator offline: the one evaluation function of the package.

    Args:
        source: What to sample (see `generate_samples`): a GAN, a generator model, a `.keras` path, or samples.
        dataset: A dataset name (see `keras_gan.data.get_dataset`), or an `Evaluator` prepared once (what
            `EvaluationCallback` passes, so its real-data side is loaded one time only).
        num_samples: Positive int, samples to draw (the paper: 10,000).
        seed: Int, seeds the noise (and the toy datasets' real points).
        parzen: Bool, run the paper's Parzen protocol on image datasets.
        reference: Bool, also score real data the same way (the reference row).
        image_range: "auto", "sigmoid" ([0, 1] outputs) or "tanh" ([-1, 1], mapped to [0, 1]).
        noise: The prior of a bare generator model: "uniform" or "normal".
        noise_scale: Optional positive float, that prior's scale.
        batch_size: Positive int, generator batch and distance-matrix rows held at once.
        data_dir: Optional TFDS data folder.
        local_dir: Optional folder of IDX files.
        classifier: Optional `keras_gan.metrics.Classifier` (default: the cached one of a labelled dataset).
        cache_dir: Optional cache folder for classifiers and reference rows.

    Returns:
        Dict: `dataset`, `evaluation` ("images", "mixture" or "moments"), `source`, `num_samples`, `seed`,
        `model` (metric -> value), `reference` (same keys, or None), `seconds`; image datasets add `classifier`
        (fingerprint, test accuracy, from cache; None without labels) and `real_test_class_histogram`. A
        conditional model adds `num_classes`, and its row the keys of `Evaluator.conditional_row`
        (`conditional_accuracy`, `per_class_accuracy`, `class_shares`, `min_class_share`,
        `intra_frechet_distance`, `per_class_frechet_distance`); the reference row has them for real train images
        requested as their true classes, except the accuracies: the classifier's on the real test images.

    Raises:
        ValueError: if the samples do not fit the dataset, hold NaN/inf or lie outside the image range, a size is
            not a positive int, or the dataset cannot be loaded.

    Example:
        >>> evaluate(gan, "toy_ring", num_samples=2500)["model"]["modes_covered"]  # doctest: +SKIP
        8
    """
    check_positive_int("num_samples", num_samples)
    check_positive_int("batch_size", batch_size)
    start = time.perf_counter()
    evaluator = dataset if isinstance(dataset, Evaluator) else Evaluator.for_dataset(
        dataset, num_samples=num_samples, seed=seed, data_dir=data_dir, local_dir=local_dir, classifier=classifier,
        cache_dir=cache_dir, parzen=parzen, image_range=image_range)
    with progress.phase(f"Sampling {num_samples} examples"):
        samples, description, labels, num_classes = _draw(source, num_samples, seed, batch_size, noise, noise_scale,
                                                           evaluator.num_classes)
    spec = evaluator.spec
    results = {"dataset": spec.name, "evaluation": spec.evaluation, "source": description,
               "num_samples": int(num_samples), "seed": int(seed)}
    if num_classes:
        results["num_classes"] = num_classes
    tic = time.perf_counter()
    with progress.phase(f"Scoring the samples ({spec.evaluation} metrics)"):
        results["model"] = evaluator.score(samples, parzen=parzen, batch_size=batch_size, labels=labels,
                                           num_classes=num_classes)
    results["model_seconds"] = round(time.perf_counter() - tic, 2)
    results["reference"] = None
    if reference and evaluator.reference_examples is not None:
        tic = time.perf_counter()
        with progress.phase("Scoring real data the same way (the reference row)"):
            results["reference"], results["reference_from_cache"] = _reference_row(evaluator, parzen, cache_dir,
                                                                                    batch_size, num_classes)
        results["reference_seconds"] = round(time.perf_counter() - tic, 2)
    if spec.kind == "images":
        clf = evaluator.classifier
        results["image_range"] = results["model"]["image_range"]
        results["classifier"] = None if clf is None else {
            "fingerprint": clf.fingerprint, "test_accuracy": clf.metadata.get("test_accuracy"),
            "from_cache": clf.from_cache}
        results["real_test_class_histogram"] = evaluator.real_class_histogram()
    results["seconds"] = round(time.perf_counter() - start, 2)
    return results


def _format(value, stderr=None):
    if value is None:
        return "—"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if stderr is not None:
        return f"{value:.1f} ± {stderr:.1f}"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.1f}"


def results_markdown(results):
    """Renders `evaluate_generator`'s results as a Markdown report (metrics table, then the per-class table).

    For a conditional model the per-class table adds each class's accuracy and Fréchet distance, the model's and
    the real data's.

    Args:
        results: The dict returned by `evaluate_generator`.

    Returns:
        A Markdown string.

    Example:
        >>> text = results_markdown(evaluate_generator(samples, "ring", num_samples=1000))  # doctest: +SKIP
    """
    model, reference = results["model"], results.get("reference")
    mixture = results["evaluation"] != "images"
    lines = [
        f"# Evaluation: {results['dataset']}",
        "",
        f"- Model: {results['source']}",
        f"- Samples: {results['num_samples']} (seed {results['seed']})"
        + ("" if mixture else f"; pixels mapped from {results['image_range']} range")
        + (f"; a class-balanced request over {results['num_classes']} classes (sample i asks for class i % "
           f"{results['num_classes']})" if results.get("num_classes") else ""),
    ]
    clf = results.get("classifier")
    if clf:
        accuracy = clf.get("test_accuracy")
        lines.append(
            f"- Classifier: {clf['fingerprint'][:16]} ("
            + (f"test accuracy {accuracy:.4f}" if accuracy is not None else "test accuracy not recorded")
            + ")"
        )
    if not mixture:
        lines.append(
            "- Real-data reference: real train images scored exactly as the samples are (a memorising model's "
            "figures)." + ("" if clf else " No labels: features are the pixels.")
            + (" For the conditional figures the train images are requested as their true classes; the reference "
               "accuracy is the classifier's on the real test images." if results.get("num_classes") else "")
        )
    timing = f"- Seconds: {results['seconds']:.1f} in all"
    if "model_seconds" in results:
        timing += f"; model row {results['model_seconds']:.1f}"
    if results.get("reference_seconds") is not None:
        cached = " (cached)" if results.get("reference_from_cache") else ""
        timing += f"; reference row {results['reference_seconds']:.1f}{cached}"
    lines.append(timing)
    lines += ["", "| Metric | Better | Model | Real data (train vs test) |", "| --- | --- | --- | --- |"]
    table = {"images": _IMAGE_METRICS, "mixture": _MIXTURE_METRICS, "moments": _MOMENT_METRICS}
    for key, label, better in table[results["evaluation"]]:
        if key not in model:
            continue
        if key == "parzen_log_likelihood":
            cells = [_format(row[key], row["parzen_stderr"]) + f" (σ={row['parzen_sigma']:.3f})" if row else "—"
                     for row in (model, reference)]
        elif key == "modes_covered":
            cells = [f"{row[key]} / {row['num_modes']}" if row else "—" for row in (model, reference)]
        else:
            # .get: a reference row without labels has no conditional figures.
            cells = [_format(row.get(key)) if row else "—" for row in (model, reference)]
        lines.append(f"| {label} | {better} | {cells[0]} | {cells[1]} |")
    if results.get("real_test_class_histogram"):
        lines += [""] + _class_table(model, reference or {}, results["real_test_class_histogram"])
    return "\n".join(lines) + "\n"


def _class_table(model, reference, test_counts):
    """Per class: samples classified as it, real test images; a conditional model adds accuracies and FDs."""
    conditional = "per_class_accuracy" in model
    columns = [("Model samples" + (" (classified as)" if conditional else ""), model["class_histogram"]),
               ("Real test", test_counts)]
    if conditional:
        columns += [("Model accuracy", model["per_class_accuracy"]),
                    ("Real test accuracy", reference.get("per_class_accuracy")),
                    ("Model Fréchet distance", model["per_class_frechet_distance"]),
                    ("Real Fréchet distance (train vs test)", reference.get("per_class_frechet_distance"))]
    num_rows = max(len(values) for _, values in columns if values)
    lines = ["| Class | " + " | ".join(name for name, _ in columns) + " |", "| --- " * (len(columns) + 1) + "|"]
    for i in range(num_rows):
        cells = [_format(values[i]) if values and i < len(values) else "—" for _, values in columns]
        lines.append(f"| {i} | " + " | ".join(cells) + " |")
    return lines


def evaluate_generator(source, dataset="fashion_mnist", num_samples=10_000, workdir=None, *, verbose=True,
                       **kwargs):
    """`evaluate`, then writes `workdir/eval/results.json` and `results.md` (the `keras-gan evaluate` command).

    Args:
        source: What to sample (see `generate_samples`).
        dataset: A dataset name or an `Evaluator`.
        num_samples: Positive int.
        workdir: Optional folder for `eval/results.{json,md}`; None writes nothing.
        verbose: Bool, print the Markdown report.
        **kwargs: Passed to `evaluate` (seed, parzen, reference, image_range, data_dir, local_dir, ...).

    Returns:
        The results dict of `evaluate`, plus `files` (the written paths) when `workdir` is given.

    Raises:
        ValueError: as `evaluate`.
        OSError: if the report cannot be written (a full or read-only disk); earlier reports stay intact.

    Example:
        >>> results = evaluate_generator("runs/paper/gan.keras", "fashion_mnist", workdir="runs/paper")  # doctest: +SKIP
    """
    results = evaluate(source, dataset, num_samples, **kwargs)
    markdown = results_markdown(results)
    if workdir is not None:
        eval_dir = pathlib.Path(workdir) / "eval"
        json_path, md_path = eval_dir / "results.json", eval_dir / "results.md"
        results["files"] = {"json": str(json_path), "markdown": str(md_path)}
        files.atomic_write(json_path, json.dumps(results, indent=2))
        files.atomic_write(md_path, markdown)
    if verbose:
        print(markdown)
    return results
