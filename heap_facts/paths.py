"""Heap's server-side endpoints, at Heap's own paths (each line cites its source; see SOURCES.md).

The simulator serves them, the forwarder sends to them, and the conformance suite reads the
simulator's journal by them: one spelling for all three.
"""

from __future__ import annotations

HEAP_PREFIX = "/api/"
TRACK = "/api/track"  # D-track, D-btrack: one event, or bulk `events[]`
ADD_USER_PROPERTIES = "/api/add_user_properties"  # D-aup, D-baup
ADD_ACCOUNT_PROPERTIES = "/api/add_account_properties"  # D-aap, D-baap
IDENTIFY = "/api/v1/identify"  # D-ident
INTEGRATIONS_TRACK = "/api/integrations/track"  # SEG, LOOK: partner track
INTEGRATIONS_ADD_USER_PROPERTIES = "/api/integrations/add_user_properties"  # SEG: partner user properties
AUTH_TOKEN = "/api/public/v0/auth_token"  # D-del
USER_DELETION = "/api/public/v0/user_deletion"  # D-del
DELETION_STATUS = "/api/public/v0/deletion_status/{deletion_id}"  # D-del
