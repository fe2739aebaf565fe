#include "orchestrator/cli/cli.h"

int main(int argc, char **argv)
{
    return wsl_cli_main(argc, argv);
}
