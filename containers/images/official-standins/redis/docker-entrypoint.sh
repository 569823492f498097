#!/bin/sh
# feedscale's reimplementation of the official redis image's entrypoint behaviour (see the Dockerfile).
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$0" "$@"
fi
if [ "$(umask)" = '0022' ]; then umask 0077; fi
exec "$@"
