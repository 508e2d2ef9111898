"""The text of reports/eda/README.md around the figures `make eda` computes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contract.fashion_groups import GROUP_MEMBERS, GROUPS


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def write_eda_report(path: Path, f: dict[str, Any]) -> None:
    b, i, e, s, d = f["balance"], f["intensity"], f["embedding"], f["simple"], f["duplicates"]
    total = sum(b["train_groups"])
    group_rows = "\n".join(
        f"| {g} | {', '.join(GROUP_MEMBERS[g])} | {b['train_groups'][k]:,} | {_pct(b['train_groups'][k] / total)} | "
        f"{b['test_groups'][k]:,} |"
        for k, g in enumerate(GROUPS)
    )
    class_rows = "\n".join(
        f"| {c['class']} | {c['mean'] / 255:.3f} | {_pct(c['zero_fraction'])} | {c['ink_pixels']:.0f} |"
        for c in i["per_class"]
    )
    cross = "\n".join(f"| {pair} | {n} |" for pair, n in s["top_cross_group"])
    near_rows = "\n".join(
        f"| {t} | {n['pairs_within_train']} | {n['pairs_within_train_conflicting']} | {n['test_in_train']} | "
        f"{n['test_in_train_conflicting']} | {n['test_in_train_conflicting_groups']} |"
        for t, n in d["near"].items()
    )
    strict, loose = list(d["near"].values())[0], list(d["near"].values())[-1]
    strict_t, loose_t = list(d["near"])[0], list(d["near"])[-1]
    test_images = sum(b["test_groups"])
    leak_text = (
        f"at the strict threshold ({strict_t}/255, visually the same picture) {strict['test_in_train']} of "
        f"{test_images:,} test images have a twin in the training set, so leakage is negligible and the test "
        f"figures are honest. At the loose threshold ({loose_t}/255) {loose['test_in_train']:,} test images have a "
        "look-alike in train: similar products (plain T-shirts, plain trousers), not copies; that is the test "
        "set being drawn from the same distribution."
    )
    noise_text = (
        f"{strict['test_in_train_conflicting']} strict twins and {strict['pairs_within_train_conflicting']} strict "
        "training pairs are labelled differently: no sign of duplicated label noise. But "
        f"{loose['test_in_train_conflicting']} test look-alikes carry a different label, "
        f"{loose['test_in_train_conflicting_groups']} of them a different *group*: images nearly identical to a "
        "training image of another group. Those (about "
        f"{100 * loose['test_in_train_conflicting_groups'] / test_images:.1f}% of the test set) are genuinely "
        "ambiguous, a floor under the grouped error that no model can be expected to remove."
    )
    text = f"""# Fashion-MNIST, grouped: exploratory analysis

Written by `make eda` (`training/category/eda.py`) from the official IDX files (checksums verified).
Figures are regenerated with the numbers; the reasoning is checked against them. The analysis is
deterministic (seeded, one thread): running `make eda` again rewrites these files byte for byte.

## Balance: ten balanced classes, five imbalanced groups

![balance](balance.png)

The 10 classes are perfectly balanced ({b["train_classes"][0]:,} train and {b["test_classes"][0]:,} test images
each). The brief's grouping makes them imbalanced:

| group | classes | train | share | test |
|---|---|---|---|---|
{group_rows}

What this means:
- **Metrics.** Accuracy is dominated by Upper part and Footwear (70% of images); a model that fails One piece
  or Bags entirely still scores 80%. Every run reports **macro-F1** and **per-group precision/recall** next to
  accuracy, and the confusion matrix row-normalised.
- **Training.** The imbalance is mild (4:1) and identical in train and test, so the test accuracy is an unbiased
  estimate of catalogue accuracy *if the catalogue has the same mix*, which a real catalogue will not. Class
  weights or balanced sampling trade Upper-part precision for One-piece recall; the experiments measure
  whether that helps (`category-cnn-groups-weighted`).
- **10 classes or 5?** Training on the 10 balanced classes keeps the imbalance out of the loss and gives the
  network finer targets (a Coat and a T-shirt look different; "Upper part" asks it to learn one blob for both);
  the grouped prediction sums class probabilities. The experiments compare both.

## What the images look like

![samples per group](samples.png)

![mean and variance per class](mean_variance.png)

Centred, upright, 28×28 grayscale, light garment on a black background. The mean images show why groups
separate easily: trousers have a gap between the legs, footwear is wide and low, bags are square, upper-part
garments have sleeves. **Dress** has the silhouette of a sleeveless top stretched long, which is the hardest
boundary between two groups (see below). The variance images show where garments differ: sleeves (Shirt,
Pullover, Coat), shoe height (Sandal vs Ankle boot), handles (Bag).

