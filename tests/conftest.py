"""Settings shared by the whole suite: how long the generated (property-based) tests run.

`make test` runs the bounded profile: few examples, derandomized so every run and every xdist
worker tries the same inputs, no example database written into the tree. `make fuzz` (or
HEAP_SIM_FUZZ=long) runs the long profile: many more examples (HEAP_SIM_FUZZ_EXAMPLES, 2000 by
default), freshly random each run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "bounded", derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "long", database=None, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
settings.load_profile("long" if os.environ.get("HEAP_SIM_FUZZ") == "long" else "bounded")
LONG_RUN = os.environ.get("HEAP_SIM_FUZZ") == "long"
LONG_EXAMPLES = int(os.environ.get("HEAP_SIM_FUZZ_EXAMPLES", "2000"))


def examples(bounded: int) -> int:
    """How many examples a generated test tries: `bounded` in `make test`, many more in `make fuzz`."""
    return LONG_EXAMPLES if LONG_RUN else bounded
