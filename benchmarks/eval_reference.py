"""Real-data reference numbers for keras_gan's offline evaluation, and the time the full protocol takes.

Trains (first run) or loads (later runs) the package's Fashion-MNIST classifier, then runs
`keras_gan.metrics.evaluate_generator` on an untrained paper generator: its "reference" row is the real-data
reference (10,000 real train images scored exactly as generator samples are, against the test split), and its
"model" row shows how far an untrained generator is from it.

    python benchmarks/eval_reference.py                         # Fashion-MNIST, 10,000 samples
    python benchmarks/eval_reference.py --workdir runs/eval_ref --cache_dir /tmp/kg_cache

The paper's Parzen protocol with 10,000 real train images should give 356.8 ± 1.9 nats at sigma = 0.167 on
Fashion-MNIST; the classifier should reach >= 90 % test accuracy.
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras_gan  # noqa: E402
from keras_gan import metrics  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--num_samples", type=int, default=10_000)
    parser.add_argument("--workdir", default="runs/eval_reference", help="results go to WORKDIR/eval/")
    parser.add_argument("--cache_dir", default=None, help="default: $KERAS_GAN_CACHE or ~/.cache/keras_gan")
    parser.add_argument("--local_dir", default=None, help="folder of IDX files (e.g. for mnist)")
    parser.add_argument("--data_dir", default=None, help="TFDS data_dir")
    args = parser.parse_args()

    start = time.perf_counter()
    classifier = metrics.dataset_classifier(
        args.dataset, cache_dir=args.cache_dir, data_dir=args.data_dir, local_dir=args.local_dir, verbose=2
    )
    classifier_seconds = time.perf_counter() - start
    print(
        f"classifier {classifier.fingerprint[:16]}: test accuracy {classifier.metadata.get('test_accuracy'):.4f}, "
        f"{'loaded from cache' if classifier.from_cache else 'trained'} in {classifier_seconds:.0f} s "
        f"(training took {classifier.metadata.get('train_seconds')} s), file {classifier.path}"
    )

    image_shape = keras_gan.data.load_arrays(args.dataset, "test", data_dir=args.data_dir,
                                             local_dir=args.local_dir)[0].shape[1:]
    size = 1
    for dim in image_shape:
        size *= dim
    generator = keras_gan.networks.paper_generator(latent_dim=100, output_shape=(size,), seed=0)
    start = time.perf_counter()
    results = metrics.evaluate_generator(
        generator,
        args.dataset,
        num_samples=args.num_samples,
        workdir=args.workdir,
        local_dir=args.local_dir,
        data_dir=args.data_dir,
        classifier=classifier,
        cache_dir=args.cache_dir,
        verbose=True,
    )
    print(f"evaluate_generator: {time.perf_counter() - start:.1f} s for {args.num_samples} samples")
    reference = {k: v for k, v in results["reference"].items() if k != "parzen_validation_means"}
    print("reference row:", json.dumps(reference, indent=1))
    print("written:", results["files"])


if __name__ == "__main__":
    main()
