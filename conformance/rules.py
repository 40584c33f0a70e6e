"""The conformance rules, as data: what a forwarder must do, and the sentence each rule comes from.

A rule is `documented` when its source is mParticle's Heap integration page (the seed), Heap's
API documentation or HTTP itself; such a rule never depends on a choice of ours, so a forwarder
written by another team can pass it. Where the seed is silent or ambiguous, a documented rule
accepts every reasonable reading, and says which in `readings`; our own choice among them is a
convention. A rule is a `convention` when it checks a decision recorded
in our forwarder's `MAPPING.md` where the seed is silent (session names, property names, ...).
Each rule also says exactly what it reads (`reads`): the mParticle fields, with every spelling it
accepts, and the Heap field it checks, so a reader knows which field was looked at.
The reports, the JUnit XML and `heap-conformance --list-rules` are all built from this catalogue.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum

from heap_facts.limits import DOCUMENTED_LIMITS
from heap_facts.names import CUSTOMER_ID_KEYS, CUSTOMER_ID_TYPE, MPID


class Kind(StrEnum):
    DOCUMENTED = "documented"
    CONVENTION = "convention"


BATCH_FIELDS = (MPID, "user_identities", "device_info", "timestamp_unixtime_ms", "user_attributes")


@dataclass(frozen=True)
class Reads:
    """What a rule reads: mParticle fields (`events[].data.x` is each event's; `settings.x` a
    connection setting), with the spellings it accepts, and the Heap field it checks."""

    mparticle: tuple[str, ...]
    heap: str

    @property
    def batch_fields(self) -> tuple[str, ...]:
        """The batch's own top-level fields among them (not an event's field of the same name)."""
        text = " ".join(self.mparticle)
        return tuple(name for name in BATCH_FIELDS if re.search(rf"(?<![\w.\]]){name}\b", text))

    def text(self) -> str:
        mparticle = "; ".join(self.mparticle) if self.mparticle else "nothing of the batch (the forwarder's own requests)"
        return f"mParticle {mparticle} | Heap {self.heap}"


@dataclass(frozen=True)
class Rule:
    """One checkable statement about a forwarder, with the sentence it comes from."""

    id: str
    statement: str
    source: str
    kind: Kind
    readings: str = ""  # documented rules: what the rule accepts where the seed leaves room, and why
    reads: Reads = Reads((), "")


SEED = "mParticle Heap integration page"
HEAP = "Heap server-side API docs"
MAPPING = "forwarder/MAPPING.md"

_SEED_1TO1 = (
    f'{SEED}, Event Data Mapping: "there will be one Heap event for each app event or screenview event with all '
    'associated data being added to the Heap event properties"'
)
_SEED_COMMERCE = (
    f'{SEED}, Commerce Events: "one main event and one line item event for each product or promotion asssociated '
    'with that main event"'
)
_SEED_LIMITS = f"{SEED}, Data Processing Notes"


def _documented(rule_id: str, statement: str, source: str, readings: str) -> Rule:
    return Rule(rule_id, statement, source, Kind.DOCUMENTED, readings)


def _never_more(what: str, limit: str) -> str:
    """A LIMIT-* statement from Heap's documented limit (heap_facts.limits), so the two cannot disagree."""
    spec = DOCUMENTED_LIMITS[limit]
    return f"The forwarder never sends more than {spec.count_text} {what} in any {spec.window_s:g} s {spec.scope}."


def _convention(rule_id: str, statement: str, source: str) -> Rule:
    return Rule(rule_id, statement, f"{MAPPING}: {source}", Kind.CONVENTION)


