"""Settings that cannot work together are refused at start, naming the variables."""

from __future__ import annotations

import pytest

from server.settings import ServerSettings, SettingsError


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SERVE_GRACEFUL_TIMEOUT": "40"}, r"SERVE_GRACEFUL_TIMEOUT=40 must exceed .* = 40.0"),
        ({"SERVE_BODY_TIMEOUT": "60"}, r"SERVE_GRACEFUL_TIMEOUT=45 must exceed .* = 80.0"),
        ({"SERVE_DRAIN_SECONDS": "2"}, "SERVE_DRAIN_SECONDS=2.0 must be 0 or at least SERVE_KEEPALIVE_SECONDS=5"),
        ({"SERVE_REQUEST_TIMEOUT": "0"}, "SERVE_REQUEST_TIMEOUT"),
        ({"SERVE_MAX_INFLIGHT_REQUESTS": "none"}, "SERVE_MAX_INFLIGHT_REQUESTS"),
    ],
)
def test_inconsistent_settings_are_refused(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        ServerSettings.from_env(environ)


def test_defaults_are_consistent_and_a_zero_drain_is_allowed() -> None:
    defaults = ServerSettings.from_env({})
    slowest = defaults.drain_seconds + max(defaults.header_timeout, defaults.body_timeout) + defaults.request_timeout
    assert defaults.graceful_timeout > slowest
    assert ServerSettings.from_env({"SERVE_DRAIN_SECONDS": "0"}).drain_seconds == 0
