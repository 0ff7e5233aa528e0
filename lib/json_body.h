// JSON answers: the body of every API response and of the pages' script
// calls, with its content type, in one place.
#pragma once

#include <nlohmann/json.hpp>

#include "response.h"

namespace site {

// Sets `resp` to `status` with `body` as pretty-printed JSON.
inline void SetJsonBody(Response* resp, const nlohmann::json& body, int status = 200) {
  resp->set_status(status);
  resp->SetHeader("Content-Type", "application/json; charset=utf-8");
  resp->set_body(body.dump(2) + "\n");
}

}  // namespace site
