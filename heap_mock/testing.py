"""A small HTTP client for a running simulator's inspection and control API.

Used by the pytest plugin, the conformance suite and anyone scripting against `heap-mock serve`.
"""

from __future__ import annotations

from typing import Any

import requests


class MockClientError(RuntimeError):
    """The control API refused a call; the message is the simulator's own."""


class MockClient:
    def __init__(self, url: str, session: requests.Session | None = None, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout

    # --- Heap's own paths ----------------------------------------------------------------------
    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        """POST to a Heap path (e.g. `/api/track`) and return the raw response, whatever its status."""
        return self.session.post(f"{self.url}{path}", json=body, timeout=self.timeout, **kwargs)

    # --- control -------------------------------------------------------------------------------
    def _control(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        query = {key: value for key, value in params.items() if value is not None}
        response = self.session.request(method, f"{self.url}/_mock{path}", json=body, params=query, timeout=self.timeout)
        if response.status_code >= 400:
            raise MockClientError(f"{method} /_mock{path} answered {response.status_code}: {response.text}")
        return response.json()

    def reset(self) -> None:
        self._control("POST", "/reset")

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._control("GET", "/health")
        return result

    def config(self) -> dict[str, Any]:
        """The settings the simulator runs with."""
        result: dict[str, Any] = self._control("GET", "/config")
        return result

    def clock(self) -> dict[str, Any]:
        result: dict[str, Any] = self._control("GET", "/clock")
        return result

    def set_clock(self, iso: str) -> dict[str, Any]:
        result: dict[str, Any] = self._control("POST", "/clock", {"set": iso})
        return result

    def advance(self, seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = self._control("POST", "/clock", {"advance": seconds})
        return result

    def real_time(self) -> dict[str, Any]:
        result: dict[str, Any] = self._control("POST", "/clock", {"mode": "real"})
        return result

    def scale_time(self, rate: float) -> dict[str, Any]:
        result: dict[str, Any] = self._control("POST", "/clock", {"mode": "scaled", "rate": rate})
        return result

    def events(self, **filters: Any) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._control("GET", "/events", **filters)["events"]
        return result

    def users(self, **filters: Any) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._control("GET", "/users", **filters)["users"]
        return result

    def accounts(self, **filters: Any) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._control("GET", "/accounts", **filters)["accounts"]
        return result

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries whole, bodies and all (`fields="summary"` for what the console's list shows)."""
        result: list[dict[str, Any]] = self._control("GET", "/requests", **{"fields": "full", **filters})["requests"]
        return result

    def request(self, request_id: str) -> dict[str, Any]:
        """One journal entry whole, by its request ID."""
        result: dict[str, Any] = self._control("GET", f"/requests/{request_id}")
        return result

    def rules(self) -> list[dict[str, Any]]:
        """The rule catalogue, each rule with its evidence and what each fidelity does with it."""
        result: list[dict[str, Any]] = self._control("GET", "/rules")["rules"]
        return result

    def limits(self) -> dict[str, Any]:
        result: dict[str, Any] = self._control("GET", "/limits")
        return result

    def add_fault(self, **spec: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._control("POST", "/faults", spec)
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._control("GET", "/faults")["faults"]
        return result

    def clear_faults(self) -> None:
        self._control("DELETE", "/faults")
