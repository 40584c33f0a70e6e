"""The demo: bundled mParticle batches sent to the front as a server SDK sends them.

`make run` sends them once both servers are up, so a newcomer sees a populated console within
seconds: web, iOS and Android sessions with custom events, screen views, commerce events with
products, promotions and impressions, and user attributes; each event with its lineage.
The demo runs beside servers that must keep serving, so it never raises: what goes wrong is one line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from forwarder.settings import Settings
from heap_facts.names import CUSTOMER_ID

if TYPE_CHECKING:
    import requests

DATA_DIR = Path(__file__).resolve().parent.parent / "demo_data"
DEMO_APP_ID = "3958016722"
# customer_id identities ("cust-20417") read better in the console than 19-digit MPIDs.
DEMO_SETTINGS = Settings(app_id=DEMO_APP_ID, external_id=CUSTOMER_ID, forward_user_attributes=True)
DEMO_AUTH = ("demo-key", "demo-secret")
TIMEOUT_S = 10.0


@dataclass
class DemoSummary:
    """What the demo sent and how the front answered."""

    batches: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    error: str | None = None

    def line(self, front_url: str) -> str:
        if self.error is not None:
            return f"demo: {self.error}"
        from forwarder.front.front import PIPELINE_PAGE  # the front's modules load after the simulator has started (pipeline.py)

        answers = ", ".join(f"{count}× {status}" for status, count in sorted(self.statuses.items())) or "none"
        return f"demo: sent {self.batches} mParticle batches to the front (answers: {answers}); pipeline view at {front_url}{PIPELINE_PAGE}"


def load_batches(directory: Path = DATA_DIR) -> list[dict[str, Any]]:
    """The bundled batches, in file-name order so every run tells the same story."""
    return [orjson.loads(path.read_bytes()) for path in sorted(directory.glob("*.json"))]


def send_demo(front_url: str, session: requests.Session | None = None) -> DemoSummary:
    """POST every bundled batch to the front's Events API, one request per batch, as a server SDK would."""
    import requests  # loaded when used: `make run` reads DEMO_SETTINGS before it starts the simulator

    summary = DemoSummary()
    http = session or requests.Session()
    try:
        for batch in load_batches():
            response = http.post(f"{front_url}/v2/events", json=batch, auth=DEMO_AUTH, timeout=TIMEOUT_S)
            summary.statuses[response.status_code] += 1
            summary.batches += 1
    except (OSError, ValueError, requests.RequestException) as error:
        summary.error = f"stopped after {summary.batches} batches: {type(error).__name__}: {error}"
    return summary
