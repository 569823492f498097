#!/bin/sh
# feedscale's reimplementation of the part of edoburu/docker-pgbouncer's entrypoint.sh a
# caller relies on: DATABASE_URL or DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD; the user is
# added to AUTH_FILE (default /etc/pgbouncer/userlist.txt; md5 unless AUTH_TYPE is plain or
# scram-sha-256); when /etc/pgbouncer/pgbouncer.ini does not exist it is generated (DB_HOST
# required; LISTEN_PORT default 5432; AUTH_TYPE default md5; POOL_MODE, MAX_CLIENT_CONN,
# DEFAULT_POOL_SIZE, ADMIN_USERS default postgres); then the command is exec'd.
set -e
CONFIG_DIR=/etc/pgbouncer

if [ -n "$DATABASE_URL" ]; then
  rest="${DATABASE_URL#*://}"
  creds="${rest%@*}"; [ "$creds" = "$rest" ] && creds=""
  hostpart="${rest#*@}"; hostport="${hostpart%%/*}"
  DB_NAME="${hostpart#*/}"; [ "$DB_NAME" = "$hostpart" ] && DB_NAME=""
  DB_USER="${creds%%:*}"; case "$creds" in *:*) DB_PASSWORD="${creds#*:}" ;; esac
  DB_HOST="${hostport%%:*}"; case "$hostport" in *:*) DB_PORT="${hostport#*:}" ;; esac
fi

auth_file="${AUTH_FILE:-$CONFIG_DIR/userlist.txt}"
[ -e "$auth_file" ] || touch "$auth_file"
if [ -n "$DB_USER" ] && [ -n "$DB_PASSWORD" ] && ! grep -q "^\"$DB_USER\"" "$auth_file"; then
  if [ "$AUTH_TYPE" = plain ] || [ "$AUTH_TYPE" = scram-sha-256 ]; then pass="$DB_PASSWORD"
  else pass="md5$(printf '%s' "$DB_PASSWORD$DB_USER" | md5sum | cut -d ' ' -f 1)"; fi
  echo "\"$DB_USER\" \"$pass\"" >> "$auth_file"
  echo "Wrote authentication credentials to $auth_file"
fi

if [ ! -f "$CONFIG_DIR/pgbouncer.ini" ]; then
  : "${DB_HOST:?Setup pgbouncer config error! You must set DB_HOST env}"
  echo "Create pgbouncer config in $CONFIG_DIR"
  {
    echo '[databases]'
    echo "${DB_NAME:-*} = host=$DB_HOST port=${DB_PORT:-5432} auth_user=${DB_USER:-postgres}"
    echo
    echo '[pgbouncer]'
    echo "listen_addr = ${LISTEN_ADDR:-0.0.0.0}"
    echo "listen_port = ${LISTEN_PORT:-5432}"
    echo "unix_socket_dir = ${UNIX_SOCKET_DIR}"
    echo "auth_file = $auth_file"
    echo "auth_type = ${AUTH_TYPE:-md5}"
    [ -n "$POOL_MODE" ] && echo "pool_mode = $POOL_MODE"
    [ -n "$MAX_CLIENT_CONN" ] && echo "max_client_conn = $MAX_CLIENT_CONN"
    [ -n "$DEFAULT_POOL_SIZE" ] && echo "default_pool_size = $DEFAULT_POOL_SIZE"
    echo "ignore_startup_parameters = ${IGNORE_STARTUP_PARAMETERS:-extra_float_digits}"
    echo "admin_users = ${ADMIN_USERS:-postgres}"
    [ -n "$STATS_USERS" ] && echo "stats_users = $STATS_USERS"
    true
  } > "$CONFIG_DIR/pgbouncer.ini"
  cat "$CONFIG_DIR/pgbouncer.ini"
  echo "Starting $*..."
fi

exec "$@"
