"""One route table per site, matched on method and path before any body is read.

A template names its parameters in braces (`/v1/{mpid}/modify`); a parameter matches one path
segment (no `/`). A `{name:a|b|c}` parameter matches only the listed words; a `{name:path}` one
matches the rest of the path, slashes included (a file in a folder of static files). HEAD is served by a
GET route; OPTIONS is left to the site (Heap's paths answer it with `Allow`, the web SDK's paths
with a CORS preflight). Static segments are looked up in a dict, so matching Heap's hot paths
costs one lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from http_layer.errors import MethodNotAllowed, RouteNotFound

_PARAMETER = re.compile(r"\{(\w+)(?::([\w|]+))?\}")
_SEGMENTS = {"": "[^/]+", "path": ".+"}


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # as the OpenAPI document and the README write it
    view: Callable[..., Any]
    family: str  # the site's name for a group of routes (Heap's API, the control plane, ...): errors render by family
    blocking: bool = False  # may run long (a page over a million events): kept off the event loop under granian
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, method: str, template: str, view: Callable[..., Any], family: str, *, blocking: bool = False) -> Route:
        return cls(method, template, view, family, blocking, _compiled(template) if "{" in template else None)


def _compiled(template: str) -> re.Pattern[str]:
    """The regular expression of a template: its literal parts escaped, each parameter a named group."""
    parts, end = [], 0
    for parameter in _PARAMETER.finditer(template):
        name, words = parameter.group(1), parameter.group(2)
        parts += [re.escape(template[end : parameter.start()]), f"(?P<{name}>{_SEGMENTS.get(words or '', words)})"]
        end = parameter.end()
    return re.compile("^" + "".join(parts) + re.escape(template[end:]) + "$")


_NO_PARAMS: dict[str, str] = {}  # shared by every static match; views only read it


@dataclass(frozen=True)
class Match:
    route: Route
    params: dict[str, str]


class Router:
    """The routes of one site; `match` finds the one serving a request or raises 404/405."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)
        self._static: dict[str, list[Route]] = {}
        self._dynamic: list[Route] = []
        for route in self.routes:
            if route.pattern is None:
                self._static.setdefault(route.template, []).append(route)
            else:
                self._dynamic.append(route)

    def candidates(self, path: str) -> tuple[list[Route], dict[str, str]]:
        """Every route on `path` (any method) and the path's parameters."""
        static = self._static.get(path)
        if static is not None:
            return static, {}
        found: list[Route] = []
        params: dict[str, str] = {}
        for route in self._dynamic:
            assert route.pattern is not None
            matched = route.pattern.match(path)
            if matched is not None:
                found.append(route)
                params = matched.groupdict()
        return found, params

    def match(self, method: str, path: str) -> Match:
        """The route for `method` on `path`; RouteNotFound, or MethodNotAllowed naming the methods that are."""
        routes = self._static.get(path)
        params: dict[str, str] = _NO_PARAMS
        if routes is None:
            routes, params = self.candidates(path)
        if not routes:
            raise RouteNotFound(f"no such endpoint: {method} {path}")
        for route in routes:
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return Match(route, params)
        raise MethodNotAllowed(method, path, allowed_methods(routes))

    def family_of(self, path: str) -> str | None:
        """The family of the routes on `path`, None for a path no route serves."""
        routes, _ = self.candidates(path)
        return routes[0].family if routes else None


def allowed_methods(routes: list[Route]) -> list[str]:
    """What an `Allow` header lists for these routes: their methods, HEAD with GET, and OPTIONS."""
    methods = {route.method for route in routes} | {"OPTIONS"}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
