#!/bin/sh
# A custom rotation function for the command-rotator tests: records the event it gets on
# stdin and its environment, then succeeds, fails or hangs as the test's variables ask.
event=$(cat)
printf '%s\n' "$event" >> "$OUT_DIR/events"
env > "$OUT_DIR/env"
if [ -n "$SLEEP_SECONDS" ]; then
    sleep "$SLEEP_SECONDS" &
    echo $! > "$OUT_DIR/sleeper.pid"
    wait
fi
if [ -n "$FAIL_WITH" ]; then
    echo "starting step" >&2
    echo "could not reach the target with token $FAIL_WITH" >&2
    exit 3
fi
exit 0
