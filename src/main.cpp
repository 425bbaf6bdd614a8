// relaywatch: argv -> command -> exit code. Everything else lives in app/.
#include "relaywatch/app/cli.h"

int main(int argc, char** argv) { return relaywatch::app::RunCli(argc, argv); }
