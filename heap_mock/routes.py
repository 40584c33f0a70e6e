"""The one route table: every path the simulator answers, Heap's and its own.

Heap's routes are served by the front door (`heap_mock.ingress`) straight from this table, off
Flask's per-request machinery; the simulator's own routes (control plane, console, OpenAPI) are
registered on Flask from the same table by `create_app`. The OpenAPI test and the README test
read it too, so a route cannot be added in one place and missed in another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from heap_mock.views import console, control, heap_api

HEAP, CONTROL, CONSOLE, ASSET = "heap", "control", "console", "asset"


class Route(NamedTuple):
    method: str
    template: str  # as the OpenAPI document writes it
    view: Callable[..., Any]
    family: str  # HEAP (a view of a HeapCall), CONTROL or CONSOLE (Flask views), ASSET (files, not an API)

    def flask_rule(self) -> str:
        return re.sub(r"\{(\w+)\}", r"<path:\1>", self.template)


ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/track", heap_api.track, HEAP),
    Route("POST", "/api/add_user_properties", heap_api.add_user_properties, HEAP),
    Route("POST", "/api/add_account_properties", heap_api.add_account_properties, HEAP),
    Route("POST", "/api/v1/identify", heap_api.identify, HEAP),
    Route("POST", "/api/integrations/track", heap_api.integrations_track, HEAP),
    Route("POST", "/api/integrations/add_user_properties", heap_api.integrations_add_user_properties, HEAP),
    Route("POST", "/api/public/v0/auth_token", heap_api.auth_token, HEAP),
    Route("POST", "/api/public/v0/user_deletion", heap_api.user_deletion, HEAP),
    Route("GET", "/api/public/v0/deletion_status/{deletion_id}", heap_api.deletion_status, HEAP),
    Route("GET", "/_mock/health", control.health, CONTROL),
    Route("GET", "/_mock/clock", control.get_clock, CONTROL),
    Route("POST", "/_mock/clock", control.set_clock, CONTROL),
    Route("GET", "/_mock/events", control.events, CONTROL),
    Route("GET", "/_mock/users", control.users, CONTROL),
    Route("GET", "/_mock/accounts", control.accounts, CONTROL),
    Route("GET", "/_mock/requests", control.requests_journal, CONTROL),
    Route("GET", "/_mock/requests/{request_id}", control.journal_entry, CONTROL),
    Route("GET", "/_mock/limits", control.limits, CONTROL),
    Route("GET", "/_mock/rules", control.rules, CONTROL),
    Route("GET", "/_mock/config", control.config, CONTROL),
    Route("GET", "/_mock/export", control.export, CONTROL),
    Route("POST", "/_mock/reset", control.reset, CONTROL),
    Route("GET", "/_mock/faults", control.list_faults, CONTROL),
    Route("POST", "/_mock/faults", control.add_fault, CONTROL),
    Route("DELETE", "/_mock/faults", control.clear_faults, CONTROL),
    Route("GET", "/", console.index, CONSOLE),
    Route("GET", "/openapi.json", console.openapi, CONSOLE),
    Route("GET", console.ASSET_PREFIX + "/{name}", console.asset, ASSET),
)

API_ROUTES = tuple(route for route in ROUTES if route.family != ASSET)
_HEAP_EXACT = {route.template: route for route in ROUTES if route.family == HEAP and "{" not in route.template}
_HEAP_PARAMETRIC = [(route.template.partition("{")[0], route) for route in ROUTES if route.family == HEAP and "{" in route.template]


def find_heap_route(path: str) -> tuple[Route, str] | None:
    """The Heap route serving `path` and its path parameter (only deletion status has one), or None."""
    route = _HEAP_EXACT.get(path)
    if route is not None:
        return route, ""
    for prefix, parametric in _HEAP_PARAMETRIC:
        if path.startswith(prefix):
            value = path[len(prefix):]
            if value and "/" not in value:
                return parametric, value
    return None
