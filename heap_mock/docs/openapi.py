"""The OpenAPI 3.1 description served at `GET /openapi.json`.

It describes Heap's endpoints as this simulator implements them (not every nuance of Heap's own
API) and the `/_mock/` inspection and control API. tests/console/test_openapi.py keeps it true:
every route of the app is a path here and the other way round, and real requests and answers
validate against these schemas. Mock answers are described with `additionalProperties: false`,
so a field added to an answer without being added here fails that test.
"""

from __future__ import annotations

import re
from typing import Any

from heap_facts.lengths import MAX_IDENTITY, MAX_USER_ID
from heap_facts.paths import (
    ADD_ACCOUNT_PROPERTIES,
    ADD_USER_PROPERTIES,
    AUTH_TOKEN,
    DELETION_STATUS,
    IDENTIFY,
    INTEGRATIONS_ADD_USER_PROPERTIES,
    INTEGRATIONS_TRACK,
    TRACK,
    USER_DELETION,
)  # fmt: skip
from heap_facts.times import MAX_EPOCH_MS
from heap_mock.clock import MAX_RATE
from heap_mock.config import CHOICES, THROTTLE_STATUS_RANGE, Config
from heap_mock.endpoints.common import MAX_NAME
from heap_mock.endpoints.json_numbers import MAX_JSON_INT, MIN_JSON_INT
from heap_mock.fidelity import Fidelity
from heap_mock.paths import CONTROL_PREFIX, SIMULATOR_PAGES
from heap_mock.store.events import STORED_ENDPOINTS
from heap_mock.store.faults import DELAY_MS_RANGE, RETRY_AFTER_RANGE, SEED_RANGE, STATUS_RANGE, TIMES_RANGE
from heap_mock.store.journal import JOURNAL_FIELDS
from heap_mock.store.session import FORMAT as SESSION_FORMAT
from heap_mock.store.session import FORMAT_VERSION as SESSION_VERSION
from heap_mock.version import version

Schema = dict[str, Any]

HEAP_TAG, MOCK_TAG, CONSOLE_TAG = "Heap API", "Mock control", "Console"
DEFAULTS = Config()
MAX_BULK = DEFAULTS.max_bulk_items  # the documented default (D-btrack, D-baup, D-baap)
MAX_QUERY_INT = 10**18 - 1  # whole-number query parameters have at most 18 digits (views/control.py)
WARNINGS = {"type": "array", "items": {"$ref": "#/components/schemas/Warning"},
            "description": "Documented rules broken and accepted anyway under fidelity `observed` (see FIDELITY.md)."}


def int_range(bounds: tuple[int, int]) -> Schema:
    """An integer schema with the bounds the code checks."""
    return {"type": "integer", "minimum": bounds[0], "maximum": bounds[1]}


def openapi_document(fidelity: Fidelity = Fidelity.OBSERVED) -> dict[str, Any]:
    """The whole document for a simulator of this `fidelity`, built fresh on each call so no caller
    can change another's copy. What a request may hold differs by fidelity: under `observed` a
    boolean value, a 1024-character value and a user property named `id` are accepted (with a
    warning); under `documented` they are refused, so the schemas leave them out."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "heap-sim: Heap server-side API simulator",
            "version": version(),
            "description": (
                "Heap's server-side endpoints as the simulator implements them, and the simulator's own "
                "/_mock/ API for inspecting what arrived and controlling the clock, limits and faults. "
                "Any Heap path may also answer with an injected fault (see /_mock/faults). "
                "A Heap request has three outcomes: refused (400, nothing stored), accepted with warnings, or "
                "accepted. A warning names a documented rule that live Heap was seen to let through: under the "
                "`fidelity` setting `observed` (the default) such a request is accepted and its warnings (rule ID, "
                "JSON path, the fact that triggered it, the evidence and its source) are kept with the request in "
                "the journal (/_mock/requests) and with each stored event (/_mock/events); under `documented` it is "
                "refused. The rules: booleans as property values (stored as \"true\"/\"false\"), a user property "
                "named any casing of `id` (not stored), a string value of exactly 1024 characters. See FIDELITY.md."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": HEAP_TAG, "description": "Heap's own paths, answered as Heap documents them."},
            {"name": MOCK_TAG, "description": "Inspection and control, under the reserved prefix /_mock/."},
            {"name": CONSOLE_TAG, "description": "The web console and this document."},
        ],
        "paths": {**heap_paths(), **mock_paths(), **console_paths()},
        "components": {"schemas": {**heap_schemas(fidelity), **mock_schemas()}},
    }


# --- small builders -----------------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def json_body(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def text_body(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


def operation(op_id: str, tag: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "tags": [tag], "summary": summary, **extra, "responses": responses}


def query_params(*specs: tuple[str, Schema, str]) -> list[dict[str, Any]]:
    return [{"name": name, "in": "query", "required": False, "schema": schema, "description": text} for name, schema, text in specs]


def strict_object(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """An answer's shape, closed: a field the simulator adds must be described here too."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


