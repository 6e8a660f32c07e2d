#!/usr/bin/env bash
# ctest helper for a test that runs a program and checks what it printed: the program's exit status
# always counts (a crash after the expected line fails), and the output must also match a regex.
# A ctest PASS_REGULAR_EXPRESSION alone would ignore the exit status, which is why this exists.
#   run_and_match.sh REGEX PROGRAM [ARGS...]
# Exits with the program's own status when it is not 0 (so SKIP_RETURN_CODE still works), 1 when
# the output does not match, 0 otherwise.
set -u
regex=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ]; then
  echo "run_and_match: '$1' exited with status $rc" >&2
  exit "$rc"
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
  echo "run_and_match: the output of '$1' has no line matching: $regex" >&2
  exit 1
fi
