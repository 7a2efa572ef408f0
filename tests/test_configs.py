"""Named configs: the paper's MNIST setup as written in its code, every field documented, bad values refused."""

import dataclasses
import math

import pytest

from keras_gan import configs
from keras_gan.configs import base


@pytest.mark.parametrize("name", configs.CONFIG_NAMES)
def test_every_named_config_is_valid_and_named_after_its_file(name):
    config = configs.get_config(name)
    assert isinstance(config, configs.Config)
    assert config.name == name
    configs.validate(config)
    assert configs.Config.from_dict(config.to_dict()) == config


def test_paper_mnist_is_the_papers_setup():
    c = configs.get_config("paper_mnist")
    assert (c.dataset, c.split, c.architecture) == ("mnist", "train", "paper")
    # z: 100-d uniform on [-sqrt(3), sqrt(3)] (the GAN's default scale for "uniform").
    assert (c.latent_dim, c.noise, c.noise_scale) == (100, "uniform", None)
    assert c.output_bias_from_data
    assert (c.d_steps, c.generator_loss) == (1, "non_saturating")
    # SGD, batch 100, lr 0.1 / 1.000004^t with floor 1e-6, momentum 0.5 -> 0.7 over epochs 1..250.
    assert (c.optimizer, c.batch_size) == ("sgd", 100)
    assert (c.d_learning_rate, c.g_learning_rate, c.lr_decay_factor, c.min_learning_rate) == (0.1, 0.1, 1.000004, 1e-6)
    assert (c.initial_momentum, c.final_momentum, c.momentum_start_epoch, c.momentum_saturate_epoch) == (
        0.5, 0.7, 1, 250)


def test_paper_fashion_mnist_differs_from_paper_mnist_only_in_data():
    a, b = configs.get_config("paper_mnist"), configs.get_config("paper_fashion_mnist")
    assert dataclasses.replace(b, name=a.name, dataset=a.dataset) == a
    assert b.dataset == "fashion_mnist"


def test_every_config_field_documents_itself_and_is_a_flag():
    from keras_gan import main  # noqa: F401  (defines the flags)
    from absl import flags

    for field in dataclasses.fields(base.Config):
        assert len(field.metadata.get("help", "")) > 15, f"Config.{field.name} has no help"
        if field.name != "name":
            assert flags.FLAGS[field.name].help.startswith(field.metadata["help"]), field.name


def test_choices_come_from_the_registries():
    from keras_gan import losses, networks

    losses.register_loss("test_only_family", losses.minimax_discriminator_loss, losses.minimax_generator_loss)
    try:
        configs.validate(dataclasses.replace(configs.get_config("toy_ring"), generator_loss="test_only_family"))
    finally:
        del losses.LOSSES["test_only_family"]
    with pytest.raises(ValueError, match=r"architecture \(--architecture\) must be one of .*'dcgan'"):
        configs.validate(dataclasses.replace(configs.get_config("toy_ring"), architecture="resnet"))
    assert set(networks.ARCHITECTURES) >= {"paper", "dcgan", "mlp"}


def test_unknown_config_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown config 'papr_mnist'.*paper_mnist"):
        configs.get_config("papr_mnist")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"epochs": -1}, r"epochs \(--epochs\) must be an int >= 1"),
        ({"epochs": 0}, r"epochs \(--epochs\) must be an int >= 1"),
        ({"d_steps": 0}, r"d_steps \(--d_steps\) must be an int >= 1"),
        ({"batch_size": 0}, r"--batch_size"),
        ({"latent_dim": -3}, r"--latent_dim"),
        ({"d_learning_rate": 0.0}, r"--d_learning_rate or --learning_rate"),
        ({"g_learning_rate": math.nan}, r"--g_learning_rate"),
        ({"generator_loss": "relativistic"}, r"--generator_loss"),
        ({"verbose": 3}, r"--verbose"),
        ({"dataset": "toy_ring"}, r"takes images, but dataset .toy_ring. holds points; use --architecture=mlp"),
        ({"final_momentum": 1.0}, r"final_momentum must lie in \[0, 1\)"),
    ],
)
def test_bad_values_name_the_flag_to_fix(change, message):
    with pytest.raises(ValueError, match=message):
        configs.validate(dataclasses.replace(configs.get_config("paper_mnist"), **change))


def test_from_dict_refuses_unknown_fields():
    with pytest.raises(ValueError, match="Unknown config fields \\['learning_rat'\\]"):
        configs.Config.from_dict({"learning_rat": 0.1})
