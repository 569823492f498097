#!/bin/sh
# feedscale's reimplementation of the official memcached image's entrypoint behaviour.
set -e
if [ "${1#-}" != "$1" ]; then
  set -- memcached "$@"
fi
exec "$@"
