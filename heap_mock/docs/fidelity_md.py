"""FIDELITY.md, generated from the rule catalogue and the list of assumptions below.

`python -m heap_mock.docs.fidelity_md > FIDELITY.md` writes it; a test fails when the file and the code
disagree, so the document can never drift from what the simulator enforces.
"""

from __future__ import annotations

from heap_mock.fidelity import LENIENT_RULES, under
from heap_mock.rules import RULES, Evidence, Rule

# Where Heap is silent, what the simulator does, and the setting that changes it (if any).
ASSUMPTIONS: list[tuple[str, str]] = [
    ("Single-event track errors are reported at `postBody.events[0]`.", "Observed once (PHP1 issue #4); we apply it to every single-event error."),
    ("A 400 body is plain text, one violation per line, every violation listed.", "Observed style (`postBody.… should be …`); Heap's own list separator is unknown."),
    ("A throttled request answers 429, `text/plain`, with `Retry-After` in whole seconds (rounded up, at least 1).", "Heap documents the limits, not the answer; `throttle_status`, `throttle_retry_after` (seconds, milliseconds, none) and `throttle_body` (text, json, empty) change it. Under a scaled clock, Retry-After is in real seconds."),
    ("A request with a repeated `idempotency_key` still counts against the rate limits.", "It is a request; only its storage is deduplicated."),
    ("Events sent with `user_id` are limited per `user_id` as if it were an identity.", "The docs speak only of identities."),
    ("A bulk add_user_properties counts one request for each identity it names.", "Bulk user-property limits are undocumented (heap-api.md §7.15)."),
    ("add_account_properties, identify and the deletion API are not rate limited.", "Undocumented (heap-api.md §7.15)."),
    ("A string property value over 1024 characters is rejected; `long_values: \"truncate\"` cuts it to 1024 (`observed`) or 1023 (`documented`).", "Heap does not say whether it rejects or truncates."),
    ("Exactly 1024 characters is the boundary: accepted with a warning under `observed`, refused under `documented`.", "D-track says \"fewer than 1024\"; the seed says mParticle truncates to 1024, so its integration sends 1024; mParticle's web kit cuts at 1023. Issue 13 asks for both readings."),
    ("Nulls and nested objects as property values are rejected under both fidelities.", "Docs: \"number or string\"; no live answer to them is on record."),
    ("An accepted boolean is stored as the string \"true\" or \"false\".", "Heap keeps numbers and strings; how it stores a boolean it accepted is undocumented."),
    ("The partner endpoints `/api/integrations/track` and `/api/integrations/add_user_properties` take Segment's shape (`events[]`/`users[]` of `user_identifier` and `properties`/`custom_properties`, plus `library`) and the same per-item rules and limits as bulk track (1000 events per identity and 15,000 per app per 60 s) and add_user_properties (30 per identity per 30 s).", "Undocumented; the shape is what segmentio/action-destinations sends (seen only in clients)."),
    ("On the partner track, `user_identifier.anonymous_id` alone files the event under that id as its identity.", "The simulator has no anonymous users; Heap's handling is undocumented."),
    ("The success body of track, add_user_properties, identify and the partner endpoints is `{}`.", "Undocumented (`{}` or `OK`?); `success_body` changes it."),
    ("An ISO 8601 timestamp without an offset is UTC; epoch milliseconds may be a number or a digit string.", "Clients send both (TEAL, SEG2, I18N)."),
    ("Any numeric `app_id` is accepted; there is no list of known environments.", "Wrong but well-formed app IDs are accepted silently (ZEO)."),
    ("Unknown fields are ignored, and the Content-Type header is not enforced.", "Heap's docs list no rule; real clients send odd headers (AIR)."),
    ("`session_id` and `idempotency_key` must be non-empty strings.", "Documented as strings; numbers are refused rather than guessed at."),
    ("An empty bulk array is refused (1 to 1000 items).", "Only the maximum is documented."),
    ("A body over 10 MiB answers 413.", "No payload limit is documented (§7.14); `max_body_bytes` changes it."),
    ("A dropped identify answers 200 and the journal names the rule that dropped it.", "D-ident says the excess is ignored; the answer is undocumented."),
    ("The deletion API accepts any non-empty api_key unless `deletion_api_key` is set; deleted data goes at once and the request reads `pending` for 60 s.", "`deletion_completes_after_s` changes the delay."),
    ("Deletion errors carry both `error`/`message` and `err.message`.", "D-del is inconsistent about which (§7.1)."),
    ("The journal records Heap's paths and unknown paths, not the simulator's own (`/_mock/`, the console at `/`, `/openapi.json`); the request log leaves out GETs of those.", "So a console polling them floods neither."),
]

_EVIDENCE_LABEL = {
    Evidence.DOCUMENTED: "documented",
    Evidence.OBSERVED: "observed on the live server",
    Evidence.CLIENTS: "seen only in clients",
    Evidence.ASSUMED: "our assumption",
}


def _evidence(rule: Rule) -> str:
    lenient = LENIENT_RULES.get(rule.id)
    label = _EVIDENCE_LABEL[rule.evidence]
    return label if lenient is None else f"{label}; the other reading {_EVIDENCE_LABEL[lenient.evidence]} (below)"




def render() -> str:
    """The whole FIDELITY.md text."""
    lines = [
        "# Fidelity: what heap-sim enforces, and on what evidence",
        "",
        "Generated by `python -m heap_mock.docs.fidelity_md` from `heap_mock/rules.py` and `heap_mock/docs/fidelity_md.py`;",
        "a test fails if this file and the code disagree. Sources use the keys of",
        "[SOURCES.md](SOURCES.md) (D-track = Heap's Track docs, OBS = seen on the live server, ...).",
        "Rule IDs appear in every 400, in every warning, in the journal (`GET /_mock/requests`) and in `GET /_mock/rules`.",
        "",
        "## Rules",
        "",
        "Evidence levels: documented (Heap's docs or the seed), observed on the live server (a public client's",
        "test that ran against Heap), seen only in clients (what clients send, no live answer on record), our",
        "assumption. The `fidelity` setting (`observed` by default, or `documented`) decides the rules where",
        "the docs and live Heap part; a rule accepted with a warning keeps its rule ID in the warning.",
        "",
        "| rule | statement | source | evidence | under `observed` | under `documented` |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| `{r.id}` | {r.statement} | {r.source} | {_evidence(r)} | {' | '.join(under(r))} |" for r in RULES.values()]
    lines += ["", "## Where Heap's docs and live Heap part (accepted with a warning under `observed`)", ""]
    lines += ["| rule | evidence | source | fix before production |", "|---|---|---|---|"]
    lines += [f"| `{w.rule_id}` | {_EVIDENCE_LABEL[w.evidence]} | {w.source} | {w.advice} |" for w in LENIENT_RULES.values()]
    lines += ["", "## Assumptions (where Heap is silent)", "", "| what the simulator does | why |", "|---|---|"]
    lines += [f"| {what} | {why} |" for what, why in ASSUMPTIONS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