# --- Heap -------------------------------------------------------------------------------------

RETRY_AFTER = {"Retry-After": {"description": "Whole seconds until the window has room.", "schema": {"type": "string"}}}
FAULT_RESPONSE = text_body("An injected fault: any status, plain text, with Retry-After if the rule set one.")


WARNED = (
    " Under fidelity `observed`, a body breaking a documented rule that live Heap accepts (booleans, a user"
    " property `id`, a 1024-character value) is accepted too, with warnings in the journal and on its events."
)


def heap_responses(ok: dict[str, Any], *, limited: bool) -> dict[str, Any]:
    """The answers every Heap ingestion endpoint shares: 400 lists each broken rule on a line."""
    responses = {
        "200": {**ok, "description": ok["description"] + WARNED},
        "400": text_body("The body breaks payload rules; one line per violation, `path expectation`. Nothing is stored."),
        "413": json_body(ref("Error"), "The body is over `max_body_bytes`."),
    }
    if limited:
        responses["429"] = {**text_body(
            "Over a documented rate limit; stores nothing and uses no budget. Heap's own throttle answer is undocumented: "
            "`throttle_status`, `throttle_retry_after` (seconds, milliseconds, none) and `throttle_body` (text, json, empty) "
            "reshape this one."), "headers": RETRY_AFTER}
    return {**responses, "default": FAULT_RESPONSE}


def heap_paths() -> dict[str, Any]:
    empty = {"description": "Accepted; the body is `success_body` (default `{}`; Heap's is undocumented).", "content": {
        "application/json": {"schema": ref("Empty")}, "text/plain": {"schema": {"type": "string", "enum": ["OK", ""]}}}}
    return {
        TRACK: {"post": operation(
            "track", HEAP_TAG, "Track one event, or up to 1000 in `events` (bulk track)",
            heap_responses(empty, limited=True), requestBody={"required": True, **json_body(ref("TrackRequest"), "")})},
        ADD_USER_PROPERTIES: {"post": operation(
            "addUserProperties", HEAP_TAG, "Set properties of one identity, or of up to 1000 in `users`",
            heap_responses(empty, limited=True), requestBody={"required": True, **json_body(ref("UserPropertiesRequest"), "")})},
        ADD_ACCOUNT_PROPERTIES: {"post": operation(
            "addAccountProperties", HEAP_TAG, "Set properties of one account, or of up to 1000 in `accounts`",
            heap_responses(text_body("Accepted; the body is `OK`."), limited=False),
            requestBody={"required": True, **json_body(ref("AccountPropertiesRequest"), "")})},
        IDENTIFY: {"post": operation(
            "identify", HEAP_TAG, "Tie a Heap SDK user_id to an identity (over the documented caps: 200, ignored)",
            heap_responses(empty, limited=False), requestBody={"required": True, **json_body(ref("IdentifyRequest"), "")})},
        INTEGRATIONS_TRACK: {"post": operation(
            "integrationsTrack", HEAP_TAG, "Heap's partner track (as Segment's destination sends it): up to 1000 events, limited as bulk track",
            heap_responses(empty, limited=True), requestBody={"required": True, **json_body(ref("IntegrationsTrackRequest"), "")})},
        INTEGRATIONS_ADD_USER_PROPERTIES: {"post": operation(
            "integrationsAddUserProperties", HEAP_TAG, "Heap's partner add_user_properties: up to 1000 users, limited as add_user_properties",
            heap_responses(empty, limited=True), requestBody={"required": True, **json_body(ref("IntegrationsUserPropertiesRequest"), "")})},
        **deletion_paths(),
    }


