// The collections program; what it answers is lib/collections_handler.h's.
#include "fastcgi_loop.h"
#include "collections_handler.h"

int main(int, char** argv) { return site::RunFastCgi(argv[0], site::CollectionsProgram()); }
