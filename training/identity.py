"""What a run is, honestly: the config it ran, the `--set` overrides it ran with and the subset of
the data it trained on, if any. The identity names the run directory, heads its report, is kept
in its metrics.json (`run`), keeps subset runs out of per-config aggregates in `make runs`, and
decides whether the run may be exported over a served model (training.export.promotion)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import msgspec

from training.fields import override_parts

RUN_KEY = "run"  # metrics.json: {"run": {"config": ..., "overrides": [...], "subset": [...]}}
_UNSAFE = re.compile(r"[^A-Za-z0-9._,=+-]+")
_DROPPED = re.compile(r"[\[\]\"' ]+")  # TOML list and string punctuation: noise in a directory name
MAX_SUFFIX_CHARS = 80


class RunIdentity(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    config: str  # the config's `name`, after overrides
    overrides: list[str] = []  # the `--set key=value` values, as given
    subset: list[str] = []  # config values that train or evaluate on part of the data, e.g. data.train_limit=2000

    @property
    def standard(self) -> bool:
        """The config as written, on all the data: what a served model is trained from."""
        return not self.overrides and not self.subset

    def suffix(self) -> str:
        """The overrides in a run directory's name (`<time>-<config>+<overrides>`); a renaming
        override is already the config part. Long ones are shortened, with a hash to stay distinct."""
        kept = [o for o in self.overrides if override_parts(o)[0] != "name"]
        if not kept:
            return ""
        text = _UNSAFE.sub("_", _DROPPED.sub("", "+".join(kept)))
        if len(text) > MAX_SUFFIX_CHARS:
            text = text[: MAX_SUFFIX_CHARS - 9] + "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
        return "+" + text

    def variant(self) -> str:
        """The config and what its overrides changed, except the seed: runs of one variant are
        seeds of one experiment, averaged together by `make runs`."""
        changed = [o for o in self.overrides if override_parts(o)[0] not in ("seed", "name")]
        return " ".join([self.config, *changed])

    def flags(self) -> str:
        """One short cell for tables: what differs from the config as written."""
        parts = [f"subset ({', '.join(self.subset)})"] if self.subset else []
        if self.overrides:
            parts.append(f"overrides ({', '.join(self.overrides)})")
        return "; ".join(parts)

    def report_header(self) -> list[str]:
        """The first lines of a run's report: a reader sees at once what was not the config."""
        lines = [f"> **Config** `{self.config}`"]
        lines.append(
            "> **Overrides** " + (", ".join(f"`--set {o}`" for o in self.overrides) if self.overrides else "none")
        )
        if self.subset:
            lines.append(
                f"> **Subset run**: trained or evaluated on part of the data ({', '.join(self.subset)}); "
                "its figures are not comparable with full runs and `make runs` leaves it out of the config averages."
            )
        return [*lines, ""]


def identity_of(metrics: dict[str, Any]) -> RunIdentity:
    """A finished run's identity; runs from before identities were recorded count as standard."""
    raw = metrics.get(RUN_KEY)
    if raw is None:
        return RunIdentity(config=str(metrics.get("config_name", "?")))
    return msgspec.convert(raw, RunIdentity)