def deletion_paths() -> dict[str, Any]:
    unauthorized = json_body(ref("Unauthorized"), "Missing, malformed, unknown or expired credentials.")
    bearer = [{"name": "Authorization", "in": "header", "required": True, "schema": {"type": "string"}, "description": "Bearer <access_token>"}]
    return {
        AUTH_TOKEN: {"post": operation(
            "authToken", HEAP_TAG, "Exchange Basic base64(app_id:api_key) for a 5-minute access token",
            {"200": json_body(ref("AuthToken"), "A token."), "401": unauthorized, "default": FAULT_RESPONSE},
            parameters=[{"name": "Authorization", "in": "header", "required": True, "schema": {"type": "string"}, "description": "Basic base64(app_id:api_key)"}])},
        USER_DELETION: {"post": operation(
            "userDeletion", HEAP_TAG, "Delete users' data at once; the request reports complete later",
            {"201": json_body(ref("DeletionCreated"), "Accepted."), "400": text_body("Bad body."), "401": unauthorized,
             "default": FAULT_RESPONSE},
            parameters=bearer, requestBody={"required": True, **json_body(ref("UserDeletionRequest"), "")})},
        DELETION_STATUS: {"get": operation(
            "deletionStatus", HEAP_TAG, "The status of a deletion request",
            {"200": json_body(ref("DeletionStatus"), "Its status."), "401": unauthorized,
             "404": json_body(ref("Error"), "No such deletion request for this environment."), "default": FAULT_RESPONSE},
            parameters=[*bearer, {"name": "deletion_id", "in": "path", "required": True, "schema": {"type": "string"}}])},
    }


def heap_schemas(fidelity: Fidelity) -> dict[str, Schema]:
    return {**heap_value_schemas(fidelity), **heap_request_schemas(), **heap_answer_schemas()}


def heap_value_schemas(fidelity: Fidelity) -> dict[str, Schema]:
    lenient = fidelity is Fidelity.OBSERVED
    value: Schema = {"anyOf": [{"type": "string", "maxLength": MAX_NAME if lenient else MAX_NAME - 1}, {"type": "number"}]}
    user_property_names: Schema = {"maxLength": MAX_NAME}
    if lenient:
        value["anyOf"].append({"type": "boolean", "description": "accepted with the warning properties.boolean; stored as \"true\" or \"false\""})
        value["description"] = "A string of up to 1024 characters (1024 exactly draws the warning properties.value_length), a number, or a boolean."
    else:
        value["description"] = "A string of fewer than 1024 characters or a number (fidelity documented)."
        user_property_names["not"] = {"pattern": "^[iI][dD]$"}  # user_properties.reserved_id refuses any casing of `id`
    return {
        "AppId": {"description": "A numeric environment ID.", "anyOf": [{"type": "string", "pattern": "^[0-9]+$"}, {"type": "integer", "minimum": 0, "maximum": MAX_JSON_INT}]},
        "Identity": {"type": "string", "minLength": 1, "maxLength": MAX_IDENTITY},
        "UserId": {"description": "A Heap SDK user_id.", "anyOf": [{"type": "string", "pattern": digits_up_to(MAX_USER_ID)}, {"type": "integer", "minimum": 0, "maximum": MAX_USER_ID}]},
        "Timestamp": {"description": "ISO 8601 (any offset) or epoch milliseconds, from year 1 to 9999 (UTC); absent means now.",
                      "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "pattern": digits_up_to(MAX_EPOCH_MS)},
                                {"type": "number", "minimum": 0, "maximum": MAX_EPOCH_MS}]},
        "PropertyValue": value,
        "Properties": {"type": "object", "propertyNames": {"maxLength": MAX_NAME}, "additionalProperties": ref("PropertyValue")},
        "UserProperties": {"type": "object", "propertyNames": user_property_names, "additionalProperties": ref("PropertyValue")},
        "TrackProperties": {
            "description": "As Properties; an array value is joined with `||` and cut to 1024 characters.",
            "type": "object", "propertyNames": {"maxLength": MAX_NAME},
            "additionalProperties": {"anyOf": [ref("PropertyValue"), {"type": "array", "items": {"type": ["string", "number"]}}]},
        },
    }


def naming(schema: Schema, *keys: str) -> Schema:
    """`schema`, holding at least one of `keys` (validators/integrations.py user_identifier)."""
    return {"allOf": [schema, {"anyOf": [{"required": [key]} for key in keys]}]}


def not_simulator_path() -> str:
    """A pattern for the paths `paths.is_simulator_path` says are not the simulator's own."""
    pages = "|".join(re.escape(page) + "$" for page in sorted(SIMULATOR_PAGES))
    return f"^(?!{re.escape(CONTROL_PREFIX)}|{pages})/"


def digits_up_to(limit: int) -> str:
    """A pattern for the digit strings (leading zeros allowed) whose value is from 0 to `limit`."""
    text = str(limit)
    shorter = f"[0-9]{{1,{len(text) - 1}}}" if len(text) > 1 else None
    same_length = [f"{text[:i]}[0-{int(d) - 1}][0-9]{{{len(text) - i - 1}}}" for i, d in enumerate(text) if d != "0"]
    return "^0*(?:" + "|".join(filter(None, [shorter, *same_length, text])) + ")$"


