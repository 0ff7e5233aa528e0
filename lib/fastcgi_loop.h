// The FastCGI accept loop of every cgi-bin program (fcgi2's echo example:
// `while (FCGX_Accept_r(&req) == 0)`, all per-request state built inside
// it). It turns each FastCGI request into a Request, hands it to Serve
// (app.h) and sends back the Response; it knows nothing of pages, tokens or
// collections.
#pragma once

#include "app.h"

namespace site {

// Loads the config named by $SITE_CONFIG (exiting with a message naming the
// bad setting), then serves FastCGI requests with `program` until the web
// server stops us. Every request gets fresh Request/Response objects; no
// request state outlives its request. Returns the process's exit status.
int RunFastCgi(const char* argv0, const Program& program);

}  // namespace site
