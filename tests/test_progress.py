"""Long work logs its phases with their times on the package's logger; the command line shows them and keeps
TensorFlow's start-up lines and other libraries' INFO chatter out."""

import logging
import os
import subprocess
import sys

from keras_gan import progress

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_phase_logs_its_start_and_its_time(caplog):
    caplog.set_level(logging.INFO, logger="keras_gan")
    with progress.phase("Counting sheep"):
        pass
    messages = [r.getMessage() for r in caplog.records if r.name == "keras_gan"]
    assert messages[0] == "Counting sheep ..." and messages[1].startswith("Counting sheep: done in ")


def test_the_command_line_shows_progress_but_not_tensorflows_start_up(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_GAN_TF_LOGS")}
    env["PYTHONPATH"] = REPO
    run = subprocess.run(
        [sys.executable, "-m", "keras_gan", "train", "--config=toy_ring", f"--workdir={tmp_path}", "--epochs=1",
         "--num_examples=1000", "--verbose=0", "--nojit_compile"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Training toy_ring: epochs 1..1" in run.stderr and "Scoring the samples" in run.stderr
    for noise in ("cuda", "cpu_feature_guard", "absl::InitializeLog", "reader.py"):
        assert noise not in run.stderr, noise