def heap_request_schemas() -> dict[str, Schema]:
    event = {
        "type": "object",
        "properties": {
            "event": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
            "identity": ref("Identity"), "user_id": ref("UserId"), "timestamp": ref("Timestamp"),
            "properties": ref("TrackProperties"), "session_id": {"type": "string", "minLength": 1},
            "idempotency_key": {"type": "string", "minLength": 1},
        },
        "required": ["event"],
        "oneOf": [{"required": ["identity"]}, {"required": ["user_id"]}],
    }
    return {
        "TrackEvent": event,
        "TrackRequest": {"anyOf": [
            {"allOf": [ref("TrackEvent"), {"type": "object", "properties": {"app_id": ref("AppId")}, "required": ["app_id"]}]},
            bulk("events", ref("TrackEvent")),
        ]},
        "UserPropertiesRequest": single_or_bulk("users", {"identity": ref("Identity"), "properties": ref("UserProperties")}, "identity"),
        "AccountPropertiesRequest": single_or_bulk(
            "accounts", {"account_id": {"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer", "minimum": MIN_JSON_INT, "maximum": MAX_JSON_INT}]},
                         "properties": ref("Properties")}, "account_id"),
        "IdentifyRequest": {"type": "object", "required": ["app_id", "identity", "user_id"], "properties": {
            "app_id": ref("AppId"), "identity": ref("Identity"), "user_id": ref("UserId"), "timestamp": ref("Timestamp")}},
        "UserIdentifier": {"type": "object", "minProperties": 1, "description": (
            "Who a partner item is about: identity, else email, else anonymous_id (each used as the identity), "
            "else user_id (track only)."), "properties": {
            "identity": ref("Identity"), "email": ref("Identity"), "anonymous_id": ref("Identity"), "user_id": ref("UserId")}},
        "IntegrationsTrackRequest": bulk("events", {"type": "object", "required": ["event", "user_identifier"], "properties": {
            "event": {"type": "string", "minLength": 1, "maxLength": MAX_NAME}, "user_identifier": naming(ref("UserIdentifier"), "identity", "email", "anonymous_id", "user_id"),
            "properties": ref("TrackProperties"), "custom_properties": ref("TrackProperties"), "timestamp": ref("Timestamp"),
            "session_id": {"type": "string", "minLength": 1}, "idempotency_key": {"type": "string", "minLength": 1}}}),
        "IntegrationsUserPropertiesRequest": bulk("users", {"type": "object", "required": ["user_identifier"], "properties": {
            "user_identifier": naming(ref("UserIdentifier"), "identity", "email", "anonymous_id"), "properties": ref("UserProperties"), "custom_properties": ref("UserProperties")}}),
        "UserDeletionRequest": {"type": "object", "required": ["users"], "properties": {"users": {
            "type": "array", "minItems": 1, "maxItems": DEFAULTS.max_deletion_users,
            "items": {"type": "object", "properties": {"identity": ref("Identity"), "user_id": ref("UserId")},
                      "oneOf": [{"required": ["identity"]}, {"required": ["user_id"]}]}}}},
    }


def bulk(key: str, item: Schema) -> Schema:
    return {"type": "object", "required": ["app_id", key], "properties": {
        "app_id": ref("AppId"), key: {"type": "array", "minItems": 1, "maxItems": MAX_BULK, "items": item}}}


def single_or_bulk(key: str, fields: dict[str, Schema], subject: str) -> Schema:
    item = {"type": "object", "properties": fields, "required": [subject]}
    single = {"type": "object", "properties": {"app_id": ref("AppId"), **fields}, "required": ["app_id", subject]}
    return {"anyOf": [single, bulk(key, item)]}


def heap_answer_schemas() -> dict[str, Schema]:
    status = {"type": "string", "enum": ["pending", "complete"]}
    return {
        "Empty": {"type": "object", "maxProperties": 0},
        "AuthToken": strict_object({"access_token": {"type": "string", "minLength": 1}}),
        "DeletionCreated": strict_object({
            "deletion_request_location": {"type": "string", "format": "uri"},
            "deletion_request_id": {"type": "string"}, "status": status}),
        "DeletionStatus": strict_object({"deletion_request_id": {"type": "string"}, "status": status}),
        "Unauthorized": strict_object({"error": {"type": "string"}, "message": {"type": "string"},
                                       "err": strict_object({"message": {"type": "string"}})}),
        "Error": strict_object({"error": {"type": "string"}, "message": {"type": "string"}, "rule_id": {"type": "string"}}),
    }


