"""heap-sim's own wire between its parts: what the front sends that the simulator keeps.

Not a fact of Heap's: a sender may say where a request came from in this header, and the
simulator keeps its text, opaque, beside the request and its events (see heap_mock/store/lineage.py).
"""

from __future__ import annotations

LINEAGE_HEADER = "X-Heap-Sim-Lineage"
