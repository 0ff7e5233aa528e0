#!/usr/bin/env bash
# webconf.sh: what it does and how to call it are in usage() below.
set -euo pipefail

usage() {  # what the script does and how to call it
  cat >&2 <<'EOF'
Renders the web server files of the site from their templates, so that the
private servers of `make run` / `make test` and a host's `make install` run
the very same directives with different paths.

  tools/webconf.sh render TEMPLATE OUT CONFIG|- [KEY=VALUE...]
      Writes TEMPLATE with every @KEY@ replaced. Unless CONFIG is -, these
      come from the site's config file, so the server's limits follow it:
      @FILES_DIR@ (files_dir), @UPLOAD_LIMIT_KIB@ (lighttpd's: max_upload_bytes
      as base64, 1.37 times, + 1 MiB of multipart framing) and
      @FORM_LIMIT_KIB@ (max_form_bytes, for lighttpd).
      The route table (cgi-bin/routes, tools/routes.sh) fills @ROUTES_RE@
      @UPLOAD_ROUTES_RE@ and @API_ROUTES_RE@ (the URLs, the upload URLs and
      the URLs that answer JSON, as regex alternations),
      @APACHE_PROXIES@ (one ProxyPassMatch per program) and
      @LIGHTTPD_FASTCGI@ (lighttpd's fastcgi.server entries).
      TRUSTED_PROXIES="A B" (addresses or ranges of load balancers) fills
      @REMOTEIP@ and @EXTFORWARD@; without it they are commented examples.
      WWW_SERVER_NAME=H (the collection files' own host name, or empty)
      fills @WWW_SERVER_NAME_RE@ and @WWW_ALIAS@.
  tools/webconf.sh check-proxies "A B"
      Fails, naming it, on a TRUSTED_PROXIES word that is no address or
      range (or a range wider than /8, /32 for IPv6).
  tools/webconf.sh errors DIR CONFIG
      Writes DIR/admin-site-*-NNN.html, the JSON bodies of the web
      server's own error answers (see ERROR_ROWS), the upload 413 naming
      max_upload_bytes.
  tools/webconf.sh setting CONFIG KEY [DEFAULT]
      Prints the key's value as lib/config.cc reads it (the last one wins).
  tools/webconf.sh new-config TEMPLATE OUT GROUP KEY=VALUE...
      Writes the site's config file from TEMPLATE (etc/site.conf.in) with a
      fresh database password and token secret, mode 640, group GROUP (when
      run as root); the caller names the paths (TEMPLATES_DIR, FILES_DIR).
EOF
  exit 2
}
shopt -u patsub_replacement 2>/dev/null || true  # bash 5.2: '&' stays literal below
# random_hex; beside this script in the source tree and where make install
# puts it (PREFIX/lib/admin-site).
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"

setting() {  # setting CONFIG KEY DEFAULT: the key's value, as lib/config.cc reads it
  local v; v=$(sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1" | tail -1)
  v=${v%"${v##*[![:space:]]}"}
  echo "${v:-$3}"
}

max_upload() { setting "$1" max_upload_bytes 268435456; }

ROUTES_SH="$(dirname "$0")/routes.sh"

# The route table's URLs (without their leading slash) as a regex
# alternation; with COLUMN and VALUE, only the rows whose COLUMN (3: body,
# 5: answers) is VALUE.
routes_re() {  # routes_re [COLUMN VALUE]
  "$ROUTES_SH" rows | awk -v col="${1:-0}" -v only="${2:-}" \
    'col == 0 || $col == only { printf "%s%s", sep, substr($1, 2); sep = "|" }'
}

# One ProxyPassMatch per program, to its pool's socket (SITE_SOCKETS,
# defined by the site file). flushpackets=on: each record the program sends
# goes to the client at once, so that an early answer (a 401 before the
# body) is not held back while Apache reads the body (docs/ and README,
# "Pools"). The worker's timeout is the longest of its URLs'.
apache_proxies() {
  "$ROUTES_SH" rows | awk '
    { if (!($2 in re)) order[n++] = $2
      re[$2] = ($2 in re ? re[$2] "|" : "") substr($1, 2)
      if ($4 > timeout[$2]) timeout[$2] = $4 }
    END { for (i = 0; i < n; i++) { p = order[i]
      printf "%s    ProxyPassMatch \"^/(%s)$\" \"unix:${SITE_SOCKETS}/%s.sock|fcgi://admin-site-%s\" flushpackets=on timeout=%d", (i ? "\n" : ""), re[p], p, tolower(p), timeout[p] } }'
}

# lighttpd's fastcgi.server entries, the longest URL first (its keys are
# prefixes, tried in order; the site file admits exact URLs only).
lighttpd_fastcgi() {
  "$ROUTES_SH" rows | awk '{ print length($1), $0 }' | sort -k1,1nr -k2 | awk '
    { printf "%s      \"%s\" => ( admin_site_fcgi + ( \"socket\" => admin_site_sockets + \"/%s.sock\", \"read-timeout\" => %d ) ),", (NR > 1 ? "\n" : ""), $2, $3, $5 }'
}


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
    # As lib/upload.h MaxUploadRequestBytes: the largest file base64-encoded
    # (1.37 times), with 1 MiB of framing.
    local max; max=$(max_upload "$config")
    local limit=$(( max + (max * 37 + 99) / 100 + 1048576 ))
    # Given pairs first: CONFIG=... names the config where it will be read
    # from, when that differs from where it is read now (DESTDIR).
    local form; form=$(setting "$config" max_form_bytes 1048576)
    pairs+=("FILES_DIR=$files_dir" "UPLOAD_LIMIT_KIB=$(( (limit + 1023) / 1024 ))"
            "FORM_LIMIT_KIB=$(( (form + 1023) / 1024 ))" "CONFIG=$config")
  fi
  local pair key value proxies="" www=""
  for pair in "${pairs[@]}"; do
    case "${pair%%=*}" in
      TRUSTED_PROXIES) proxies=${pair#*=} ;;
      WWW_SERVER_NAME) www=${pair#*=} ;;
    esac
  done
  trusted_proxy_lines "$proxies"
  pairs+=("REMOTEIP=$REMOTEIP_LINES" "EXTFORWARD=$EXTFORWARD_LINES")
  # The sandbox of collection pages on the admin host name (the reasons are
  # in apache-conf/site-common.conf), and the lighttpd types of the early
  # error bodies (errors, below).
  pairs+=("WWW_CSP=$WWW_CSP" "EARLY_ERROR_TYPES=$(early_error_types)")
  # The route table, for the web server files (the only templates that
  # name it; an installed webconf.sh has no table beside it).
  if [[ $text == *@ROUTES_RE@* ]]; then
    pairs+=("ROUTES_RE=$(routes_re)" "UPLOAD_ROUTES_RE=$(routes_re 3 upload)"
            "API_ROUTES_RE=$(routes_re 5 json)"
            "APACHE_PROXIES=$(apache_proxies)" "LIGHTTPD_FASTCGI=$(lighttpd_fastcgi)")
  fi
  # The collection files' own host name (WWW_SERVER_NAME), as a regex for
  # the servers' host conditions; without one, a regex that matches nothing.
  if [ -n "$www" ]; then
    pairs+=("WWW_SERVER_NAME_RE=${www//./\\.}" "WWW_ALIAS=ServerAlias $www")
  else
    pairs+=("WWW_SERVER_NAME_RE=(?!)" "WWW_ALIAS=# (no WWW_SERVER_NAME: collection files are served sandboxed here)")
  fi
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

# The web server's own error answers, as JSON for build servers' logs: what
# Apache or lighttpd answer before (or instead of) our programs: a request
# they cannot parse, a method they refuse, a body too large or too slow, a
# program that could not run. One line each: STATUS|error|message. Messages
# hold no double quote or backslash (they are written into JSON as they are).
# The 400 and 431 rows carry the guide's "Authentication required", so that
# a build log's line leads to the guide's Troubleshooting row.
ERROR_ROWS='400|bad_request|Authentication required, or another header is malformed, or the body ended before its Content-Length: the web server could not read this request. Send the token as exactly Authorization: Bearer <token>, on one line, with no extra spaces or line breaks (a token read from a file written on Windows ends in a carriage return: strip it). No header may hold a line break or control character, be longer than 8,190 bytes, or be one of more than 100; a body comes with a Content-Length or Transfer-Encoding: chunked.
405|method_not_allowed|This address does not take that method: /installCollection takes POST (curl -X POST ... -F collectionFile=@myCollection.zip), /tokenInfo and /healthz take GET.
408|request_timeout|The request did not arrive in time: the web server waits at most 20 s for the headers, and reads the body at no less than 500 bytes per second. Check the connection between your build server and this site, then send it again.
411|length_required|The request has a body but no length: send it with a Content-Length header or Transfer-Encoding: chunked.
413|too_large|The request is larger than this address accepts (1 MiB).
414|uri_too_long|The address is too long for the web server. A token belongs in the Authorization header, never in the address.
431|headers_too_large|Authentication required, or another header is too large: the headers of this request (its address included) are over the limit of the web server. Send the token as exactly Authorization: Bearer <token>, on one line, with no extra spaces or line breaks; a token belongs in the Authorization header, never in the address.
500|internal_error|The web server could not complete this request. If the upload stopped before its end, send it again; if this keeps happening, tell your site administrator (the error log of the web server has the cause).
501|not_implemented|The web server does not accept the Transfer-Encoding of this request: send the body with a Content-Length header or Transfer-Encoding: chunked.
502|bad_gateway|The program behind this address did not answer properly. Try again in a minute; if this keeps happening, tell your site administrator.
503|unavailable|Service temporarily unavailable; please try again later
504|gateway_timeout|The program behind this address took too long to answer. Try again; if this keeps happening, tell your site administrator.'

# The statuses lighttpd answers before it has read a request's host, with
# the server-wide errorfile-prefix (admin-site-early-NNN.html).
EARLY_STATUSES="400 414 431 501"

# Collection pages on the admin host name: scripts, forms and popups run, as
# an opaque origin (no allow-same-origin).
WWW_CSP="sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads"

early_error_types() {  # the lighttpd mimetype.assign entries of the early bodies
  local status lines=""
  for status in $EARLY_STATUSES; do
    lines+="${lines:+$'\n'}  \"admin-site-early-$status.html\" => \"application/json\","
  done
  printf '%s' "$lines"
}

json_error() {  # json_error ERROR MESSAGE
  printf '{\n  "error": "%s",\n  "message": "%s"\n}\n' "$1" "$2"
}

# Writes into DIR, for the site file's ErrorDocument (Apache) and
# errorfile-prefix (lighttpd, which looks for PREFIX + "NNN.html": hence the
# names; both servers send them as application/json):
#   admin-site-error-NNN.html         every row above, for the API URLs
#   admin-site-upload-error-NNN.html  the same, but 413 names max_upload_bytes
#                                     (installCollection, collections/upload)
#   admin-site-early-NNN.html         the EARLY_STATUSES rows
errors() {
  local dir=$1 config=$2 max limit status error message
  max=$(max_upload "$config")
  # As the program words it (FormatBytes): whole MiB, else exact bytes.
  if [ $(( max % 1048576 )) -eq 0 ]; then limit="$(( max >> 20 )) MiB"; else limit="$max bytes"; fi
  mkdir -p "$dir"
  rm -f "$dir"/admin-site-*.html.new
  while IFS='|' read -r status error message; do
    json_error "$error" "$message" > "$dir/admin-site-error-$status.html.new"
    if [ "$status" = 413 ]; then
      message="The collection file is larger than $limit, the most this site accepts."
    fi
    json_error "$error" "$message" > "$dir/admin-site-upload-error-$status.html.new"
    case " $EARLY_STATUSES " in
      *" $status "*) cp "$dir/admin-site-error-$status.html.new" "$dir/admin-site-early-$status.html.new" ;;
    esac
  done <<<"$ERROR_ROWS"
  local f
  for f in "$dir"/admin-site-*.html.new; do mv "$f" "${f%.new}"; done
  # Written by earlier releases (one file for the upload 413).
  rm -f "$dir/upload-too-large.json"
}

cmd=${1:-}; shift || true
case "$cmd" in
  render) render "$@" ;;
  check-proxies) check_trusted_proxies "${1:-}" >/dev/null ;;
  errors) errors "$@" ;;
  setting) setting "$1" "$2" "${3:-}" ;;
  new-config) new_config "$@" ;;
  *) usage ;;
esac
