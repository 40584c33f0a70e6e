#!/bin/sh
# Our own heap-forward CLI as a --forwarder-cmd program: the HEAP_* variables become its flags.
#   heap-conformance --forwarder-cmd "sh conformance/examples/heap_forward_cmd.sh"
# heap-forward paces itself in real seconds and knows nothing of HEAP_TIME_SCALE, so the burst
# fixtures take their full simulated time (30 to 60 s each) in real time; the rest take well under a second.
set -e
set -- --heap-url "$HEAP_URL" --app-id "$HEAP_APP_ID" --external-id "$HEAP_EXTERNAL_ID"
[ "$HEAP_FORWARD_USER_ATTRIBUTES" = true ] && set -- "$@" --forward-user-attributes
[ "$HEAP_FORWARD_WEB_SERVER_SIDE" = false ] && set -- "$@" --no-forward-web-server-side
exec heap-forward "$@" - >/dev/null
