"""The catalogue of payload and rate-limit rules the simulator enforces, as data.

Each rule has an ID, a one-line statement, its source and whether Heap documents it or it is one
of our assumptions. The 400 body, the journal entry and FIDELITY.md are all built from these
objects, so they can never disagree. Sources use the short keys of `shared/reference/heap-api.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from heap_facts.lengths import MAX_BULK_ITEMS, MAX_DELETION_USERS, MAX_EVENT_NAME, MAX_IDENTITY, MAX_PROPERTY_NAME, MAX_VALUE
from heap_facts.limits import DOCUMENTED_LIMITS


class Evidence(str, Enum):
    DOCUMENTED = "documented"  # Heap's own documentation says it
    OBSERVED = "observed"  # a real client saw the live server do it
    CLIENTS = "clients"  # seen only in clients (they send it; no live answer is on record)
    ASSUMED = "assumed"  # Heap is silent; this is our choice, configurable where it matters


def _limit(what: str, name: str) -> str:
    """A rate-limit rule's statement, from Heap's documented limit (heap_facts.limits)."""
    spec = DOCUMENTED_LIMITS[name]
    return f"{what}: at most {spec.count_text} {spec.unit} per {spec.window_s:g} s {spec.scope} (429 beyond)."


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    source: str
    evidence: Evidence


_RULES = [
    Rule("body.json", "The body is valid JSON.", "heap-api.md §8", Evidence.ASSUMED),
    Rule("body.object", "The body is a JSON object.", "PHP1 issue #4 (postBody should be object)", Evidence.OBSERVED),
    Rule("body.size", "The body is at most `max_body_bytes` (10 MiB by default); larger answers 413.", "heap-api.md §7.14 (undocumented)", Evidence.ASSUMED),
    Rule("body.incomplete", "A body cut short (shorter than its `Content-Length`, or chunked without its final chunk) answers 400 and stores nothing.", "HTTP/1.1 (RFC 9112 §6.3, §7.1); Heap undocumented", Evidence.ASSUMED),
    Rule("app_id.required", "`app_id` is present.", "D-track, D-aup, D-aap, D-ident: required", Evidence.DOCUMENTED),
    Rule("app_id.numeric", "`app_id` is numeric: a string of digits or a whole number.", "SEG-old, RUBY live tests: app_id 'x' → 400", Evidence.OBSERVED),
    Rule("bulk.array", "`events`, `users` and `accounts` are arrays of objects.", "D-btrack, D-baup, D-baap", Evidence.DOCUMENTED),
    Rule("bulk.size", f"A bulk request holds 1 to {MAX_BULK_ITEMS} items.", "D-btrack, D-baup, D-baap: max 1000", Evidence.DOCUMENTED),
    Rule("track.event.required", "Every tracked event has an `event` name, a non-empty string.", "D-track: required", Evidence.DOCUMENTED),
    Rule("track.event.length", f"An event name is at most {MAX_EVENT_NAME} characters.", "D-track: limited to 1024 characters", Evidence.DOCUMENTED),
    Rule("track.identity_xor_user_id", "A tracked event has exactly one of `identity` and `user_id`.", "D-track: either identity or user_id, but not both", Evidence.DOCUMENTED),
    Rule("identity.format", f"`identity` is a non-empty string of at most {MAX_IDENTITY} characters (case-sensitive).", "D-track, D-aup, D-ident: limited to 255 characters", Evidence.DOCUMENTED),
    Rule("user_id.format", "`user_id` is an integer in 0..2^53-1, as a string (or a number, as Heap's own examples send).", "D-track, D-ident; D-del example", Evidence.DOCUMENTED),
    Rule("properties.object", "`properties` is a JSON object.", "PHP1 issue #4 (observed 400)", Evidence.OBSERVED),
    Rule("properties.key_length", f"A property name is at most {MAX_PROPERTY_NAME} characters.", "D-track, D-aup, D-aap", Evidence.DOCUMENTED),
    Rule("properties.value_type", "A property value is a string or a number; on track an array of them is joined with `||`. Nulls and objects are rejected.", "D-track, D-aup, D-aap: number or string", Evidence.DOCUMENTED),
    Rule("properties.boolean", "A property value is not a boolean (Heap documents numbers and strings).", "D-track, D-aup, D-aap: number or string", Evidence.DOCUMENTED),
    Rule("properties.value_length", f"A string property value is fewer than {MAX_VALUE} characters (arrays on track are cut to {MAX_VALUE} instead).", "D-track: fewer than 1024 characters; arrays truncated", Evidence.DOCUMENTED),
    Rule("user_properties.reserved_id", "A user property name is not any casing of `id`.", "D-aup, D-baup", Evidence.DOCUMENTED),
    Rule("timestamp.format", "`timestamp` is ISO 8601 (any offset; none means UTC) or epoch milliseconds; absent means now.", "D-track (ISO 8601); TEAL, SEG2, I18N (epoch ms)", Evidence.DOCUMENTED),
    Rule("session_id.format", "`session_id` is a string.", "D-track", Evidence.DOCUMENTED),
    Rule("idempotency_key.format", "`idempotency_key` is a non-empty string; a repeated key is accepted and stored once.", "D-track: subsequent calls with the same key do not update data", Evidence.DOCUMENTED),
    Rule("user_properties.identity_required", "add_user_properties names an `identity`.", "D-aup: required", Evidence.DOCUMENTED),
    Rule("account_properties.account_id_required", "add_account_properties names an `account_id` (a non-empty string).", "D-aap: account_id", Evidence.DOCUMENTED),
    Rule("integrations.user_identifier", "A partner request (`/api/integrations/*`) names each user in a `user_identifier` object: identity, email or anonymous_id (or user_id, on track).", "SEG (segmentio/action-destinations destinations/heap); LOOK (Looker's Heap action); seen only in clients", Evidence.CLIENTS),
    Rule("identify.required", "identify has `user_id` and `identity`.", "D-ident: required", Evidence.DOCUMENTED),
    Rule("identify.one_identity_per_user_id", "A user_id keeps its first identity; a later, different one is silently dropped (200).", "D-ident", Evidence.DOCUMENTED),
    Rule("identify.ten_user_ids_per_identity", "An identity takes at most 10 user_ids per 30 days; the 11th is silently ignored (200).", "D-ident: over a one-month period", Evidence.DOCUMENTED),
    Rule("deletion.auth", "The deletion API needs Basic app_id:api_key for a token, then that Bearer token (5 minutes).", "D-del, H-postman", Evidence.DOCUMENTED),
    Rule("deletion.users", f"A deletion request holds 1 to {MAX_DELETION_USERS:,} users, each with exactly one of `user_id` and `identity`.", "D-del", Evidence.DOCUMENTED),
    Rule("deletion.not_found", "An unknown deletion request id answers 404.", "D-del", Evidence.DOCUMENTED),
    Rule("limit.track", _limit("Single track", "track"), "D-track; seed: Data Processing Notes", Evidence.DOCUMENTED),
    Rule("limit.user_properties", _limit("add_user_properties", "user_properties"), "D-aup; seed: Data Processing Notes", Evidence.DOCUMENTED),
    Rule("limit.bulk_identity", _limit("Bulk track", "bulk_identity"), "D-btrack; seed: Data Processing Notes", Evidence.DOCUMENTED),
    Rule("limit.bulk_app", _limit("Bulk track", "bulk_app"), "D-btrack; seed: Data Processing Notes", Evidence.DOCUMENTED),
    Rule("limit.response", "A throttled request answers 429 with `Retry-After` (whole seconds), stores nothing and uses no budget.", "heap-api.md §7.2 (throttle response undocumented)", Evidence.ASSUMED),
    Rule("fault.injected", "A request matched by an injected fault gets the fault's answer and stores nothing.", "heap-sim control API", Evidence.ASSUMED),
    Rule("fault.delay_capacity", "A delayed request that finds every spare request thread already waiting out a delay answers 503 at once (one thread stays free for /_mock/).", "heap-sim (heap_mock/delay_room.py)", Evidence.ASSUMED),
    Rule("route.not_found", "Unknown paths answer 404 as JSON.", "heap-sim", Evidence.ASSUMED),
    Rule("route.method", "A wrong method answers 405 as JSON.", "heap-sim", Evidence.ASSUMED),
    Rule("control.invalid", "A request to the /_mock/ control API is well formed.", "heap-sim", Evidence.ASSUMED),
    Rule("control.not_found", "A /_mock/ call naming something the simulator does not hold (a journal entry dropped past journal_limit) answers 404 as JSON.", "heap-sim", Evidence.ASSUMED),
    Rule("control.host", "The console and /_mock/ answer only names the simulator is reachable as (IP addresses, localhost, `allowed_hosts`); others get 403, against DNS rebinding.", "heap-sim (heap_mock/origin_policy.py)", Evidence.ASSUMED),
    Rule("control.origin", "/_mock/ takes writes only from its own origin or from clients that send no Origin; others get 403.", "heap-sim (heap_mock/origin_policy.py)", Evidence.ASSUMED),
    Rule("control.content_type", "/_mock/ takes writes only as `application/json` or with no body; others get 415.", "heap-sim (heap_mock/origin_policy.py)", Evidence.ASSUMED),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def rule(rule_id: str) -> Rule:
    """Look a rule up by ID; an unknown ID is a programming error, so it raises KeyError."""
    return RULES[rule_id]