# --- /_mock/ ----------------------------------------------------------------------------------

PAGING = (
    ("order", {"type": "string", "enum": ["asc", "desc"], "default": "asc"}, "asc: oldest first; desc: newest first"),
    ("offset", {"type": "integer", "minimum": 0, "maximum": MAX_QUERY_INT, "default": 0}, "how many to skip"),
    ("limit", {"type": "integer", "minimum": 0, "maximum": MAX_QUERY_INT}, "at most this many (default: all)"),
)
TEXT = {"type": "string"}
CONTROL_ERROR = json_body(ref("Error"), "A malformed control call; `message` says what is wrong.")


def listing(op_id: str, summary: str, page: str, *filters: tuple[str, Schema, str]) -> dict[str, Any]:
    return {"get": operation(op_id, MOCK_TAG, summary, {"200": json_body(ref(page), "One page."), "400": CONTROL_ERROR},
                             parameters=query_params(*filters, *PAGING))}


def mock_paths() -> dict[str, Any]:
    return {
        "/_mock/health": {"get": operation("health", MOCK_TAG, "Liveness, version and counts", {"200": json_body(ref("Health"), "")})},
        "/_mock/clock": clock_path(),
        "/_mock/events": listing(
            "events", "Stored events (exact filters; q searches names, identities and properties)", "EventsPage",
            ("app_id", TEXT, "exact"), ("identity", TEXT, "exact"), ("user_id", TEXT, "exact"), ("event", TEXT, "exact name"),
            ("endpoint", {"type": "string", "enum": list(STORED_ENDPOINTS)}, "which endpoint stored it"),
            ("q", TEXT, "case-insensitive text in the name, identity, user_id or properties"),
            ("lineage", TEXT, "exact X-Heap-Sim-Lineage text: the events from one source (a link from heap-forward serve's pipeline view)")),
        "/_mock/users": listing("users", "Users with their current properties", "UsersPage",
                                ("app_id", TEXT, "exact"), ("identity", TEXT, "exact")),
        "/_mock/accounts": listing("accounts", "Accounts with their current properties", "AccountsPage",
                                   ("app_id", TEXT, "exact"), ("account_id", TEXT, "exact")),
        "/_mock/requests": listing(
            "requests", "The journal of Heap requests, accepted and refused: summaries, or whole with fields=full", "RequestsPage",
            ("status", {"type": "integer", "minimum": 0, "maximum": MAX_QUERY_INT}, "exact status"), ("path", TEXT, "exact path"), ("method", TEXT, "exact method"),
            ("rule_id", TEXT, "exact rule, e.g. limit.track or fault.injected"),
            ("lineage", TEXT, "exact X-Heap-Sim-Lineage text: the requests from one source"),
            ("warned", {"type": "string", "enum": ["true", "false"]}, "true: only requests accepted with warnings; false: only those without"),
            ("fields", {"type": "string", "enum": list(JOURNAL_FIELDS), "default": "summary"},
             "summary: what a list row shows, without bodies (a page costs the same whatever the bodies); full: each entry whole")),
        "/_mock/requests/{request_id}": {"get": operation(
            "request", MOCK_TAG, "One journal entry whole: body, message, violations and warnings",
            {"200": json_body(ref("JournalEntry"), "The entry."),
             "404": json_body(ref("Error"), "Not in the journal (never, or dropped past journal_limit or journal_max_bytes).")},
            parameters=[{"name": "request_id", "in": "path", "required": True, "schema": TEXT, "description": "the `id` of a journal entry, e.g. req-7"}])},
        "/_mock/limits": {"get": operation("limits", MOCK_TAG, "Rate limits and how full each window is", {"200": json_body(ref("Limits"), "")})},
        "/_mock/rules": {"get": operation("rules", MOCK_TAG, "The payload and limit rules the simulator enforces", {"200": json_body(ref("Rules"), "")})},
        "/_mock/config": {"get": operation("config", MOCK_TAG, "The simulator's settings", {"200": json_body(ref("Config"), "")})},
        "/_mock/export": {"get": operation(
            "export", MOCK_TAG, "The whole session as one file (events, users, accounts, journal, clock), for heap-mock serve --load FILE",
            {"200": json_body(ref("Session"), "Sent as an attachment, streamed as it is written.")})},
        "/_mock/reset": {"post": operation("reset", MOCK_TAG, "Forget all data, limits, the journal and faults",
                                           {"200": json_body(strict_object({"reset": {"const": True}}), "")})},
        "/_mock/faults": faults_path(),
    }


