"""mParticle batches to Heap, as mParticle's Heap integration page documents it.

- `map_batch(batch, settings)`: pure mapping to ordered Heap requests, plus skips with reasons.
"""

from forwarder.mapping import map_batch
from forwarder.model import BatchRejected, ForwarderError, HeapRequest, MappingResult, SkippedEvent
from forwarder.settings import Settings, SettingsError

__all__ = [
    "BatchRejected",
    "ForwarderError",
    "HeapRequest",
    "MappingResult",
    "Settings",
    "SettingsError",
    "SkippedEvent",
    "map_batch",
]
