#!/bin/sh
# feedscale's reimplementation of the official image's template step: every
# $NGINX_ENVSUBST_TEMPLATE_DIR/*.template (default /etc/nginx/templates) becomes a file of the
# same relative name without the suffix under $NGINX_ENVSUBST_OUTPUT_DIR (default
# /etc/nginx/conf.d), with the environment's variables substituted.
template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
[ -d "$template_dir" ] || return 0
if [ ! -w "$output_dir" ]; then echo "$0: ERROR: $template_dir exists, but $output_dir is not writable" >&2; return 0; fi
defined="$(printf '${%s} ' $(awk 'END { for (name in ENVIRON) { print ( name ~ /^[a-zA-Z_][a-zA-Z0-9_]*$/ ) ? name : "" } }' < /dev/null))"
find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
  relative="${template#"$template_dir/"}"
  output="$output_dir/${relative%"$suffix"}"
  mkdir -p "$(dirname "$output")"
  envsubst "$defined" < "$template" > "$output"
done
