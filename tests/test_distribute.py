"""GAN.fit under tf.distribute trains like one device on the same global batch, with and without XLA.

Each distributed run is a separate process (logical devices and collective ops are fixed when TensorFlow starts)
running `tests/distribute_recipe.py`; every test compares it with the one-device run of the same recipe.
Tolerance: float32 summation order differs between one device and an all-reduce, so weights agree to 1e-5 after
the recipe's steps (measured: ~1e-7), and losses to a relative 1e-5.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import distribute, noise

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECIPE = os.path.join(ROOT, "tests", "distribute_recipe.py")
WEIGHT_ATOL = 1e-5
LOSS_RTOL = 1e-5
# Bounds one distributed run (start-up, tracing, XLA compilation, a few steps) on a busy 2-core machine.
RUN_TIMEOUT_S = 180


def _env(**extra):
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT, **extra)


def _result(stdout, stderr, returncode):
    assert returncode == 0, stderr[-3000:]
    line = next(line for line in stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def run_recipe(**options):
    """One process training the recipe; returns its summary (and its log lines under "log")."""
    run = subprocess.run([sys.executable, RECIPE, json.dumps(options)], env=_env(), capture_output=True, text=True,
                         timeout=RUN_TIMEOUT_S)
    return dict(_result(run.stdout, run.stderr, run.returncode), log=run.stderr)


def free_ports(count):
    """Ports on 127.0.0.1 that were free a moment ago (the OS picks them)."""
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def tf_config(ports, index):
    return json.dumps({"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                       "task": {"type": "worker", "index": index}})


def start_workers(argv, ports, **env):
    """One process per worker of a local cluster, each with its TF_CONFIG."""
    return [subprocess.Popen(argv, env=_env(TF_CONFIG=tf_config(ports, i), **env), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for i in range(len(ports))]


def finish(processes, timeout):
    """Waits for every process; kills them all if one runs past `timeout` (nothing is left running)."""
    try:
        return [p.communicate(timeout=timeout) + (p.returncode,) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.communicate()


def assert_same_training(run, reference):
    for got, want in zip(run["steps"], reference["steps"], strict=True):
        for name in want:
            np.testing.assert_allclose(got[name], want[name], rtol=LOSS_RTOL, err_msg=name)
    assert run["noise_state"] == reference["noise_state"]
    for got, want in zip(run["weights"], reference["weights"], strict=True):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=0, atol=WEIGHT_ATOL)


def max_weight_difference(a, b):
    return max(float(np.max(np.abs(np.array(x) - np.array(y)))) for x, y in zip(a["weights"], b["weights"]))


@pytest.fixture(scope="module")
def one_device():
    # XLA on one device: Keras compiles the whole step. The noise is the same with and without XLA (keras_gan.noise),
    # so every distributed run, XLA or not, is compared with this one.
    return run_recipe(strategy="default", jit_compile=True, replica_noise=8)


def test_one_device_runs_keras_whole_step_xla_and_says_so(one_device):
    assert "Keras compiles the whole train step" in one_device["log"]


# ------------------------------------------------------------------------------------------------------------------
# MirroredStrategy on two logical CPUs
# ------------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[False, True], ids=["no_xla", "xla"])
def two_logical_cpus(request):
    return run_recipe(strategy="mirrored", logical_cpus=2, jit_compile=request.param, replica_noise=8)


def test_two_logical_cpus_give_the_one_device_losses_and_weights(two_logical_cpus, one_device):
    assert two_logical_cpus["replicas"] == 2
    assert_same_training(two_logical_cpus, one_device)
    # The weights moved: the comparison is not between two untrained models.
    moved = max_weight_difference(two_logical_cpus, {"weights": two_logical_cpus["initial_weights"]})
    assert moved > 100 * WEIGHT_ATOL


def test_replicas_draw_different_noise_that_is_the_one_device_draw_split_by_rows(two_logical_cpus, one_device):
    first, second = (np.array(z) for z in two_logical_cpus["replica_noise"])
    assert first.shape == second.shape == (4, 2)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(np.concatenate([first, second]), one_device["replica_noise"][0])


def test_the_log_says_which_xla_path_runs(two_logical_cpus):
    expected = "XLA on, per replica" if two_logical_cpus["jit_compile"] else "XLA off (jit_compile=False)"
    assert f"GAN train step (MirroredStrategy, 2 replicas): {expected}" in two_logical_cpus["log"]


def test_a_checkpoint_written_under_mirrored_strategy_restores_with_it_and_on_one_device(tmp_path):
    run = run_recipe(strategy="mirrored", logical_cpus=2, steps=1, checkpoint_dir=str(tmp_path / "checkpoints"))
    assert run["restored"] == {"same_strategy": True, "one_device": True}


# WGAN-GP's interpolation weights are drawn per replica (rows of the global draw), R1 is lazy (every 2nd D update,
# counted by the all-reduced optimizer), spectral norm's power iteration and the generator EMA update every
# replica's copy of their variables from the same (mirrored) weights.
REGULARISED = {"compile": {"gradient_penalty": 1.0, "r1_penalty": 0.5, "r1_interval": 2}, "gan": {"ema_decay": 0.9},
               "spectral_norm": True}


def test_penalties_spectral_norm_and_ema_on_two_logical_cpus_with_xla_match_one_device():
    one = run_recipe(strategy="default", **REGULARISED)
    mirrored = run_recipe(strategy="mirrored", logical_cpus=2, jit_compile=True, **REGULARISED)
    assert_same_training(mirrored, one)


def test_a_conditional_gan_on_two_logical_cpus_with_xla_matches_one_device():
    # Labels travel with their examples (minibatch_major) and each replica takes its rows of the fake-label draw.
    one = run_recipe(strategy="default", conditional=True, **REGULARISED)
    mirrored = run_recipe(strategy="mirrored", logical_cpus=2, jit_compile=True, conditional=True, **REGULARISED)
    assert_same_training(mirrored, one)


# ------------------------------------------------------------------------------------------------------------------
# MultiWorkerMirroredStrategy: two worker processes on 127.0.0.1
# ------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("jit_compile", [False, True], ids=["no_xla", "xla"])
def test_two_workers_hold_the_same_weights_as_one_device(one_device, jit_compile):
    options = json.dumps({"strategy": "multi_worker", "jit_compile": jit_compile})
    workers = start_workers([sys.executable, RECIPE, options], free_ports(2))
    results = [_result(*outcome) for outcome in finish(workers, RUN_TIMEOUT_S)]
    assert [r["chief"] for r in results] == [True, False]
    assert results[0]["replicas"] == 2
    assert results[0]["weights"] == results[1]["weights"]
    assert_same_training(results[0], one_device)


# ------------------------------------------------------------------------------------------------------------------
# Choosing a strategy (in this process: no strategy is built)
# ------------------------------------------------------------------------------------------------------------------


def test_an_unknown_strategy_names_the_choices():
    with pytest.raises(ValueError, match="use one of default, mirrored, multi_worker, tpu"):
        distribute.get_strategy("mirror")


def test_multi_worker_without_tf_config_says_what_to_set(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs the TF_CONFIG environment variable"):
        distribute.get_strategy("multi_worker")


@pytest.mark.parametrize("text, message", [
    ("{cluster: 1}", "not valid JSON"),
    ('{"task": {"type": "worker", "index": 0}}', "needs a \"cluster\" and a \"task\""),
    ('{"cluster": {"ps": ["a:1"]}, "task": {"type": "ps", "index": 0}}', "names no \"worker\""),
    ('{"cluster": {"worker": ["a"]}, "task": {"type": "worker", "index": 0}}', "list of \"host:port\""),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}', "task type 'chief' is not in"),
    ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 2}}', "index 2 is not a position"),
])
def test_a_malformed_tf_config_names_the_problem_and_the_fix(text, message):
    with pytest.raises(ValueError, match=message) as error:
        distribute.check_tf_config(text)
    assert "worker" in str(error.value)


def test_xla_path_per_strategy():
    assert distribute.xla_path(False) == "off"
    assert distribute.xla_path(True) == "whole_step"
    assert distribute.xla_path(True, tf.distribute.MirroredStrategy(["/cpu:0"])) == "per_replica"
    assert distribute.xla_path(True, tf.distribute.OneDeviceStrategy("/cpu:0")) == "whole_step"


def test_minibatch_major_gives_each_replica_its_slice_of_every_minibatch():
    # k = 2 minibatches of m = 4 rows, 2 replicas: replica 0 gets rows 0, 1 of both minibatches, replica 1 rows 2, 3.
    batch = tf.data.Dataset.from_tensors(tf.range(8))
    (got,) = list(distribute.minibatch_major(batch, d_steps=2, replicas=2).as_numpy_iterator())
    assert got.tolist() == [0, 1, 4, 5, 2, 3, 6, 7]
    assert list(distribute.minibatch_major(batch, 1, 2).as_numpy_iterator())[0].tolist() == list(range(8))


def test_replica_rows_outside_a_strategy_is_the_plain_draw():
    draw = distribute.replica_rows(lambda shape: noise.sample_prior(shape, [1, 2]), (5, 3))
    np.testing.assert_array_equal(draw, noise.sample_prior((5, 3), [1, 2]))


# ------------------------------------------------------------------------------------------------------------------
# The command line
# ------------------------------------------------------------------------------------------------------------------


def test_cli_refuses_an_unknown_strategy_in_one_line(run_cli, tmp_path):
    code, _, err = run_cli("train", "--config=toy_ring", f"--workdir={tmp_path / 'run'}", "--strategy=mirror")
    assert code == 2
    assert err.strip().splitlines() == [
        "keras-gan train: error: strategy (--strategy) must be one of default, mirrored, multi_worker, tpu, got "
        "'mirror'."
    ]
    assert not (tmp_path / "run").exists()


def test_cli_refuses_a_malformed_tf_config_in_one_line(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 1}}')
    code, _, err = run_cli("train", "--config=toy_ring", f"--workdir={tmp_path / 'run'}", "--strategy=multi_worker")
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "TF_CONFIG's task index 1 is not a position in cluster['worker']" in line
    assert not (tmp_path / "run").exists()
