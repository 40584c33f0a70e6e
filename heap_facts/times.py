"""The one way instants are written and read: ISO 8601 in UTC with milliseconds and a `Z`.

D-track documents ISO 8601 timestamps ("2017-03-10T22:21:56+00:00"); the simulator reports stored
times in this form, the forwarder sends it and the conformance suite compares it.
"""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST = datetime(1, 1, 1, tzinfo=UTC).timestamp()
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC).timestamp()
MAX_EPOCH_MS = 253402300799999  # 9999-12-31T23:59:59.999Z, the last instant a 4-digit ISO year can say
# heap-sim's own, not a source's: where the simulator's clock starts for each test (heap_mock's pytest
# plugin) and each conformance fixture, so that every run sees the same times.
SUITE_START = "2026-01-01T00:00:00Z"


def iso_utc(epoch_ms: int) -> str:
    """Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (integer arithmetic, so no millisecond is lost)."""
    seconds, millis = divmod(epoch_ms, 1000)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    # The year by hand: strftime's %Y writes year 1 as "1", not ISO 8601's "0001".
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def epoch_ms_of(instant: float) -> int:
    """Epoch seconds (a float) as whole milliseconds: rounded to the microsecond first, then floored."""
    return round(instant * 1_000_000) // 1000


def parse_iso(text: str) -> float:
    """Parse ISO 8601 with any offset (a missing offset means UTC) into epoch seconds.

    Raises ValueError for anything else, and for an instant outside years 1 to 9999 in UTC
    (`9999-12-31T23:59:59-01:00` is a valid date-time, but in the year 10000 once in UTC).
    """
    moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    instant = moment.timestamp()
    if not EARLIEST <= instant <= LATEST:
        raise ValueError(f"{text!r} is outside years 1 to 9999 in UTC")
    return instant
