// The people program; what it answers is lib/people_handler.h's.
#include "fastcgi_loop.h"
#include "people_handler.h"

int main(int, char** argv) { return site::RunFastCgi(argv[0], site::PeopleProgram()); }
