// The installCollection program; what it answers is lib/install_collection_handler.h's.
#include "fastcgi_loop.h"
#include "install_collection_handler.h"

int main(int, char** argv) { return site::RunFastCgi(argv[0], site::InstallCollectionProgram()); }