CATALOGUE: tuple[Rule, ...] = (
    # --- the 1:1 mapping ---------------------------------------------------------------------
    _documented(
        "MAP-CUSTOM-EVENT",
        "Each custom event becomes exactly one Heap event named after its event_name, carrying every custom attribute.",
        _SEED_1TO1,
        'any property names beside the attributes; a long name or value whole or cut to 1023 or 1024 (see TRUNCATE-1024).',
    ),
    _documented(
        "MAP-CUSTOM-EVENT-TYPE",
        "Each custom event's Heap event has properties.event_type equal to its custom_event_type.",
        f'{SEED}, Custom Events: "custom event types will be populated into the Heap event as properties.event_type"',
        'the type as a string; an event without custom_event_type is not judged here (the default is a convention).',
    ),
    _documented(
        "MAP-SCREEN-NAME",
        "Each screen view becomes exactly one Heap event named 'Viewed: <screen_name>', carrying every custom attribute.",
        f'{SEED}, Screen View Events: "Screen View Events will be mapped into Heap as Viewed: screen_name_here. '
        'All custom event attributes will be added to the properties on the Heap event."',
        'a long name cut to 1023 or 1024; a screen view without screen_name is not judged here (the fallback is a convention).',
    ),
    _documented(
        "MAP-SCREEN-PROPERTY",
        "Each screen view's Heap event has a screen_name property equal to the screen name.",
        f'{SEED}, Event Data Mapping: "Screenview events will have a screen_name attribute."',
        'the screen name whole, or cut to 1023 or 1024 when long.',
    ),
    _documented(
        "MAP-SESSION",
        "Each session_start and each session_end becomes exactly one Heap event.",
        f'{SEED}, Supported Event Types: "The following events are forwarded to Heap ... Session Start/End"',
        'any event name and properties: the seed forwards sessions but does not name their Heap events.',
    ),
    _documented(
        "MAP-UNLISTED",
        "Event types the integration does not list (crash reports, opt-outs, state transitions, ...) produce no Heap event.",
        f'{SEED}, Supported Event Types: "The following events are forwarded to Heap: Custom Events, Commerce Event, '
        'Screen View, Session Start/End"',
        "one reading: the seed's list of forwarded types is explicit.",
    ),
    # --- commerce ----------------------------------------------------------------------------
    _documented(
        "COMMERCE-FANOUT",
        "Each commerce event becomes a main Heap event (for impressions: or one per list) plus one sub-event per product or promotion.",
        _SEED_COMMERCE,
        "for impressions, one main event per commerce event or one per impression list (mParticle's Heap kit): the seed's table does not decide; a commerce event of several kinds is left to DELIVER-ALL, since the table gives one main event per kind.",
    ),
    _documented(
        "COMMERCE-NAMES",
        "The main event is named 'Product Action Event', 'Impression Event' or 'Promotion Event'; every sub-event is 'Item'.",
        f"{SEED}, Commerce Events table: Product Action -> Product Action Event / Item; Product Impression -> "
        "Impression Event / Item; Promotion Event -> Promotion Event / Item",
        'the same number of main events as COMMERCE-FANOUT accepts; main event and Items in any order.',
    ),
    _documented(
        "COMMERCE-ONE-REQUEST",
        "A commerce event's main event and all its sub-events arrive together in a single bulk track request.",
        f'{SEED}, Commerce Events: "Each main and all sub events are sent to Heap\'s bulk endpoint as a single request."',
        'the events in any order within the request; more than 1000 events cannot fit one request, so how to split them is a convention.',
    ),
    _documented(
        "COMMERCE-MAIN-CONTENT",
        "The main event carries the IDs of all its products or promotions, the product action type, and the event attributes.",
        f'{SEED}, Commerce Events table: "Contains information about the mParticle event including the IDs of all '
        'products associated with the product action, the type of product action, and the event attributes."',
        'the IDs under any property names and in any form (one joined list, one property each, spread over per-list main events), the action type in any casing; IDs past what fits 1023 characters may be cut away.',
    ),
    _documented(
        "COMMERCE-ITEM-CONTENT",
        "Each Item sub-event carries its own product's or promotion's fields and custom attributes.",
        f'{SEED}, Commerce Events table: "Contains information about the individual product including all product '
        'attributes." / "Promtion custom attributes are also found here."',
        'each field under any property name, as a number or its string; the Item may come before or after its main event.',
    ),
    # --- carried on every event --------------------------------------------------------------
    _documented(
        "EVENT-TIMESTAMP",
        "Every Heap event carries its mParticle event's timestamp_unixtime_ms as its timestamp.",
        f"{SEED}, Event Data Mapping table: timestamp -> timestamp",
        'ISO 8601 with any offset or epoch milliseconds; an event without its own timestamp is not judged here (the fallback is a convention).',
    ),
    _documented(
        "EVENT-SESSION-ID",
        "Every Heap event carries its mParticle event's session_id (as a string).",
        f'{SEED}, Event Data Mapping table: session_id -> session_id, "The session id that the event is associated with"',
        'one reading; an event without session_id is not judged here (using session_uuid is a convention).',
    ),
    _documented(
        "EVENT-IDENTITY",
        "Every Heap event's identity is the batch's MPID or Customer ID, as External ID selects; a batch without it sends nothing.",
        f'{SEED}, Configuration Settings: External ID "The mParticle User Identity Type to forward as the identifier for '
        'Heap ID resolution. ... MPID and Customer ID currently supported."',
        'the MPID or Customer ID as text, whether the batch sends it as a number or a string, in either user_identities form.',
    ),
    _documented(
        "USER-ATTRIBUTES",
        "User attributes reach add_user_properties for the identity exactly when Forward User Attributes is on.",
        f'{SEED}: "User attributes can be forwarded to Heap when enabled." Connection Settings: Forward User Attributes, '
        'default False, "Controls if the integration sends User Attributes to Heap."',
        'single or bulk add_user_properties, in one request or several; long names and values cut to 1023 or 1024.',
    ),
    _documented(
        "TRUNCATE-1024",
        "Attribute names and values longer than 1024 characters are cut (to 1024, or 1023), not dropped or sent whole.",
        f'{SEED}, Data Processing Notes: "All event attribute names and values will be truncated to 1024 characters to '
        "respect Heap's data limits.\"",
        "a cut to 1024 (the seed: 'truncated to 1024 characters') or to 1023 (D-track: 'fewer than 1024 characters'; mParticle's kit cuts at 1023); a value of exactly 1024 characters whole or cut to 1023.",
    ),
    _documented(
        "TRUNCATE-EVENT-NAME",
        "Event names longer than 1024 characters are cut (to 1024, or 1023), not dropped or sent whole.",
        f'{HEAP}, POST /api/track, event: "Limited to 1024 characters."',
        "a cut to 1024 (D-track: 'limited to 1024 characters') or to 1023, as the same forwarder cuts its values.",
    ),
    _documented(
        "PLATFORMS",
        "Batches from Android, iOS, tvOS, SmartTV, Web and data feeds are forwarded; batches from other platforms are not.",
        f"{SEED}, Supported Platforms: Android, Data Feeds, iOS, tvOS, SmartTV, Web",
        "any spelling of a platform: case, spaces, underscores and hyphens aside (SmartTV, smart_tv, ' Android ', IOS).",
    ),
    _documented(
        "WEB-SERVER-SIDE",
        "With Forward Web Requests Server Side off, web batches send nothing; other platforms are unaffected.",
        f'{SEED}, Connection Settings: Forward Web Requests Server Side, default True, "Controls if the web events will '
        'be sent client-side vs server-side"',
        'one reading; any spelling of web, as PLATFORMS.',
    ),
    # --- delivery ----------------------------------------------------------------------------
    _documented(
        "LIMIT-TRACK",
        _never_more("track requests", "track"),
        f'{_SEED_LIMITS}: "30 events per 30 seconds per identity per app_id to the regular event endpoint."',
        'any pacing that keeps every sliding 30 s window within the limit, and any mix of single and bulk track.',
    ),
    _documented(
        "LIMIT-USER-PROPERTIES",
        _never_more("add_user_properties requests", "user_properties"),
        f'{_SEED_LIMITS}: "30 requests per 30 seconds per identity per app_id to the User Attribute endpoint."',
        'any pacing that keeps every sliding 30 s window within the limit.',
    ),
    _documented(
        "LIMIT-BULK-IDENTITY",
        _never_more("bulk events", "bulk_identity"),
        f'{_SEED_LIMITS}: "1000 events per minute per identity per app_id ... to the bulk endpoint."',
        'any pacing that keeps every sliding 60 s window within the limit.',
    ),
    _documented(
        "LIMIT-BULK-APP",
        _never_more("bulk events", "bulk_app"),
        f'{_SEED_LIMITS}: "... and 15,000 events per minute per app_id to the bulk endpoint."',
        'any pacing that keeps every sliding 60 s window within the limit.',
    ),
    _documented(
        "RETRY-AFTER",
        "After a 429, the forwarder waits at least Retry-After before sending those events again.",
        'RFC 9110 §10.2.3: "Retry-After ... indicate[s] how long the user agent ought to wait before making a '
        'follow-up request."',
        'waiting longer than asked, or pacing so that no 429 comes at all.',
    ),
    _documented(
        "DELIVER-ALL",
        "Every event that should be forwarded is stored by Heap in the end, despite 429s, 5xx answers and dropped connections.",
        f'{SEED}: "mParticle provides a real-time server to server integration to Heap for Event and User attribute '
        'syncing."',
        'any number of attempts and any backoff; a commerce event of several kinds may have one main event per kind, or per impression list.',
    ),
    _documented(
        "EXACTLY-ONCE",
        "No event is stored twice, even when a response is lost after Heap stored the request.",
        f'{HEAP}, POST /api/track, idempotency_key: "A unique ID that will be hashed to Heap\'s event ID keyspace, to '
        'prevent duplication of events."',
        'idempotency keys of any form, or none when nothing is ever sent twice.',
    ),
    _documented(
        "NO-RETRY-400",
        "A request answered 400 is not sent again.",
        'RFC 2616 §10.4.1: "The request could not be understood by the server due to malformed syntax. The client '
        'SHOULD NOT repeat the request without modifications."',
        'one reading: HTTP says the same request will fail again.',
    ),
    # --- our conventions (MAPPING.md), where the seed is silent --------------------------------
    _convention(
        "CONV-SESSION-NAMES",
        "Session starts and ends are named 'Session Start' and 'Session End'.",
        "§2.3 Session Start and Session End, in the seed's own words",
    ),
    _convention(
        "CONV-SCREEN-FALLBACK",
        "A screen view without screen_name is named 'Viewed: <event_name>' and its screen_name property is the event_name.",
        "§2.2 and §4.3: screen_name falls back to event_name (S13's sample sends only event_name)",
    ),
    _convention(
        "CONV-CUSTOM-TYPE-DEFAULT",
        "A custom event without custom_event_type gets properties.event_type = 'other'.",
        "§4.2: event_type = custom_event_type; when absent, other (S4's default)",
    ),
    _convention(
        "CONV-VALUES",
        "Attribute values Heap does not take are converted by one rule: booleans to 'true'/'false', lists joined with '||', nulls dropped.",
        "§4.6 the one value rule",
    ),
    _convention(
        "CONV-SESSION-UUID",
        "An event without session_id carries its session_uuid as the session_id.",
        "§3.2: data.session_id as text, else data.session_uuid",
    ),
    _convention(
        "CONV-COMMERCE-ORDER",
        "In a commerce bulk request the main event comes first, then the Item events in product order.",
        "§5.1: the main event first and then one Item per product or promotion in the batch's order",
    ),
    _convention(
        "CONV-COMMERCE-SPLIT",
        "A commerce event of more than 1000 Heap events is split into consecutive bulk requests of at most 1000.",
        "§5.1: over 1000 Heap events, split into consecutive bulk requests of at most 1000",
    ),
    _convention(
        "CONV-COMMERCE-PROPERTIES",
        "Main events carry product_action/promotion_action and product_ids/promotion_ids ('||'-joined); Items carry product_id or promotion_id.",
        "§5.2-5.5 the commerce property names",
    ),
    _convention(
        "CONV-TIMESTAMP-FALLBACK",
        "An event without timestamp_unixtime_ms takes the batch's timestamp_unixtime_ms.",
        "§3.1: if the event has none, the batch's timestamp_unixtime_ms",
    ),
    _convention(
        "CONV-IDEMPOTENCY",
        "Every Heap event carries an idempotency_key derived from the batch, so re-sending a batch stores nothing new.",
        "§3.3: idempotency_key, a digest of the batch's identity and the event's position",
    ),
    _convention(
        "CONV-USER-ID-RENAME",
        "A user attribute named any casing of 'id' (which Heap refuses) is sent as mparticle_<name>.",
        "§6.2: renamed mparticle_<name>",
    ),
)

