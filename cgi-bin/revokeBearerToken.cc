// The revokeBearerToken program; what it answers is lib/revoke_bearer_token_handler.h's.
#include "fastcgi_loop.h"
#include "revoke_bearer_token_handler.h"

int main(int, char** argv) { return site::RunFastCgi(argv[0], site::RevokeBearerTokenProgram()); }
