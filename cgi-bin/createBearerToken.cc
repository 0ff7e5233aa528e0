// The createBearerToken program; what it answers is lib/create_bearer_token_handler.h's.
#include "fastcgi_loop.h"
#include "create_bearer_token_handler.h"

int main(int, char** argv) { return site::RunFastCgi(argv[0], site::CreateBearerTokenProgram()); }
