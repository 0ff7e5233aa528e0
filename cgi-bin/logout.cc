// The logout program; what it answers is lib/logout_handler.h's.
#include "fastcgi_loop.h"
#include "logout_handler.h"

int main(int, char** argv) { return site::RunFastCgi(argv[0], site::LogoutProgram()); }
