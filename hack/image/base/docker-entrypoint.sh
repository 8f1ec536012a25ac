#!/bin/sh
# The stand-in base's entrypoint, behaving as the official node image's: a first argument that
# is an option ("-e ..."), not a command on PATH, or a non-executable file is run by node;
# anything else is executed as given.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
