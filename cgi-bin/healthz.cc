// The healthz program; what it answers is lib/healthz_handler.h's.
#include "fastcgi_loop.h"
#include "healthz_handler.h"

int main(int, char** argv) { return site::RunFastCgi(argv[0], site::HealthzProgram()); }
