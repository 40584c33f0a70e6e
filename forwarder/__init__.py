"""mParticle batches to Heap, as mParticle's Heap integration page documents it.

- `map_batch(batch, settings)`: pure mapping to ordered Heap requests, plus skips with reasons.
- `Forwarder(settings, heap_url)`: delivery within Heap's documented rate limits, with retries,
  in lanes per identity (forwarder.lanes), given its clock (forwarder.clock) and observer.
- `heap-forward` (forwarder.cli): the same from the command line.
"""

from forwarder.delivery import BatchResult, DeliveryObserver, DeliveryStats, FailedRequest, Forwarder
from forwarder.mapping import map_batch
from forwarder.model import BatchRejected, ForwarderError, HeapRequest, MappingResult, SkippedEvent
from forwarder.settings import Settings, SettingsError

__all__ = [
    "BatchRejected",
    "BatchResult",
    "DeliveryObserver",
    "DeliveryStats",
    "FailedRequest",
    "Forwarder",
    "ForwarderError",
    "HeapRequest",
    "MappingResult",
    "Settings",
    "SettingsError",
    "SkippedEvent",
    "map_batch",
]
