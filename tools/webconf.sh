#!/usr/bin/env bash
# Renders the web server files of the site from their templates, so that the
# private servers of `make run` / `make test` and a host's `make install` run
# the very same directives with different paths.
#
#   tools/webconf.sh render TEMPLATE OUT CONFIG|- [KEY=VALUE...]
#       Writes TEMPLATE with every @KEY@ replaced. Unless CONFIG is -, two
#       keys come from the site's config file, so the server's limits follow it:
#       @FILES_DIR@ (files_dir) and @UPLOAD_LIMIT@ (max_upload_bytes + 1 MiB
#       of multipart framing; @UPLOAD_LIMIT_KIB@ for lighttpd).
#       TRUSTED_PROXIES="A B" (addresses or ranges of load balancers) fills
#       @REMOTEIP@ and @EXTFORWARD@; without it they are commented examples.
#   tools/webconf.sh check-proxies "A B"
#       Fails, naming it, on a TRUSTED_PROXIES word that is no address or
#       range (or a range wider than /8, /32 for IPv6).
#   tools/webconf.sh errors DIR CONFIG
#       Writes DIR/upload-too-large.json, the body of the web server's own
#       413 for uploads, naming the limit in MiB.
#   tools/webconf.sh setting CONFIG KEY [DEFAULT]
#       Prints the key's value as lib/config.cc reads it (the last one wins).
#   tools/webconf.sh new-config TEMPLATE OUT GROUP KEY=VALUE...
#       Writes the site's config file from TEMPLATE (etc/site.conf.in) with a
#       fresh database password and token secret, mode 640, group GROUP (when
#       run as root); the caller names the paths (TEMPLATES_DIR, FILES_DIR).
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true  # bash 5.2: '&' stays literal below

