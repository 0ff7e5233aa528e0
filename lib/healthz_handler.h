// /healthz (GET or HEAD): the health check of a web node, for load
// balancers (README, "Several web nodes": an HAProxy example).
//
//   curl -fsS https://yoursite.com/healthz
//
// No authentication and nothing secret: 200 {"status": "ok", ...} when the
// database answers a query and the files area is mounted with a published
// generation; else 503 {"status": "unavailable", "checks": {...}} naming
// which check failed, with Retry-After. Cheap enough to poll every second
// from every balancer: one round trip to the database (SELECT 1) and one
// stat; nothing is written, nothing logged.
#pragma once

#include "app.h"

namespace site {

// Answers one /healthz request (the table above).
Status HandleHealthz(App& app, const Request& req, Response* resp);

// The healthz program: HandleHealthz, GET and HEAD, without the database
// gate (it reports the database itself).
Program HealthzProgram();

}  // namespace site
