// The login program; what it answers is lib/login_handler.h's.
#include "fastcgi_loop.h"
#include "login_handler.h"

int main(int, char** argv) { return site::RunFastCgi(argv[0], site::LoginProgram()); }
