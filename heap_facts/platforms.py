"""The platforms the seed supports, and how a batch's `device_info.platform` spelling is read.

Seed, Supported Platforms: Android, Data Feeds, iOS, tvOS, SmartTV, Web. Batches spell them as the
mParticle schema does (S1: Android, iOS, tvOS, smart_tv, web) or as the seed does (SmartTV), in any
case, sometimes padded ("  Android "). A data feed carries no device platform at all.
"""

from __future__ import annotations

SUPPORTED_PLATFORMS = frozenset({"android", "ios", "tvos", "smarttv", "web"})
SEED_PLATFORM_NAMES = ("Android", "Data Feeds", "iOS", "tvOS", "SmartTV", "Web")
WEB = "web"


def platform_key(spelling: str) -> str:
    """A platform spelling reduced to its key: no case, spaces, underscores or hyphens (`Smart_TV` -> `smarttv`)."""
    return "".join(char for char in spelling.lower() if char not in " _-\t\r\n")


def is_supported_platform(spelling: str | None) -> bool:
    """Whether the seed forwards a batch from this platform (None or blank: a data feed, which it does)."""
    if spelling is None or not spelling.strip():
        return True
    return platform_key(spelling) in SUPPORTED_PLATFORMS


def is_web(spelling: str | None) -> bool:
    return spelling is not None and platform_key(spelling) == WEB
