#!/bin/sh
# feedscale's reimplementation of minio/minio's docker-entrypoint.sh behaviour: arguments that
# do not start with `minio` are given to it.
if [ "${1}" != "minio" ] && [ -n "${1}" ]; then
  set -- minio "$@"
fi
exec "$@"
