"""The one route table: every path the simulator answers, Heap's and its own.

The HTTP layer matches a request against it before reading any body (`http_layer.routing`);
the OpenAPI test and the README test read it too, so a route cannot be added in one place and
missed in another. Heap's paths are spelled once, in `heap_facts.paths`.
"""

from __future__ import annotations

from heap_facts import paths as heap
from heap_mock.control import api as control
from heap_mock.control import console
from heap_mock.endpoints import account_properties, deletion, identify, integrations, track, user_properties
from http_layer.routing import Route

HEAP, CONTROL, CONSOLE, ASSET = "heap", "control", "console", "asset"

ROUTES: tuple[Route, ...] = (
    Route.of("POST", heap.TRACK, track.track, HEAP),
    Route.of("POST", heap.ADD_USER_PROPERTIES, user_properties.add_user_properties, HEAP),
    Route.of("POST", heap.ADD_ACCOUNT_PROPERTIES, account_properties.add_account_properties, HEAP),
    Route.of("POST", heap.IDENTIFY, identify.identify, HEAP),
    Route.of("POST", heap.INTEGRATIONS_TRACK, integrations.integrations_track, HEAP),
    Route.of("POST", heap.INTEGRATIONS_ADD_USER_PROPERTIES, integrations.integrations_add_user_properties, HEAP),
    Route.of("POST", heap.AUTH_TOKEN, deletion.auth_token, HEAP),
    Route.of("POST", heap.USER_DELETION, deletion.user_deletion, HEAP),
    Route.of("GET", heap.DELETION_STATUS, deletion.deletion_status, HEAP),
    Route.of("GET", "/_mock/health", control.health, CONTROL),
    Route.of("GET", "/_mock/clock", control.get_clock, CONTROL),
    Route.of("POST", "/_mock/clock", control.set_clock, CONTROL),
    Route.of("GET", "/_mock/events", control.events, CONTROL),
    Route.of("GET", "/_mock/users", control.users, CONTROL),
    Route.of("GET", "/_mock/accounts", control.accounts, CONTROL),
    Route.of("GET", "/_mock/requests", control.requests_journal, CONTROL),
    Route.of("GET", "/_mock/requests/{request_id}", control.journal_entry, CONTROL),
    Route.of("GET", "/_mock/limits", control.limits, CONTROL),
    Route.of("GET", "/_mock/rules", control.rules, CONTROL),
    Route.of("GET", "/_mock/config", control.config, CONTROL),
    Route.of("GET", "/_mock/export", control.export, CONTROL),
    Route.of("POST", "/_mock/reset", control.reset, CONTROL),
    Route.of("GET", "/_mock/faults", control.list_faults, CONTROL),
    Route.of("POST", "/_mock/faults", control.add_fault, CONTROL),
    Route.of("DELETE", "/_mock/faults", control.clear_faults, CONTROL),
    Route.of("GET", "/", console.index, CONSOLE),
    Route.of("GET", "/openapi.json", console.openapi, CONSOLE),
    Route.of("GET", console.ASSET_PREFIX + "/{name:path}", console.asset, ASSET),
)

API_ROUTES = tuple(route for route in ROUTES if route.family != ASSET)
