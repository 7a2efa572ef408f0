"""A straightforward PyTorch (eager, CPU) implementation of keras_gan's networks and GAN step, for benchmarks.

The reference `benchmarks/gan_step.py` measures keras_gan against. It is what a careful PyTorch user writes, not a
strawman: the generator's forward pass in the discriminator update runs under `torch.no_grad()`, the
discriminator's parameters are frozen (`requires_grad_(False)`) during the generator update so no D weight
gradients are computed there, gradients are reset with `set_to_none=True`, and the optimizers use PyTorch's
default foreach kernels. It is eager: no `torch.compile` (the issue asks for the straightforward implementation).

The mathematics is keras_gan's: Algorithm 1 of Goodfellow et al. (2014) with k discriminator updates (each on its
own minibatch of m real examples and m fresh noise vectors), then one generator update on m fresh noise vectors,
the losses in softplus form from logits, the non-saturating generator loss, z ~ U[-sqrt(3), sqrt(3)]. The modern
recipe (`dcgan_modern_fashion_mnist`) adds the hinge loss (`loss="hinge"`), spectral norm on every layer of D
(`torch.nn.utils.parametrizations.spectral_norm`: one power iteration per training forward, as
`keras.layers.SpectralNormalization`) and an exponential moving average of G's weights after every generator update
(`ema_decay`: one `torch._foreach_lerp_` over the parameters, batch-norm buffers copied, as keras_gan's
`ema_generator`).

Networks (the same layer sizes, initialisations and dropout as `keras_gan.networks`):
    paper_generator()      z(100) -> 1200 ReLU -> 1200 ReLU -> 784 sigmoid
    paper_discriminator()  dropout 0.2 -> maxout 240x5 -> dropout 0.5 -> maxout 240x5 -> dropout 0.5 -> 1 logit
    dcgan_generator()      z -> dense (7, 7, 2f) BN ReLU -> convT f BN ReLU -> convT 1 sigmoid (NCHW, f = 32)
    dcgan_discriminator()  conv f LReLU(0.2) -> conv 2f LReLU(0.2) -> 1 logit (spectral_norm=True: on all three)

Example:
    >>> g, d = paper_generator(), paper_discriminator()
    >>> step = GANStep(g, d, torch.optim.SGD(d.parameters(), 0.1, momentum=0.5),
    ...                torch.optim.SGD(g.parameters(), 0.1, momentum=0.5))
    >>> d_loss, g_loss = step(torch.rand(100, 784))
"""

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn


class Maxout(nn.Module):
    """y_j = max_p (x W + b)[j, p]: one Linear(in, units * pieces), the pieces of a unit adjacent (as keras_gan)."""

    def __init__(self, in_features, units, pieces):
        super().__init__()
        self.linear = nn.Linear(in_features, units * pieces)
        self.units, self.pieces = units, pieces

    def forward(self, x):
        return self.linear(x).view(-1, self.units, self.pieces).amax(dim=-1)


def _uniform_init(module, scale):
    for p in module.parameters():
        if p.dim() > 1:
            nn.init.uniform_(p, -scale, scale)
        else:
            nn.init.zeros_(p)
    return module


def paper_generator(latent_dim=100, output_dim=784, hidden_units=(1200, 1200), init_scale=0.05):
    """The paper's MNIST generator (keras_gan.networks.paper_generator)."""
    layers, width = [], latent_dim
    for units in hidden_units:
        layers += [nn.Linear(width, units), nn.ReLU()]
        width = units
    layers += [nn.Linear(width, output_dim), nn.Sigmoid()]
    return _uniform_init(nn.Sequential(*layers), init_scale)


def paper_discriminator(input_dim=784, units=240, pieces=5, hidden_layers=2, init_scale=0.005, input_keep=0.8,
                        hidden_keep=0.5):
    """The paper's maxout discriminator with dropout on each layer's input (keras_gan.networks.paper_discriminator)."""
    layers, width, keep = [], input_dim, input_keep
    for _ in range(hidden_layers):
        layers += [nn.Dropout(1 - keep), Maxout(width, units, pieces)]
        width, keep = units, hidden_keep
    layers += [nn.Dropout(1 - keep), nn.Linear(width, 1)]
    return _uniform_init(nn.Sequential(*layers), init_scale)


def _normal_init(module):
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


