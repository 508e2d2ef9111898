"""The networks compared in the experiments. Each takes (batch, 1, 28, 28) floats in [0, 1]
and returns logits over its targets (5 groups or 10 classes)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

# Fashion-MNIST training-set pixel mean and std on [0, 1]; normalising inside the network
# keeps the serving contract simple ([0, 1] in) and travels with the exported graph.
PIXEL_MEAN = 0.2860
PIXEL_STD = 0.3530


class Normalize(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - PIXEL_MEAN) / PIXEL_STD


def linear(outputs: int, width: int) -> nn.Module:
    """Multinomial logistic regression on the raw pixels: the baseline."""
    return nn.Sequential(Normalize(), nn.Flatten(), nn.Linear(28 * 28, outputs))


def mlp(outputs: int, width: int) -> nn.Module:
    return nn.Sequential(
        Normalize(),
        nn.Flatten(),
        nn.Linear(28 * 28, width),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(width, width // 2),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(width // 2, outputs),
    )


def _conv_block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


def cnn(outputs: int, width: int) -> nn.Module:
    """Two VGG-style blocks (width, 2*width channels) at 28→14→7, then a small dense head."""
    return nn.Sequential(
        Normalize(),
        _conv_block(1, width),
        _conv_block(width, 2 * width),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(2 * width * 7 * 7, 128),
        nn.ReLU(inplace=True),
        nn.Dropout(0.3),
        nn.Linear(128, outputs),
    )


class _Residual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.skip = (
            nn.Identity()
            if stride == 1 and cin == cout
            else nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.skip(x))


def resnet(outputs: int, width: int) -> nn.Module:
    """A small residual net: stem, three stages (28, 14, 7 pixels), global average pooling."""
    return nn.Sequential(
        Normalize(),
        nn.Conv2d(1, width, 3, padding=1, bias=False),
        nn.BatchNorm2d(width),
        nn.ReLU(inplace=True),
        _Residual(width, width, 1),
        _Residual(width, 2 * width, 2),
        _Residual(2 * width, 4 * width, 2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4 * width, outputs),
    )


ARCHITECTURES: dict[str, Callable[[int, int], nn.Module]] = {
    "linear": linear,
    "mlp": mlp,
    "cnn": cnn,
    "resnet": resnet,
}


class FlipAveraged(nn.Module):
    """Test-time flip averaging folded into the network: in eval mode (evaluation and the
    exported graph) the logits are the mean of the image's and its mirror image's, which costs
    one extra forward pass; in training mode the network is called once, as trained."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return self.network(x)
        # Two passes rather than one over a concatenated batch: torch.export then keeps the
        # batch dimension dynamic in the ONNX graph.
        return (self.network(x) + self.network(x.flip(-1))) / 2


def build_model(architecture: str, outputs: int, width: int, flip_average: bool = False) -> nn.Module:
    network = ARCHITECTURES[architecture](outputs, width)
    return FlipAveraged(network) if flip_average else network


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
