"""The training loop: mini-batches with optional augmentation and imbalance handling,
one-cycle learning rate, early stopping on validation grouped accuracy, a time budget."""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from contract.fashion_groups import CLASS_TO_GROUP, GROUPS, grouping_matrix, to_groups
from training.category.config import CategoryConfig

log = logging.getLogger(__name__)
GROUPING = torch.from_numpy(grouping_matrix())  # (10, 5): class probabilities → group probabilities
GROUP_OF = torch.from_numpy(CLASS_TO_GROUP)


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    train_accuracy: float
    validation_loss: float
    validation_group_accuracy: float
    learning_rate: float
    seconds: float


@dataclass
class TrainingResult:
    model: nn.Module
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    stopped_because: str = ""
    seconds: float = 0.0


def group_probabilities(logits: torch.Tensor, targets: str) -> torch.Tensor:
    """Model logits → (batch, 5) group probabilities: summed class probabilities for a
    10-class model (the same matrix the exported graph uses)."""
    probabilities = torch.softmax(logits, dim=1)
    if targets == "groups":
        return probabilities
    return probabilities @ GROUPING


def targets_of(classes: np.ndarray, targets: str) -> np.ndarray:
    return classes if targets == "classes" else to_groups(classes)


def augment(batch: torch.Tensor, generator: torch.Generator, max_shift: int = 2, erasing: float = 0.0) -> torch.Tensor:
    """Per-image random integer shift (zero fill) and horizontal flip; Fashion-MNIST garments
    are centred and roughly left-right symmetric, so both keep the label. With `erasing` > 0,
    that fraction of the images also loses a random rectangle (random erasing)."""
    n = batch.shape[0]
    padded = F.pad(batch, (max_shift,) * 4)
    size = batch.shape[-1]
    dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
    dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(size)[None, :])[:, None, :, None]  # (n, 1, size, 1)
    cols = (dx[:, None] + torch.arange(size)[None, :])[:, None, None, :]  # (n, 1, 1, size)
    shifted = padded[torch.arange(n)[:, None, None, None], torch.zeros(1, dtype=torch.long), rows, cols]
    flip = torch.rand(n, generator=generator) < 0.5
    flipped = torch.where(flip[:, None, None, None], shifted.flip(-1), shifted)
    return erase(flipped, generator, erasing) if erasing else flipped


def erase(batch: torch.Tensor, generator: torch.Generator, probability: float) -> torch.Tensor:
    """Random erasing (Zhong et al., 2017) for a batch at once: each image, with `probability`,
    gets a rectangle of 2-25% of its area and aspect ratio 1/3-3 set to 0, the background."""
    n, size = batch.shape[0], batch.shape[-1]
    area = torch.empty(n).uniform_(0.02, 0.25, generator=generator) * size * size
    log_ratio = torch.empty(n).uniform_(-math.log(3), math.log(3), generator=generator)
    height = (area * log_ratio.exp()).sqrt().round().clamp(1, size)
    width = (area / log_ratio.exp()).sqrt().round().clamp(1, size)
    top = (torch.rand(n, generator=generator) * (size - height + 1)).floor()
    left = (torch.rand(n, generator=generator) * (size - width + 1)).floor()
    chosen = torch.rand(n, generator=generator) < probability
    index = torch.arange(size, dtype=batch.dtype)
    rows = (index[None, :] >= top[:, None]) & (index[None, :] < (top + height)[:, None])  # (n, size)
    cols = (index[None, :] >= left[:, None]) & (index[None, :] < (left + width)[:, None])
    blank = (rows[:, :, None] & cols[:, None, :] & chosen[:, None, None])[:, None]  # (n, 1, size, size)
    return batch.masked_fill(blank, 0.0)


