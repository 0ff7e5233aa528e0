#!/usr/bin/env bash
# Runs one program's FastCGI pool: pool_processes copies of PROGRAM (from
# the site's config), watched by Debian's multiwatch, which starts a new
# copy within half a second when one dies (and gives a slot up after 3
# deaths within 10 s; under systemd, Restart=always then starts the pool
# again). The listening socket is on fd 0, where libfcgi looks for it:
# spawn-fcgi -n puts it there for `make run` and `make test`
# (tools/stack.sh), systemd's StandardInput=socket for hosts
# (etc/systemd/admin-site@.service). TERM stops the pool: multiwatch passes
# it on, and each program finishes the request it is answering first.
#
#   pool.sh PROGRAM      with SITE_CONFIG (the site's config file) set
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: pool.sh PROGRAM   (with SITE_CONFIG, the site's config file, set)" >&2; exit 2; }
: "${SITE_CONFIG:?pool.sh: SITE_CONFIG (the site config file) is not set}"
processes=$("$(dirname "$0")/webconf.sh" setting "$SITE_CONFIG" pool_processes 4)
# As lib/config.cc checks it: the programs would refuse the config anyway.
if ! [[ $processes =~ ^[1-9][0-9]{0,2}$ ]] || [ "$processes" -gt 256 ]; then
  echo "pool: pool_processes = '$processes' in $SITE_CONFIG: use 1 to 256" >&2
  exit 1
fi
exec multiwatch --forks="$processes" --signal=TERM -- "$1"