# --- what each rule reads ---------------------------------------------------------------------

_CUSTOMER_ID = " or ".join([*(f"user_identities.{key}" for key in CUSTOMER_ID_KEYS), f"user_identities[identity_type={CUSTOMER_ID_TYPE}].identity"])
_IDENTITY = f"mpid (External ID MPID) or {_CUSTOMER_ID} (External ID Customer ID), a number or a string; settings.external_id"
_ATTRIBUTES = "events[].data.custom_attributes (string and number values)"
_COMMERCE = "events[].data.product_action.products[], .promotion_action.promotions[] or .product_impressions[].products[]"
_AT_ITS_TIME = "the stored events at the event's timestamp"
_JOURNAL = "the simulator's journal of requests"


def _reads(*mparticle: str, heap: str) -> Reads:
    return Reads(mparticle, heap)


READS: dict[str, Reads] = {
    "MAP-CUSTOM-EVENT": _reads("events[].data.event_name", _ATTRIBUTES, heap=f"event (the name) and properties.<attribute name>, of {_AT_ITS_TIME}"),
    "MAP-CUSTOM-EVENT-TYPE": _reads("events[].data.custom_event_type", heap=f"properties.event_type of {_AT_ITS_TIME}"),
    "MAP-SCREEN-NAME": _reads("events[].data.screen_name", _ATTRIBUTES, heap=f"event (the name) and properties.<attribute name>, of {_AT_ITS_TIME}"),
    "MAP-SCREEN-PROPERTY": _reads("events[].data.screen_name", heap=f"properties.screen_name of {_AT_ITS_TIME}"),
    "MAP-SESSION": _reads("events[].event_type session_start or session_end", heap=f"how many are {_AT_ITS_TIME} (any name)"),
    "MAP-UNLISTED": _reads("events[].event_type (any type but the five forwarded)", heap=f"{_AT_ITS_TIME}; any stored event no mParticle event accounts for"),
    "COMMERCE-FANOUT": _reads(_COMMERCE, heap=f"how many are {_AT_ITS_TIME}"),
    "COMMERCE-NAMES": _reads(_COMMERCE, heap=f"event (the names) of {_AT_ITS_TIME}"),
    "COMMERCE-ONE-REQUEST": _reads(_COMMERCE, heap=f"the request each of {_AT_ITS_TIME} came in (bulk track events[])"),
    "COMMERCE-MAIN-CONTENT": _reads(
        "events[].data.product_action.products[].id (or promotions[].id)", "events[].data.product_action.action", _ATTRIBUTES,
        heap="the main event's property values, under any names; the attributes by name",
    ),
    "COMMERCE-ITEM-CONTENT": _reads(
        f"{_COMMERCE}: each field and .custom_attributes", heap="each Item's property values, under any names; custom attributes by name"
    ),
    "EVENT-TIMESTAMP": _reads("events[].data.timestamp_unixtime_ms (a number or a string of digits)", heap="timestamp (ISO 8601 or epoch milliseconds) of the stored events"),
    "EVENT-SESSION-ID": _reads(
        "events[].data.session_id (a number or a string)", heap=f"session_id, the track event's own field, of {_AT_ITS_TIME} (properties.session_id does not count)"
    ),
    "EVENT-IDENTITY": _reads(_IDENTITY, heap=f"identity of {_AT_ITS_TIME}, and of every other stored event"),
    "USER-ATTRIBUTES": _reads(
        "user_attributes (string and number values)", _IDENTITY, "settings.forward_user_attributes",
        heap="add_user_properties requests (single or users[]): identity and properties",
    ),
    "TRUNCATE-1024": _reads(
        f"{_ATTRIBUTES}, items' custom_attributes and user_attributes: names or values over 1023 characters",
        heap="property names and values, on the stored events and users",
    ),
    "TRUNCATE-EVENT-NAME": _reads("events[].data.event_name or screen_name over 1024 characters", heap=f"event (the name) of {_AT_ITS_TIME}"),
    "PLATFORMS": _reads(
        "device_info.platform (any case; spaces, _ and - ignored; absent: a data feed)", _IDENTITY, heap=f"whether there are {_AT_ITS_TIME}, and stored users"
    ),
    "WEB-SERVER-SIDE": _reads("device_info.platform", "settings.forward_web_requests_server_side", heap=f"whether there are {_AT_ITS_TIME}, and stored users"),
    "LIMIT-TRACK": _reads(heap=f"{_JOURNAL}: single track requests, and 429s the simulator answered with limit.track"),
    "LIMIT-USER-PROPERTIES": _reads(heap=f"{_JOURNAL}: add_user_properties requests, and 429s with limit.user_properties"),
    "LIMIT-BULK-IDENTITY": _reads(heap=f"{_JOURNAL}: bulk track requests, and 429s with limit.bulk_identity"),
    "LIMIT-BULK-APP": _reads(heap=f"{_JOURNAL}: bulk track requests, and 429s with limit.bulk_app"),
    "RETRY-AFTER": _reads(heap=f"{_JOURNAL}: each 429's Retry-After, and when the same events came again"),
    "DELIVER-ALL": _reads("events[] that the seed forwards", "user_attributes", heap=f"how many are {_AT_ITS_TIME}; accepted add_user_properties requests"),
    "EXACTLY-ONCE": _reads("events[]", heap="the stored events: name, timestamp, identity and properties, each stored once"),
    "NO-RETRY-400": _reads(heap=f"{_JOURNAL}: requests after a 400 that carry the same events"),
    "CONV-SESSION-NAMES": _reads("events[].event_type session_start or session_end", heap=f"event (the name) of {_AT_ITS_TIME}"),
    "CONV-SCREEN-FALLBACK": _reads("events[].data.event_name of a screen view without screen_name", heap=f"event and properties.screen_name of {_AT_ITS_TIME}"),
    "CONV-CUSTOM-TYPE-DEFAULT": _reads("events[].data.custom_event_type (absent)", heap=f"properties.event_type of {_AT_ITS_TIME}"),
    "CONV-VALUES": _reads("events[].data.custom_attributes: booleans, lists and nulls", heap=f"properties.<attribute name> of {_AT_ITS_TIME}"),
    "CONV-SESSION-UUID": _reads("events[].data.session_uuid (without session_id)", heap=f"session_id, the track event's own field, of {_AT_ITS_TIME}"),
    "CONV-COMMERCE-ORDER": _reads(_COMMERCE, heap=f"the order of {_AT_ITS_TIME}"),
    "CONV-COMMERCE-SPLIT": _reads(_COMMERCE, heap=f"the requests {_AT_ITS_TIME} came in, and their sizes"),
    "CONV-COMMERCE-PROPERTIES": _reads(_COMMERCE, heap="properties product_action, product_ids, product_id (or promotion_*) of the main event and Items"),
    "CONV-TIMESTAMP-FALLBACK": _reads("timestamp_unixtime_ms of the batch, for events without their own", heap="how many stored events are at the batch's timestamp"),
    "CONV-IDEMPOTENCY": _reads("events[]", heap=f"{_JOURNAL}: idempotency_key of every event sent"),
    "CONV-USER-ID-RENAME": _reads("user_attributes.id (any casing)", "settings.forward_user_attributes", heap="accepted add_user_properties properties"),
}

CATALOGUE = tuple(dataclasses.replace(rule, reads=READS[rule.id]) for rule in CATALOGUE)
RULES: dict[str, Rule] = {rule.id: rule for rule in CATALOGUE}


class UnknownRule(ValueError):
    """A rule ID that is not in the catalogue."""


def select_rules(ids: list[str] | None, kind: Kind | None = None) -> tuple[Rule, ...]:
    """The rules named by `ids` (all for None) and of `kind` (any for None), in catalogue order; unknown IDs are refused by name."""
    unknown = [rule_id for rule_id in ids or () if rule_id not in RULES]
    if unknown:
        raise UnknownRule(f"unknown rule ID(s): {', '.join(unknown)}; known: {', '.join(RULES)}")
    wanted = set(ids) if ids is not None else set(RULES)
    return tuple(rule for rule in CATALOGUE if rule.id in wanted and (kind is None or rule.kind == kind))
