#!/usr/bin/env bash
# routes.sh: what it does and how to call it are in usage() below.
set -euo pipefail

usage() {  # what the script does and how to call it
  cat >&2 <<'EOF'
Reads the route table (cgi-bin/routes) for the build and the web server
files, so that a URL is written once.

  tools/routes.sh rows [FILE]        "url program body timeout answers" lines, checked
  tools/routes.sh programs [FILE]    each program once, in table order
  tools/routes.sh cxx [FILE]         the C++ initializer of lib/routes.cc
FILE defaults to cgi-bin/routes beside this script.
EOF
  exit 2
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)

rows() {  # the table without comments, each row checked
  awk -v file="$1" '
    /^[[:space:]]*(#|$)/ { next }
    {
      if (NF != 5) { printf "%s:%d: expected url program body timeout answers\n", file, NR > "/dev/stderr"; bad = 1; next }
      if ($1 !~ /^\/[A-Za-z0-9\/_-]*$/) { printf "%s:%d: bad url %s\n", file, NR, $1 > "/dev/stderr"; bad = 1 }
      if ($2 !~ /^[A-Za-z][A-Za-z0-9_]*$/) { printf "%s:%d: bad program %s\n", file, NR, $2 > "/dev/stderr"; bad = 1 }
      if ($3 != "form" && $3 != "upload") { printf "%s:%d: body must be form or upload\n", file, NR > "/dev/stderr"; bad = 1 }
      if ($4 !~ /^[1-9][0-9]*$/) { printf "%s:%d: timeout must be seconds\n", file, NR > "/dev/stderr"; bad = 1 }
      if ($5 != "json" && $5 != "page" && $5 != "either") { printf "%s:%d: answers must be json, page or either\n", file, NR > "/dev/stderr"; bad = 1 }
      if (($2 in answers) && answers[$2] != $5) { printf "%s:%d: %s answers %s elsewhere\n", file, NR, $2, answers[$2] > "/dev/stderr"; bad = 1 }
      answers[$2] = $5
      if (seen[$1]++) { printf "%s:%d: %s twice\n", file, NR, $1 > "/dev/stderr"; bad = 1 }
      print $1, $2, $3, $4, $5
    }
    END { exit bad }' "$1"
}

cmd=${1:-}; file=${2:-$ROOT/cgi-bin/routes}
case "$cmd" in
  rows) rows "$file" ;;
  programs) rows "$file" | awk '!seen[$2]++ { print $2 }' ;;
  cxx)
    echo "// Generated from cgi-bin/routes by tools/routes.sh: edit that table."
    rows "$file" | awk '{
      style = ($5 == "json" ? "kJson" : $5 == "page" ? "kHtmlPage" : "kByAccept")
      printf "{\"%s\", \"%s\", %s, ErrorStyle::%s},\n", $1, $2, ($3 == "upload" ? "true" : "false"), style }' ;;
  *) usage ;;
esac
