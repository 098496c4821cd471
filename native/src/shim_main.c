/* shim_main.c: flotilla-shim's entry point: picks the verb. */
#include <stdio.h>
#include <string.h>

#include "flt_shim.h"

static const char usage[] =
    "usage: flotilla-shim create --id ID --bundle DIR --state-dir DIR [--log FILE] [--cgroup DIR]... [--start] "
    "--sync-fd N\n"
    "       flotilla-shim exec --pid PID [--cwd DIR] [--env K=V]... [--cgroup DIR]... [--tty no] -- CMD ARGS...\n";

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "create") == 0) return flt_shim_create(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "exec") == 0) return flt_shim_exec(argc - 2, argv + 2);
  fputs(usage, stderr);
  return 2;
}