## Pixel intensities

![intensity histogram](intensity.png)

| class | mean intensity | black pixels | pixels with ink |
|---|---|---|---|
{class_rows}

- Train mean {i["train_mean"]:.4f}, std {i["train_std"]:.4f}; test mean {i["test_mean"]:.4f}, std
  {i["test_std"]:.4f}: same distribution. The model normalises with the train figures inside the network
  (`training/category/models.py`), so the served input stays plain [0, 1].
- {_pct(i["zero_fraction"])} of all pixels are exactly 0: the background is pure black. No Fashion-MNIST image
  has a border brighter than {i["border_mean_max"]:.0f}/255 on average; this is what lets the serving
  preprocessing (`contract/image.py`) tell a product photo (light background) from a Fashion-MNIST-like
  image and invert only the former.
- Sandals have the fewest inked pixels (straps), Pullover and Coat are the brightest: intensity alone separates some
  groups, which is why even a linear model does well.

## Structure: a 2-D embedding

![PCA and t-SNE](embedding.png)

Two principal components explain {_pct(e["pca_variance_2"])} of the variance, 50 explain
{_pct(e["pca_variance_50"])}. In the PCA plane only Footwear stands apart (two linear components
mostly say how much ink there is and where); Bottom part and One piece overlap there, both long and
thin. t-SNE separates more: Footwear, Bottom part and Bags form their own clusters (Bags in a few
small ones), Upper part is one large region whose classes overlap each other heavily (which costs
nothing once grouped), and **One piece sits at the edge of Upper part, mixing into it**, with a
few points near Bottom part. Expect the grouped errors to be Dress ↔ Upper part.

## Where a simple model confuses groups

![simple model confusion](simple_confusion.png)

A logistic regression on the PCA-50 features reaches {_pct(s["class_accuracy"])} on the 10 classes but
{_pct(s["grouped_accuracy"])} once grouped (features standardised, lbfgs converged in {s["iterations"]} of at
most {s["max_iterations"]} iterations): of its {s["class_errors"]:,} class errors only
{s["grouped_errors"]:,} cross a group boundary. The cross-group errors it makes most:

| true → predicted | test images |
|---|---|
{cross}

So the grouped problem is mostly *Dress vs (T-shirt, Shirt, Coat, Pullover)*, plus some Bag ↔ other. A model
trained on 10 classes spends capacity on Shirt vs T-shirt, which the brief does not need; a model trained on 5
groups must learn "Upper part" as a union of very different shapes. Both are tried.

## Duplicates and label noise

Exact duplicates (identical bytes): {d["exact_within_train"]} inside the training set
({d["exact_within_train_conflicting_labels"]} of them with conflicting labels), {d["exact_test_in_train"]} test
images that also appear in the training set.

Near duplicates: each image's nearest neighbour in PCA-50 space, confirmed on the raw pixels by a mean
absolute difference under a threshold (out of 255):

| threshold | pairs in train | labelled differently | test with a twin in train | labelled differently | other group |
|---|---|---|---|---|---|
{near_rows}

![near duplicates](near_duplicates.png)

(Each test image above its nearest training image, under the loose threshold; pairs labelled differently,
in red, come last.)

What that means: {leak_text} The validation split is carved at random from the training set, so
near-duplicate pairs can straddle it; that makes validation optimistic by the same tiny amount for every run,
so comparisons stay fair. {noise_text}

## What this implies for the experiments

1. Report grouped accuracy **and** macro-F1, per-group recall (One piece is the group at risk) and the 5×5
   confusion; calibration matters because the service can return probabilities.
2. The hard boundary is shape (long silhouette vs sleeves), so convolutional features should beat pixels;
   a linear model is the baseline to beat.
3. Compare 10-class training summed into groups against direct 5-group training; compare imbalance handling.
4. Augment with small shifts and horizontal flips (garments are centred and left-right symmetric); not
   vertical flips or large rotations (every image is upright), not colour (grayscale, fixed background).
5. Serve with the same polarity and framing: invert light-background photos, fit them into 28×28 keeping the
   aspect ratio (`contract/image.py`), and check the whole pipeline on the test set turned into photos.

<details><summary>All figures as JSON</summary>

```json
{json.dumps(f, indent=1, default=str, ensure_ascii=False)}
```
</details>
"""
    path.write_text(text, encoding="utf-8")
