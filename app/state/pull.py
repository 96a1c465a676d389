"""Pull to refresh, from a list's scroll events (Flet 1.0.5 has no RefreshIndicator).

A finger pulling a list down past its top shows as overscroll events (Android's clamping physics:
`overscroll` < 0 at the top) or as a negative scroll offset (iOS's bouncing physics). Pulled far
enough, once per pull, it asks for a sync; the list's scroll events are throttled, so the pull is
summed over the events that arrive rather than read from any one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

PULL_PX = 40  # summed overscroll that counts as a pull (events are throttled: the finger travels about 3x this)
REST_S = 2.0  # after a refresh, pulls are ignored for this long (one pull sends many events)


@dataclass
class Pull:
    pulled: float = 0.0
    fired_at: float = float("-inf")

    def feed(self, kind: str, pixels: float, overscroll: float | None, now: float) -> bool:
        """One scroll event (`kind` is Flet's ScrollType value); True when it completes a pull."""
        if kind == "overscroll" and overscroll is not None and overscroll < 0 and pixels <= 0:
            self.pulled += -overscroll
        elif kind == "update" and pixels < 0:  # bouncing: the offset itself is the pull
            self.pulled = max(self.pulled, -pixels)
        elif kind in ("start", "end") or pixels > 0:
            self.pulled = 0.0
            return False
        if self.pulled >= PULL_PX and now - self.fired_at >= REST_S:
            self.pulled = 0.0
            self.fired_at = now
            return True
        return False
