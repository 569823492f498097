#!/usr/bin/env bash
# feedscale's reimplementation of what the official postgres image's entrypoint does
# (docker-library/postgres, 15/bookworm/docker-entrypoint.sh), for the stand-in image:
# POSTGRES_PASSWORD / POSTGRES_USER (default postgres) / POSTGRES_DB (default the user) /
# POSTGRES_INITDB_ARGS / POSTGRES_HOST_AUTH_METHOD, each also as <VAR>_FILE; when started as
# root, PGDATA and the socket folder are handed to postgres and the script re-runs as postgres
# (gosu); an empty PGDATA gets initdb with that superuser and password, one pg_hba.conf line
# `host all all all <auth>` (auth = password_encryption, scram-sha-256 on 15), the database,
# and the files in /docker-entrypoint-initdb.d (*.sh run or sourced, *.sql[.gz|.xz|.zst] fed to
# psql) on a server listening on the socket only; then the command is exec'd.
set -Eeo pipefail

from_file() {
	local var="$1" default="${2:-}" file_var="${1}_FILE"
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		echo >&2 "error: both $var and $file_var are set (but are exclusive)"
		exit 1
	fi
	local value="$default"
	if [ -n "${!var:-}" ]; then value="${!var}"; elif [ -n "${!file_var:-}" ]; then value="$(< "${!file_var}")"; fi
	export "$var"="$value"
	unset "$file_var"
}

wants_help() {
	local arg
	for arg; do
		case "$arg" in -'?' | --help | --describe-config | -V | --version) return 0 ;; esac
	done
	return 1
}

run_sql() {
	local runner=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	[ -n "$POSTGRES_DB" ] && runner+=(--dbname "$POSTGRES_DB")
	PGHOST= PGHOSTADDR= "${runner[@]}" "$@"
}

init_files() {
	local f
	for f; do
		case "$f" in
			*.sh) if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
			*.sql) echo "$0: running $f"; run_sql -f "$f" ;;
			*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | run_sql ;;
			*.sql.xz) echo "$0: running $f"; xzcat "$f" | run_sql ;;
			*.sql.zst) echo "$0: running $f"; zstd -dc "$f" | run_sql ;;
			*) echo "$0: ignoring $f" ;;
		esac
	done
}

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = 'postgres' ] && ! wants_help "$@"; then
	from_file POSTGRES_PASSWORD
	from_file POSTGRES_USER postgres
	from_file POSTGRES_DB "$POSTGRES_USER"
	from_file POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"

	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql || :
	chmod 03775 /var/run/postgresql || :
	if [ "$(id -u)" = '0' ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
		exec gosu postgres "$BASH_SOURCE" "$@"
	fi

	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
			echo >&2 'Error: Database is uninitialized and superuser password is not specified (POSTGRES_PASSWORD).'
			exit 1
		fi
		ls /docker-entrypoint-initdb.d/ > /dev/null
		# initdb needs the current uid in /etc/passwd; nss_wrapper fakes it for arbitrary --user values.
		if ! getent passwd "$(id -u)" &> /dev/null; then
			for wrapper in {/usr,}/lib{/*,}/libnss_wrapper.so; do
				if [ -s "$wrapper" ]; then
					NSS_WRAPPER_PASSWD="$(mktemp)" NSS_WRAPPER_GROUP="$(mktemp)"
					export LD_PRELOAD="$wrapper" NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
					printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\n' "$(id -u)" "$(id -g)" "$PGDATA" > "$NSS_WRAPPER_PASSWD"
					printf 'postgres:x:%s:\n' "$(id -g)" > "$NSS_WRAPPER_GROUP"
					break
				fi
			done
		fi
		eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"
		if [[ "${LD_PRELOAD:-}" == */libnss_wrapper.so ]]; then
			rm -f "$NSS_WRAPPER_PASSWD" "$NSS_WRAPPER_GROUP"
			unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
		fi

		server_args=("${@:2}")
		: "${POSTGRES_HOST_AUTH_METHOD:=$(postgres -C password_encryption "${server_args[@]}")}"
		printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

		export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
		PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${server_args[@]}" -c listen_addresses='' -p "${PGPORT:-5432}")" -w start
		exists="$(POSTGRES_DB= run_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<< "SELECT 1 FROM pg_database WHERE datname = :'db';")"
		if [ -z "$exists" ]; then
			POSTGRES_DB= run_sql --dbname postgres --set db="$POSTGRES_DB" <<< 'CREATE DATABASE :"db";'
		fi
		init_files /docker-entrypoint-initdb.d/*
		PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
		unset PGPASSWORD
		echo 'PostgreSQL init process complete; ready for start up.'
	else
		echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
	fi
fi

exec "$@"