def clock_path() -> dict[str, Any]:
    clock = json_body(ref("Clock"), "The clock after the call.")
    return {
        "get": operation("getClock", MOCK_TAG, "The simulator's clock", {"200": clock}),
        "post": operation("setClock", MOCK_TAG, "Set, advance or switch the clock (exactly one command)",
                          {"200": clock, "400": CONTROL_ERROR, "409": json_body(ref("Error"), "An advance that would pass the year 9999.")},
                          requestBody={"required": True, **json_body(ref("ClockCommand"), "")}),
    }


def faults_path() -> dict[str, Any]:
    fault_list = json_body(strict_object({"faults": {"type": "array", "items": ref("Fault")}}), "The live rules.")
    return {
        "get": operation("listFaults", MOCK_TAG, "Live fault rules", {"200": fault_list}),
        "post": operation("addFault", MOCK_TAG, "Add a fault rule for Heap paths", {"201": json_body(ref("Fault"), "The new rule."), "400": CONTROL_ERROR},
                          requestBody={"required": True, **json_body(ref("FaultSpec"), "")}),
        "delete": operation("clearFaults", MOCK_TAG, "Remove every fault rule", {"200": fault_list}),
    }


def mock_schemas() -> dict[str, Schema]:
    return {**inspection_schemas(), **journal_schemas(), **control_schemas(), **session_schemas()}


def session_schemas() -> dict[str, Schema]:
    """The session file (heap_mock.store.session), as GET /_mock/export writes it and --load reads it."""
    instant, nullable_text = {"type": "string", "format": "date-time"}, nullable(TEXT)
    properties = {"type": "object", "additionalProperties": {"type": ["string", "number"]}}
    warning = strict_object({"rule_id": TEXT, "path": TEXT, "fact": TEXT})
    event = strict_object({
        "app_id": TEXT, "identity": nullable_text, "user_id": nullable_text, "event": TEXT, "timestamp": instant,
        "properties": properties, "session_id": nullable_text, "idempotency_key": nullable_text,
        "endpoint": {"enum": list(STORED_ENDPOINTS)}, "request_id": TEXT, "warnings": {"type": "array", "items": warning},
        "lineage": nullable_text})
    user = strict_object({"app_id": TEXT, "identity": TEXT, "properties": properties, "user_ids": {"type": "array", "items": TEXT},
                          "recent_links": {"type": "array", "items": strict_object({"at": instant, "user_id": TEXT})}})
    entry = strict_object({
        "id": TEXT, "method": TEXT, "path": TEXT, "received_at": instant, "status": {"type": "integer", "minimum": 0, "maximum": 999},
        "duration_ms": {"type": "number", "minimum": 0}, "rule_id": nullable_text, "message": nullable_text,
        "stored_events": nullable({"type": "integer", "minimum": 0}), "lineage": nullable_text,
        "warnings": {"type": "array", "items": warning}, "details": {"type": "object"},
        "violations": nullable({"type": "array", "items": strict_object({"rule_id": TEXT, "path": TEXT, "message": TEXT})}),
        "body": {**nullable_text, "description": "The body as received, when it is UTF-8 text."},
        "body_base64": {**TEXT, "description": "The body as received, when it is not UTF-8 (then body is null)."},
    }, required=["id", "method", "path", "received_at", "status", "duration_ms", "body"])
    return {"Session": strict_object({
        "format": {"const": SESSION_FORMAT}, "version": {"type": "integer", "minimum": 1, "maximum": SESSION_VERSION},
        "exported_at": instant, "heap_sim_version": TEXT, "clock": ref("Clock"),
        "events": {"type": "array", "items": event}, "users": {"type": "array", "items": user},
        "accounts": {"type": "array", "items": strict_object({"app_id": TEXT, "account_id": TEXT, "properties": properties})},
        "journal": {"type": "array", "items": entry},
    }, required=["format", "version", "clock"])}


def page(key: str, item: str) -> Schema:
    return strict_object({key: {"type": "array", "items": ref(item)}, "total": {"type": "integer", "minimum": 0}})


