"""Steps per second of GAN.fit: one device vs two logical CPU devices (MirroredStrategy) vs two worker processes.

Usage:
    python benchmarks/distribute.py [--steps=60] [--batch_size=128]

Every set-up trains the same MLP GAN (784-d examples, 256-256 hidden units, z of 64, k = 1, Adam) on the same global
batch, with and without XLA, each in fresh processes (logical devices and collective ops are fixed when TensorFlow
starts). The first epoch (tracing, XLA compilation) is not timed; the second, of `--steps` steps, is. Prints a
Markdown table for BENCHMARKS.md.

On a 2-core machine two replicas share the same two cores as one device does, so the rows measure the overhead of
replication (per-replica threads, the all-reduce, gRPC between workers), not a speed-up.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

CHILD = "--child"


def _child(options):
    import tensorflow as tf

    if options["logical_cpus"] > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * options["logical_cpus"])
    import keras
    import numpy as np

    import keras_gan
    from keras_gan import distribute

    strategy = distribute.get_strategy(options["strategy"])
    with strategy.scope():
        gan = keras_gan.GAN(
            keras_gan.networks.mlp_generator(64, 784, hidden_units=(256, 256), seed=0),
            keras_gan.networks.mlp_discriminator(784, hidden_units=(256, 256), seed=1), latent_dim=64, seed=0)
        gan.compile(d_optimizer=keras.optimizers.Adam(2e-4), g_optimizer=keras.optimizers.Adam(2e-4),
                    jit_compile=options["jit_compile"])
    steps, batch = options["steps"], options["batch_size"]
    data = np.random.default_rng(0).normal(size=(steps * batch, 784)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(batch, drop_remainder=True).repeat()
    times = []

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            times.append(time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            times[-1] = time.perf_counter() - times[-1]

    gan.fit(dataset, epochs=2, steps_per_epoch=steps, verbose=0, callbacks=[EpochTimes()])
    print("RESULT " + json.dumps({"steps_per_s": steps / times[1], "first_epoch_s": times[0],
                                  "replicas": strategy.num_replicas_in_sync}), flush=True)


def _result(stdout, stderr, code):
    if code:
        raise RuntimeError(stderr[-3000:])
    return json.loads(next(line for line in stdout.splitlines() if line.startswith("RESULT "))[7:])


def _run(options, workers=1):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    argv = [sys.executable, os.path.abspath(__file__), CHILD, json.dumps(options)]
    if workers == 1:
        run = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
        return _result(run.stdout, run.stderr, run.returncode)
    sockets = [socket.socket() for _ in range(workers)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    processes = []
    for i in range(workers):
        tf_config = {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]}, "task": {"type": "worker", "index": i}}
        processes.append(subprocess.Popen(argv, env=dict(env, TF_CONFIG=json.dumps(tf_config)),
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        return [_result(*p.communicate(timeout=600), p.returncode) for p in processes][0]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == CHILD:
        return _child(json.loads(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch_size", type=int, default=128)
    args = parser.parse_args()
    setups = [("one device", {"strategy": "default", "logical_cpus": 1}, 1),
              ("2 logical CPUs, MirroredStrategy", {"strategy": "mirrored", "logical_cpus": 2}, 1),
              ("2 workers on 127.0.0.1, MultiWorkerMirroredStrategy", {"strategy": "multi_worker", "logical_cpus": 1}, 2)]
    rows = {}
    for name, options, workers in setups:
        for jit in (False, True):
            result = _run(dict(options, jit_compile=jit, steps=args.steps, batch_size=args.batch_size), workers)
            rows[(name, jit)] = result
            print(f"{name}, jit_compile={jit}: {result['steps_per_s']:.1f} steps/s "
                  f"(first epoch {result['first_epoch_s']:.1f} s)", file=sys.stderr, flush=True)
    print(f"\n| set-up (global batch {args.batch_size}) | steps/s, no XLA | steps/s, XLA | XLA / no XLA |")
    print("|---|---|---|---|")
    for name, _, _ in setups:
        off, on = rows[(name, False)]["steps_per_s"], rows[(name, True)]["steps_per_s"]
        print(f"| {name} | {off:.1f} | {on:.1f} | {on / off:.2f} |")


if __name__ == "__main__":
    main()
