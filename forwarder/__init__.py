"""mParticle batches to Heap, as mParticle's Heap integration page documents it.

- `map_batch(batch, settings)`: pure mapping to ordered Heap requests, plus skips with reasons.
- `Forwarder(settings, heap_url)`: delivery within Heap's documented rate limits, with retries,
  in lanes per identity (forwarder.lanes), given its clock (forwarder.clock) and observer.
- `heap-forward` (forwarder.cli): the same from the command line.

The names below are imported on first use (PEP 562), so a module that needs only the settings or
the mapping (`make run` reading its options before it starts the simulator) does not load the
delivery and its HTTP client.
"""

from __future__ import annotations

from heap_facts.entry import lazy_exports

_EXPORTS = {
    "BatchResult": "forwarder.delivery",
    "DeliveryObserver": "forwarder.delivery",
    "DeliveryStats": "forwarder.delivery",
    "FailedRequest": "forwarder.delivery",
    "Forwarder": "forwarder.delivery",
    "map_batch": "forwarder.mapping",
    "BatchRejected": "forwarder.model",
    "ForwarderError": "forwarder.model",
    "HeapRequest": "forwarder.model",
    "MappingResult": "forwarder.model",
    "SkippedEvent": "forwarder.model",
    "Settings": "forwarder.settings",
    "SettingsError": "forwarder.settings",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