def inspection_schemas() -> dict[str, Schema]:
    nullable_text = nullable(TEXT)
    stored_value = {"type": ["string", "number"]}
    return {
        "StoredEvent": strict_object({
            "app_id": TEXT, "identity": nullable_text, "user_id": nullable_text, "event": TEXT,
            "timestamp": {"type": "string", "format": "date-time"},
            "properties": {"type": "object", "additionalProperties": stored_value},
            "session_id": nullable_text, "idempotency_key": nullable_text,
            "endpoint": {"type": "string", "enum": list(STORED_ENDPOINTS)}, "request_id": TEXT,
            "warnings": WARNINGS,
            "lineage": {"type": "string", "description": "The sender's X-Heap-Sim-Lineage header, as opaque text."}},
            required=["app_id", "identity", "user_id", "event", "timestamp", "properties", "session_id", "idempotency_key",
                      "endpoint", "request_id", "warnings"]),
        "Warning": strict_object({
            "rule_id": TEXT, "path": TEXT, "fact": TEXT,
            "evidence": {"type": "string", "enum": ["documented", "observed", "clients", "assumed"]},
            "source": TEXT, "message": TEXT}, required=["rule_id", "path", "fact", "evidence", "source", "message"]),
        "EventsPage": page("events", "StoredEvent"),
        "User": strict_object({"app_id": TEXT, "identity": TEXT, "properties": {"type": "object", "additionalProperties": stored_value},
                               "user_ids": {"type": "array", "items": TEXT}}),
        "UsersPage": page("users", "User"),
        "Account": strict_object({"app_id": TEXT, "account_id": TEXT, "properties": {"type": "object", "additionalProperties": stored_value}}),
        "AccountsPage": page("accounts", "Account"),
        "Health": strict_object({"status": {"const": "ok"}, "version": TEXT, "counts": {**strict_object(
            {name: {"type": "integer", "minimum": 0} for name in ("events", "users", "accounts", "requests", "duplicates_ignored",
                                                                  "events_dropped", "users_dropped", "accounts_dropped")}),
            "description": "What is stored now, and `*_dropped`: how many of the oldest were dropped past "
                           "`max_events`, `max_users` and `max_accounts` (a dropped user takes its identify links with it)."}}),
        "Rules": strict_object({"rules": {"type": "array", "items": strict_object({
            "id": TEXT, "statement": TEXT, "source": TEXT,
            "evidence": {"type": "string", "enum": ["documented", "observed", "clients", "assumed"]},
            "under_observed": TEXT, "under_documented": TEXT})}}),
        "Limits": strict_object({
            "enabled": {"type": "boolean"},
            "limits": {"type": "object", "additionalProperties": ref("LimitSpec")},
            "usage": {"type": "array", "items": ref("LimitUsage")}}),
        "LimitSpec": strict_object({"limit": {"type": "integer", "minimum": 1}, "window_s": {"type": "number", "exclusiveMinimum": 0}}),
        "LimitUsage": strict_object({
            "limit": {"type": "string", "pattern": "^limit\\."}, "app_id": TEXT, "identity": nullable_text,
            "user_id": nullable_text, "used": {"type": "integer", "minimum": 0}, "max": {"type": "integer", "minimum": 1},
            "window_s": {"type": "number"}, "frees_at": nullable({"type": "string", "format": "date-time"})}),
    }


def journal_schemas() -> dict[str, Schema]:
    summary_fields: dict[str, Schema] = {
        "id": TEXT, "method": TEXT, "path": TEXT, "status": {"type": "integer"},
        "received_at": {"type": "string", "format": "date-time"}, "duration_ms": {"type": "number", "minimum": 0},
        "rule_id": nullable(TEXT), "message": nullable(TEXT),
        "body_bytes": {"type": "integer", "minimum": 0, "description": "The size of the body as received."},
        "warning_count": {"type": "integer", "minimum": 0}, "warned_rules": {"type": "array", "items": TEXT},
        "violation_count": {"type": "integer", "minimum": 1},
        "limit": TEXT, "retry_after": {"type": "integer"}, "fault_id": {"type": "integer"}, "stored_events": {"type": "integer"},
        "lineage": {"type": "string", "description": "The sender's X-Heap-Sim-Lineage header, as opaque text."},
    }
    required = ["id", "method", "path", "status", "received_at", "duration_ms", "rule_id", "message", "body_bytes", "warning_count", "warned_rules"]
    summary = strict_object(summary_fields, required=required)
    summary["description"] = "A list row: no body, and only the first line of the message (cut to 300 characters)."
    entry = strict_object({
        **summary_fields,
        "body": {"description": "The parsed JSON body, or the raw text (a preview above 1 MiB)."},
        "warnings": WARNINGS,
        "violations": {"type": "array", "items": strict_object({"rule_id": TEXT, "path": TEXT, "message": TEXT})},
    }, required=[*required, "body", "warnings"])
    requests_page = strict_object({"requests": {"type": "array", "items": {"anyOf": [ref("JournalSummary"), ref("JournalEntry")]}},
                                   "total": {"type": "integer", "minimum": 0}})
    return {"JournalSummary": summary, "JournalEntry": entry, "RequestsPage": requests_page}