def dcgan_generator(latent_dim=100, image_shape=(1, 28, 28), base_filters=32):
    """keras_gan.networks.dcgan_generator in NCHW; BN momentum/epsilon as Keras's (0.99 ↔ torch 0.01, 1e-3)."""
    channels, height, width = image_shape
    f = base_filters
    return _normal_init(nn.Sequential(
        nn.Linear(latent_dim, (height // 4) * (width // 4) * 2 * f, bias=False),
        nn.BatchNorm1d((height // 4) * (width // 4) * 2 * f, eps=1e-3, momentum=0.01),
        nn.ReLU(),
        nn.Unflatten(1, (2 * f, height // 4, width // 4)),
        nn.ConvTranspose2d(2 * f, f, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(f, eps=1e-3, momentum=0.01),
        nn.ReLU(),
        nn.ConvTranspose2d(f, channels, 4, stride=2, padding=1),
        nn.Sigmoid(),
    ))


def dcgan_discriminator(image_shape=(1, 28, 28), base_filters=32, spectral_norm=False):
    """keras_gan.networks.dcgan_discriminator in NCHW; spectral_norm=True wraps both convs and the logit layer."""
    channels, height, width = image_shape
    f = base_filters
    layers = [
        nn.Conv2d(channels, f, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(f, 2 * f, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(2 * f * (height // 4) * (width // 4), 1),
    ]
    _normal_init(nn.Sequential(*layers))
    if spectral_norm:
        # After the initialisation: the parametrization keeps the raw weight as `parametrizations.weight.original`.
        layers = [nn.utils.parametrizations.spectral_norm(layer) if isinstance(layer, (nn.Conv2d, nn.Linear))
                  else layer for layer in layers]
    return nn.Sequential(*layers)


def _softplus_pair():
    return (lambda real, fake: F.softplus(-real).mean() + F.softplus(fake).mean(),
            lambda fake: F.softplus(-fake).mean())


def _hinge_pair():
    return (lambda real, fake: F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean(),
            lambda fake: -fake.mean())


# (discriminator loss, generator loss) from logits, as keras_gan.losses.
LOSSES = {"non_saturating": _softplus_pair(), "hinge": _hinge_pair()}


class GANStep:
    """One iteration of Algorithm 1 in eager PyTorch: k discriminator updates, then one generator update.

    Args:
        generator: nn.Module mapping [m, latent_dim] to examples.
        discriminator: nn.Module mapping examples to logits [m, 1].
        d_optimizer: torch optimizer over the discriminator's parameters.
        g_optimizer: torch optimizer over the generator's parameters.
        latent_dim: Size of z.
        d_steps: k, discriminator updates per generator update.
        noise_scale: z ~ U[-s, s]; sqrt(3) (unit variance) as keras_gan's default.
        loss: A key of `LOSSES`: "non_saturating" (softplus forms) or "hinge".
        ema_decay: Optional float β: keep `ema_generator`, θ̄ ← β·θ̄ + (1 - β)·θ after every generator update
            (floating buffers, i.e. batch-norm statistics, copied). None: no average.

    Calling it with a batch of k·m real examples returns (last d_loss, g_loss) as tensors (no host sync).
    """

    def __init__(self, generator, discriminator, d_optimizer, g_optimizer, latent_dim=100, d_steps=1,
                 noise_scale=math.sqrt(3.0), loss="non_saturating", ema_decay=None):
        self.generator, self.discriminator = generator.train(), discriminator.train()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.latent_dim, self.d_steps, self.noise_scale = latent_dim, d_steps, noise_scale
        self.d_loss_fn, self.g_loss_fn = LOSSES[loss]
        self._d_params = list(discriminator.parameters())
        self.ema_decay, self.ema_generator = ema_decay, None
        if ema_decay is not None:
            self.ema_generator = copy.deepcopy(generator).eval().requires_grad_(False)
            self._g_params = list(generator.parameters())
            self._ema_params = list(self.ema_generator.parameters())
            self._g_buffers = [b for b in generator.buffers() if b.is_floating_point()]
            self._ema_buffers = [b for b in self.ema_generator.buffers() if b.is_floating_point()]

    def _noise(self, m):
        return (torch.rand(m, self.latent_dim) * 2.0 - 1.0) * self.noise_scale

    def __call__(self, real):
        m = real.shape[0] // self.d_steps
        # k discriminator updates, each on its own minibatch and fresh noise; G's forward needs no graph here.
        for i in range(self.d_steps):
            with torch.no_grad():
                fake = self.generator(self._noise(m))
            d_loss = self.d_loss_fn(self.discriminator(real[i * m:(i + 1) * m]), self.discriminator(fake))
            self.d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            self.d_optimizer.step()
        # One generator update; D frozen so its weight gradients are not computed.
        for p in self._d_params:
            p.requires_grad_(False)
        g_loss = self.g_loss_fn(self.discriminator(self.generator(self._noise(m))))
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()
        for p in self._d_params:
            p.requires_grad_(True)
        if self.ema_generator is not None:
            # θ̄ + (1 - β)(θ - θ̄) = β·θ̄ + (1 - β)·θ, one foreach kernel per list; BN statistics copied.
            with torch.no_grad():
                torch._foreach_lerp_(self._ema_params, self._g_params, 1.0 - self.ema_decay)
                torch._foreach_copy_(self._ema_buffers, self._g_buffers)
        return d_loss.detach(), g_loss.detach()
