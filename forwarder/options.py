"""The command-line options `heap-forward` and `heap-forward serve` share: where to send, the
integration's settings and how to deliver, written once so the two commands cannot drift."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from forwarder.pacing import DOCUMENTED_LIMITS, Limit
from forwarder.settings import Settings, SettingsError
from heap_facts import fields
from heap_facts.names import EXTERNAL_IDS, MPID

T = TypeVar("T")

# How each connection setting is changed on heap-forward (and heap-forward serve)'s command line:
# printed at start and shown beside an event a setting kept back.
SETTING_FLAGS = {
    "app_id": "--app-id <digits>",
    "external_id": "--external-id mpid|customer_id",
    "forward_user_attributes": "--forward-user-attributes (off unless given)",
    "forward_web_requests_server_side": "--no-forward-web-server-side (on unless given)",
}


def add_settings_options(parser: argparse.ArgumentParser) -> None:
    """Heap's URL and app_id, the integration's settings, and the delivery knobs."""
    parser.add_argument("--heap-url", required=True, help="Heap's base URL, e.g. https://heapanalytics.com or a heap-mock URL")
    parser.add_argument("--app-id", required=True, help="the numeric Heap environment ID (app_id)")
    parser.add_argument("--external-id", choices=EXTERNAL_IDS, default=MPID, help=f"the identity sent to Heap (default: {MPID})")
    parser.add_argument("--forward-user-attributes", action="store_true", help="send user attributes to /api/add_user_properties")
    parser.add_argument("--no-forward-web-server-side", action="store_true", help="skip web batches (their events go client-side)")
    parser.add_argument("--max-attempts", type=positive_int, default=6, help="attempts per request on 5xx and connection errors (default: 6)")
    parser.add_argument(
        "--time-scale",
        type=positive_number,
        default=1.0,
        help="pace to Heap's windows divided by N, for a simulator whose clock runs N times faster (default: 1)",
    )


def settings_from_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    """The integration's settings from the parsed options; a bad one ends the command as argparse does."""
    try:
        return Settings(
            app_id=args.app_id,
            external_id=args.external_id,
            forward_user_attributes=args.forward_user_attributes,
            forward_web_requests_server_side=not args.no_forward_web_server_side,
        )
    except SettingsError as error:
        parser.error(str(error))
        raise  # unreachable: parser.error exits


def scaled_limits(time_scale: float) -> dict[str, Limit]:
    """Heap's documented limits with their windows shortened for a clock running `time_scale` times faster."""
    return {name: Limit(limit.limit, limit.window_s / time_scale) for name, limit in DOCUMENTED_LIMITS.items()}


def truth(text: str) -> bool:
    """true/false (yes/no, on/off, 1/0) as a switch's value, for options a Makefile variable sets."""
    value = text.strip().lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise argparse.ArgumentTypeError(f"must be true or false, got {text!r}")


def positive_number(text: str) -> float:
    """A finite number above 0 (heap_facts.fields), as an option's value."""
    return _option(lambda value: fields.number(value, "value", above=0), text)


def positive_int(text: str) -> int:
    """A whole number of 1 or more (heap_facts.fields), as an option's value."""
    return _option(lambda value: fields.whole_number(value, "value", low=1), text)


def _option(check: Callable[[int | float | str], T], text: str) -> T:
    """`check` on the number `text` spells; argparse names the option in its message, so ours says only the rule."""
    try:
        return check(fields.from_text(text))
    except fields.FieldError as error:
        raise argparse.ArgumentTypeError(error.problem) from None