def control_schemas() -> dict[str, Schema]:
    return {
        "Clock": strict_object({"now": {"type": "string", "format": "date-time"},
                                "mode": {"type": "string", "enum": ["real", "virtual", "scaled"]}, "rate": {"type": "number", "minimum": 0}}),
        "ClockCommand": {"oneOf": [
            strict_object({"set": {"type": "string", "format": "date-time", "description": "ISO 8601 from year 1 to 9999 (UTC); switches to virtual time"}}),
            strict_object({"advance": {"type": "number", "minimum": 0, "description": "seconds; switches to virtual time"}}),
            strict_object({"mode": {"enum": ["real", "virtual"]}}),
            strict_object({"mode": {"const": "scaled"}, "rate": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RATE}}),
        ]},
        "FaultSpec": {**strict_object(fault_fields(in_spec=True), required=["path"]), "anyOf": FAULT_ACTS},
        "Fault": strict_object({"id": {"type": "integer"}, **fault_fields(), "matched": {"type": "integer"},
                                "remaining": nullable({"type": "integer"})}),
        "Config": config_schema(),
    }


# A fault rule must act: answer with a status, drop the connection, or delay (faults.parse_fault).
FAULT_ACTS = [
    {"required": ["status"], "properties": {"status": {"type": "integer"}}},
    {"required": ["drop_connection"], "properties": {"drop_connection": {"const": True}}},
    {"required": ["delay_ms"], "properties": {"delay_ms": {"type": "integer", "minimum": 1}}},
]


def fault_fields(*, in_spec: bool = False) -> dict[str, Schema]:
    """A fault rule's fields; in a new rule's spec, null stands for the default of any field but probability."""
    fields = _fault_fields()
    if not in_spec:
        return fields
    return {name: schema if name in ("path", "probability") or "anyOf" in schema else nullable(schema) for name, schema in fields.items()}


def _fault_fields() -> dict[str, Schema]:
    return {
        "path": {"type": "string", "pattern": not_simulator_path(), "description": "a Heap path or shell pattern such as /api/*; not the simulator's own"},
        "method": nullable(TEXT),
        "status": nullable({**int_range(STATUS_RANGE), "description": "a final status (1xx are interim)"}),
        "retry_after": nullable(int_range(RETRY_AFTER_RANGE)),
        "delay_ms": int_range(DELAY_MS_RANGE),
        "drop_connection": {"type": "boolean"},
        "times": nullable(int_range(TIMES_RANGE)),
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "seed": nullable(int_range(SEED_RANGE)),
        "body": nullable(TEXT),
        "after_processing": {"type": "boolean", "description": "process and store, then replace the answer"},
    }


def config_schema() -> Schema:
    count, seconds = {"type": "integer", "minimum": 1}, {"type": "number", "minimum": 0}
    return strict_object({
        "limits_enabled": {"type": "boolean"},
        "limits": {"type": "object", "additionalProperties": ref("LimitSpec")},
        "identify_max_user_ids": count, "identify_window_days": seconds, "max_bulk_items": count,
        "max_deletion_users": count, "max_body_bytes": count, "journal_limit": count, "journal_max_bytes": count, "max_events": count,
        "max_users": count, "max_accounts": count,
        "long_values": {"enum": ["reject", "truncate"]}, "deletion_token_ttl_s": seconds,
        "deletion_api_key": nullable(TEXT), "deletion_completes_after_s": seconds, "log_requests": {"type": "boolean"},
        "fidelity": {"enum": list(CHOICES["fidelity"]), "description": "observed: accept with warnings what live Heap accepted; documented: refuse it"},
        "throttle_status": int_range(THROTTLE_STATUS_RANGE),
        **{key: {"enum": list(CHOICES[key])} for key in ("throttle_retry_after", "throttle_body", "success_body")},
        "allowed_hosts": {"type": "array", "items": TEXT},
        "body_idle_timeout_s": {"type": "number", "exclusiveMinimum": 0},
        "session_file": {**nullable(TEXT), "description": "the session file (GET /_mock/export) it started with: heap-mock serve --load FILE"},
    })


# --- console ----------------------------------------------------------------------------------


def console_paths() -> dict[str, Any]:
    html = {"description": "The console page.", "content": {"text/html": {"schema": {"type": "string"}}}}
    document = json_body({"type": "object", "required": ["openapi", "info", "paths"]}, "This document.")
    return {
        "/": {"get": operation("console", CONSOLE_TAG, "The web console", {"200": html})},
        "/openapi.json": {"get": operation("openapi", CONSOLE_TAG, "This OpenAPI description", {"200": document})},
    }
