// The tokenInfo program; what it answers is lib/token_info_handler.h's.
#include "fastcgi_loop.h"
#include "token_info_handler.h"

int main(int, char** argv) { return site::RunFastCgi(argv[0], site::TokenInfoProgram()); }