class _Loss:
    def __init__(self, config: CategoryConfig, train_targets: np.ndarray) -> None:
        outputs = 10 if config.model.targets == "classes" else len(GROUPS)
        weights = None
        if config.train.imbalance == "class_weights":
            counts = np.bincount(train_targets, minlength=outputs).astype(np.float32)
            weights = torch.from_numpy(counts.sum() / (outputs * counts))
        self.weights = weights
        self.smoothing = config.train.label_smoothing
        self.group_weight = config.train.group_loss_weight

    def __call__(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        loss = F.cross_entropy(logits, targets, weight=self.weights, label_smoothing=self.smoothing)
        if self.group_weight:
            # Hierarchical term: the grouped decision is what the product needs, so penalise
            # probability mass that leaves the right group more than mass moved inside it.
            group_p = group_probabilities(logits, "classes")
            group_nll = F.nll_loss(torch.log(group_p.clamp_min(1e-7)), GROUP_OF[targets])
            loss = loss + self.group_weight * group_nll
        return loss


def _batches(n: int, config: CategoryConfig, targets: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    if config.train.imbalance == "balanced_sampler":
        counts = np.bincount(targets)
        p = 1.0 / counts[targets]
        order = rng.choice(n, size=n, replace=True, p=p / p.sum())
    else:
        order = rng.permutation(n)
    size = config.train.batch_size
    return [order[i : i + size] for i in range(0, n, size)]


@torch.no_grad()
def predict_logits(model: nn.Module, inputs: np.ndarray, batch_size: int) -> torch.Tensor:
    model.eval()
    chunks = [
        model(torch.from_numpy(inputs[i : i + batch_size]).contiguous(memory_format=torch.channels_last))
        for i in range(0, len(inputs), batch_size)
    ]
    return torch.cat(chunks)


@dataclass
class _Step:
    """What one optimisation step needs, built once per run."""

    model: nn.Module
    loss_fn: _Loss
    optimizer: torch.optim.Optimizer
    schedule: torch.optim.lr_scheduler.LRScheduler
    average: AveragedModel | None  # the EMA of the weights, when train.ema_decay > 0

    def evaluated(self) -> nn.Module:
        """The network that is validated, kept and exported."""
        return self.model if self.average is None else self.average.module


Tensors = tuple[torch.Tensor, ...] | list[torch.Tensor]


def ema_with_warmup(decay: float) -> Callable[[Tensors, Tensors, torch.Tensor | int], None]:
    """torch's EMA update with a warm-up (as timm's ModelEmaV3): after n updates the decay is
    min(decay, (1 + n) / (10 + n)), so the average follows the fast early weights instead of
    holding on to the random start; with a flat 0.999 it took 3-4 epochs to be worth validating,
    and a run of a few epochs never got there."""

    def update(averaged: Tensors, current: Tensors, n_averaged: torch.Tensor | int) -> None:
        n = float(n_averaged)
        get_ema_multi_avg_fn(min(decay, (1 + n) / (10 + n)))(averaged, current, n_averaged)

    return update


def _step_of(model: nn.Module, config: CategoryConfig, loss_fn: _Loss, steps_per_epoch: int) -> _Step:
    train = config.train
    optimizer = torch.optim.AdamW(model.parameters(), lr=train.learning_rate, weight_decay=train.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=train.learning_rate, total_steps=train.epochs * steps_per_epoch
    )
    average = None
    if train.ema_decay:
        # use_buffers: the batch-norm statistics are averaged too, so they match the averaged weights.
        average = AveragedModel(model, multi_avg_fn=ema_with_warmup(train.ema_decay), use_buffers=True)
    return _Step(model, loss_fn, optimizer, schedule, average)


def _train_epoch(
    step: _Step,
    config: CategoryConfig,
    x_all: torch.Tensor,
    y_all: torch.Tensor,
    rng: np.random.Generator,
    generator: torch.Generator,
) -> tuple[float, float]:
    """One pass over the training set: (mean loss, accuracy on the batches as trained)."""
    step.model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for index in _batches(len(x_all), config, y_all.numpy(), rng):
        x, y = x_all[index], y_all[index]
        if config.train.augment:
            x = augment(x, generator, erasing=config.train.random_erasing)
        logits = step.model(x.contiguous(memory_format=torch.channels_last))
        loss = step.loss_fn(logits, y)
        step.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        step.optimizer.step()
        step.schedule.step()
        if step.average is not None:
            step.average.update_parameters(step.model)
        total_loss += loss.item() * len(index)
        correct += int((logits.argmax(1) == y).sum())
        seen += len(index)
    return total_loss / seen, correct / seen


def _validate(
    model: nn.Module, config: CategoryConfig, val_inputs: np.ndarray, val_groups: np.ndarray
) -> tuple[float, float]:
    """(group NLL, grouped accuracy) on the validation images."""
    val_p = group_probabilities(predict_logits(model, val_inputs, config.evaluation.batch_size), config.model.targets)
    val_loss = float(F.nll_loss(torch.log(val_p.clamp_min(1e-7)), torch.from_numpy(val_groups)))
    return val_loss, float((val_p.argmax(1).numpy() == val_groups).mean())


def fit(
    model: nn.Module,
    config: CategoryConfig,
    train_inputs: np.ndarray,
    train_classes: np.ndarray,
    val_inputs: np.ndarray,
    val_classes: np.ndarray,
) -> TrainingResult:
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.train.threads)
    rng = np.random.default_rng(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    targets_np = targets_of(train_classes, config.model.targets)
    x_all = torch.from_numpy(train_inputs)
    y_all = torch.from_numpy(targets_np)
    model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stubs omit it
    step = _step_of(model, config, _Loss(config, targets_np), -(-len(x_all) // config.train.batch_size))
    val_groups = to_groups(val_classes)
    result = TrainingResult(model=model)
    best_state, best_key, started = None, (-1.0, 0.0), time.perf_counter()
    for epoch in range(1, config.train.epochs + 1):
        epoch_started = time.perf_counter()
        train_loss, train_acc = _train_epoch(step, config, x_all, y_all, rng, generator)
        val_loss, val_acc = _validate(step.evaluated(), config, val_inputs, val_groups)
        record = EpochRecord(
            epoch,
            train_loss,
            train_acc,
            val_loss,
            val_acc,
            step.optimizer.param_groups[0]["lr"],
            time.perf_counter() - epoch_started,
        )
        result.history.append(record)
        log.info(
            "epoch %d/%d: train loss %.4f acc %.4f | validation grouped acc %.4f loss %.4f | %.1f s",
            epoch,
            config.train.epochs,
            record.train_loss,
            record.train_accuracy,
            val_acc,
            val_loss,
            record.seconds,
        )
        if (val_acc, -val_loss) > best_key:
            best_key, result.best_epoch = (val_acc, -val_loss), epoch
            best_state = copy.deepcopy(step.evaluated().state_dict())
        elapsed = time.perf_counter() - started
        if epoch - result.best_epoch >= config.train.patience:
            result.stopped_because = f"early stop: no better validation accuracy for {config.train.patience} epochs"
            break
        if elapsed + record.seconds > config.train.max_minutes * 60 and epoch < config.train.epochs:
            result.stopped_because = f"time budget: another epoch would pass {config.train.max_minutes} minutes"
            break
    else:
        result.stopped_because = "all epochs run"
    result.seconds = time.perf_counter() - started
    assert best_state is not None
    model.load_state_dict(best_state)
    log.info("best epoch %d (%s), %.0f s", result.best_epoch, result.stopped_because, result.seconds)
    return result