setting() {  # setting CONFIG KEY DEFAULT: the key's value, as lib/config.cc reads it
  local v; v=$(sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1" | tail -1)
  v=${v%"${v##*[![:space:]]}"}
  echo "${v:-$3}"
}

max_upload() { setting "$1" max_upload_bytes 268435456; }

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

new_config() {
  local template=$1 out=$2 group=$3; shift 3
  mkdir -p "$(dirname "$out")"
  (umask 027
   render "$template" "$out.tmp" - DB_PASSWORD="$(random_hex 24)" TOKEN_SECRET="$(random_hex 32)" "$@"
   mv "$out.tmp" "$out")
  [ "$(id -u)" != 0 ] || chgrp "$group" "$out"
}

# Prints the load balancers of $1 (space-separated IPv4/IPv6 addresses or
# ranges) one per line, or fails naming the first bad one. A range wider
# than /8 (IPv4) or /32 (IPv6) is refused: it would let most of the world
# choose its own address.
check_trusted_proxies() {
  local proxy addr bits octet
  set -f  # no file-name expansion of the words below
  for proxy in $1; do
    addr=${proxy%%/*} bits=
    [ "$addr" = "$proxy" ] || bits=${proxy#*/}
    if [[ $addr =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]]; then
      for octet in "${BASH_REMATCH[@]:1}"; do
        [ "$((10#$octet))" -le 255 ] || { echo "TRUSTED_PROXIES: '$proxy' is not an IPv4 address" >&2; return 1; }
      done
      if [ -n "$bits" ] && { ! [[ $bits =~ ^[0-9]{1,2}$ ]] || [ "$((10#$bits))" -lt 8 ] || [ "$((10#$bits))" -gt 32 ]; }; then
        echo "TRUSTED_PROXIES: '$proxy': an IPv4 range must be /8 to /32" >&2; return 1
      fi
    elif [[ $addr =~ ^[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}$ ]]; then
      if [ -n "$bits" ] && { ! [[ $bits =~ ^[0-9]{1,3}$ ]] || [ "$((10#$bits))" -lt 32 ] || [ "$((10#$bits))" -gt 128 ]; }; then
        echo "TRUSTED_PROXIES: '$proxy': an IPv6 range must be /32 to /128" >&2; return 1
      fi
    else
      echo "TRUSTED_PROXIES: '$proxy' is not an IP address or range" >&2; return 1
    fi
    echo "$proxy"
  done
  set +f
}

# Sets REMOTEIP_LINES (Apache) and EXTFORWARD_LINES (lighttpd, inside the
# site's host block) for the load balancers in $1; with none, commented
# examples. RemoteIPInternalProxy, not ...TrustedProxy: the latter ignores
# forwarded addresses in private ranges, which is where an intranet's
# admins are.
trusted_proxy_lines() {
  local proxies proxy list="" words=""
  proxies=$(check_trusted_proxies "$1") || exit 1
  if [ -z "$proxies" ]; then
    REMOTEIP_LINES=$'    #RemoteIPHeader X-Forwarded-For\n    #RemoteIPInternalProxy 10.0.0.10'
    EXTFORWARD_LINES=$'  #extforward.forwarder = ( "10.0.0.10" => "trust" )\n  #extforward.headers = ( "X-Forwarded-For" )'
    return
  fi
  for proxy in $proxies; do
    list+="${list:+, }\"$proxy\" => \"trust\""
    words+="${words:+ }$proxy"
  done
  REMOTEIP_LINES="    RemoteIPHeader X-Forwarded-For"$'\n'"    RemoteIPInternalProxy $words"
  EXTFORWARD_LINES="  extforward.forwarder = ( $list )"$'\n'"  extforward.headers = ( \"X-Forwarded-For\" )"
}

render() {
  local template=$1 out=$2 config=$3; shift 3
  local text; text=$(cat "$template")
  local -a pairs=("$@")
  if [ "$config" != - ]; then
    [ -r "$config" ] || { echo "webconf: cannot read the site config $config" >&2; exit 1; }
    local files_dir; files_dir=$(setting "$config" files_dir "")
    [ -n "$files_dir" ] || { echo "webconf: $config has no files_dir" >&2; exit 1; }
    local limit=$(( $(max_upload "$config") + 1048576 ))
    # Given pairs first: CONFIG=... names the config where it will be read
    # from, when that differs from where it is read now (DESTDIR).
    pairs+=("FILES_DIR=$files_dir" "UPLOAD_LIMIT=$limit"
            "UPLOAD_LIMIT_KIB=$(( (limit + 1023) / 1024 ))" "CONFIG=$config")
  fi
  local pair key value proxies=""
  for pair in "${pairs[@]}"; do
    [ "${pair%%=*}" = TRUSTED_PROXIES ] && proxies=${pair#*=}
  done
  trusted_proxy_lines "$proxies"
  pairs+=("REMOTEIP=$REMOTEIP_LINES" "EXTFORWARD=$EXTFORWARD_LINES")
  for pair in "${pairs[@]}"; do
    key=${pair%%=*} value=${pair#*=}
    text=${text//@$key@/$value}
  done
  local left; left=$(grep -o '@[A-Z_]*@' <<<"$text" | sort -u | tr '\n' ' ' || true)
  [ -z "$left" ] || { echo "webconf: $template: no value for $left" >&2; exit 1; }
  mkdir -p "$(dirname "$out")"
  printf '%s\n' "$text" > "$out.new"
  mv "$out.new" "$out"
}

errors() {
  local dir=$1 config=$2 max limit
  max=$(max_upload "$config")
  # As the program words it (FormatBytes): whole MiB, else exact bytes.
  if [ $(( max % 1048576 )) -eq 0 ]; then limit="$(( max >> 20 )) MiB"; else limit="$max bytes"; fi
  mkdir -p "$dir"
  printf '{\n  "error": "too_large",\n  "message": "The collection file is larger than %s, the most this site accepts."\n}\n' \
    "$limit" > "$dir/upload-too-large.json"
}

cmd=${1:-}; shift || true
case "$cmd" in
  render) render "$@" ;;
  check-proxies) check_trusted_proxies "${1:-}" >/dev/null ;;
  errors) errors "$@" ;;
  setting) setting "$1" "$2" "${3:-}" ;;
  new-config) new_config "$@" ;;
  *) sed -n '2,25p' "$0" >&2; exit 2 ;;
esac
