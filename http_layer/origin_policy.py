"""Who may use a site's own pages: the defence against cross-site requests and DNS rebinding.

Both sites use it: the simulator for `/_mock/`, the console and `/openapi.json`; the front for
`/_front/`. Written here for the simulator; the front's pages are guarded the same way.

A simulator on 127.0.0.1 is still reachable from every page the developer's browser opens:

- Cross-site requests. A page on any origin may send a "simple" request without asking first: an
  auto-submitted form (urlencoded, multipart or `text/plain`) or a `fetch` with `mode: "no-cors"`
  and a `text/plain` body. It cannot read the answer, but the request does its work: it can reset
  the simulator, move its clock, install faults. Such a request always carries an `Origin` header
  naming the page, and can only have one of those three content types.
- DNS rebinding. A page on `attacker.example` whose name is re-pointed at 127.0.0.1 becomes, as far
  as the browser knows, same-origin with the simulator, so it may read the answers as well. Its
  requests carry `Host: attacker.example`.

So the simulator's own pages (the `/_mock/` API, the console, `/openapi.json`) answer only:

- requests whose Host is a name the simulator is reachable as: any IP address (a rebinding page is
  always on a name; a page on an address is that address's own origin), `localhost`, and the names
  in the `allowed_hosts` setting (`heap-mock serve --allow-host NAME`; `*` allows any name), for a
  simulator reached by a container or network name;
- and, for writes (every method but GET, HEAD and OPTIONS), only requests that send no `Origin`
  (tools and tests) or the simulator's own origin (the console), with a JSON body (`Content-Type:
  application/json`) or none at all. A browser must ask before sending JSON across origins (a CORS
  preflight), and the simulator answers no preflight with a CORS grant, so the browser never sends it.

Heap's endpoints stay as open as Heap's: any Host and any Origin. A forwarder or SDK may reach the
simulator under Heap's own name (a hosts-file entry, a proxy) or a container name, and what a
rebinding page could do there is what any page can already do with a form: send analytics.
Heap's answers carry no stored data (a deletion status needs a bearer token the page cannot know);
stored data is read only through `/_mock/`, which the Host check protects.

Pure: the decision is made from a `Request` (before its body is read) and the allowed names; no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from http_layer.answers import Headers
from http_layer.bodies import has_body
from http_layer.errors import CrossSiteWrite, ForeignHost, HttpError, NotJsonWrite
from http_layer.request import Request

ANY_HOST = "*"
LOOPBACK_NAMES = frozenset({"localhost"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_MEDIA_TYPE = "application/json"

# Every page a site serves to a browser carries these: its own scripts and styles only, nothing
# inline or from another origin, no framing, no sniffing, no referrer. Pages render received
# text with textContent only; this is the second line of defence.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS: Headers = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)


@dataclass(frozen=True)
class HostAllowList:
    """The names a site answers to on its own pages, beside IP addresses and `localhost`."""

    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str]) -> HostAllowList:
        return cls(frozenset(name.strip().lower().rstrip(".") for name in names))

    def allows(self, hostname: str) -> bool:
        return ANY_HOST in self.names or hostname in LOOPBACK_NAMES or hostname in self.names or is_ip_address(hostname)


def host_name(host_header: str) -> str:
    """The name in a Host header, lower-cased, without its port or a final dot: `[::1]:8080` -> `::1`."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    name = value.rsplit(":", 1)[0] if value.count(":") == 1 else value
    return name.rstrip(".")


def is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def same_origin(origin: str, host_header: str) -> bool:
    """Whether an Origin header names the site the request was sent to (scheme aside, which a proxy may change)."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.strip().lower()


def refusal(request: Request, hosts: HostAllowList, *, setting: str) -> HttpError | None:
    """Why a site's own pages must not answer this request, or None if they may.

    `setting` says how to allow another name on this site (its flag or config key), for the message.
    A request without a Host header (HTTP/1.0) names nothing to rebind, so it is judged on the rest.
    """
    host = request.host
    if host is not None and not hosts.allows(host_name(host)):
        return ForeignHost(
            f"this server does not answer to the name {host_name(host)[:80]!r} on its own pages (a guard against "
            f"DNS rebinding); add it with {setting}"
        )
    if request.method in READ_METHODS:
        return None
    origin = request.header("origin")
    if origin is not None and (host is None or not same_origin(origin, host)):
        return CrossSiteWrite(
            f"the control plane takes writes only from its own pages or from clients that send no Origin; "
            f"this one came from {origin[:200]!r}"
        )
    content_type = request.header("content-type")
    if (has_body(request.headers) or content_type is not None) and not is_json(content_type):
        return NotJsonWrite(
            f"control-plane writes take a JSON body (Content-Type: {JSON_MEDIA_TYPE}) or none; got {content_type!r}"
        )
    return None


def is_json(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == JSON_MEDIA_TYPE
