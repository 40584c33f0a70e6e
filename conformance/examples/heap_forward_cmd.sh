#!/bin/sh
# Our own heap-forward CLI as a --forwarder-cmd program: the HEAP_* variables become its flags.
#   heap-conformance --forwarder-cmd "sh conformance/examples/heap_forward_cmd.sh"
# HEAP_TIME_SCALE becomes --time-scale, so heap-forward paces to windows as short as the
# simulator's fast clock makes them and the burst fixtures take seconds, not minutes.
set -e
set -- --heap-url "$HEAP_URL" --app-id "$HEAP_APP_ID" --external-id "$HEAP_EXTERNAL_ID" --time-scale "${HEAP_TIME_SCALE:-1}"
[ "$HEAP_FORWARD_USER_ATTRIBUTES" = true ] && set -- "$@" --forward-user-attributes
[ "$HEAP_FORWARD_WEB_SERVER_SIDE" = false ] && set -- "$@" --no-forward-web-server-side
exec heap-forward "$@" - >/dev/null
