/* net_exec.c - sync, status and doctor in the plain `mutua`: they run
 * `mutua-net`, the same command table linked with libzmq.
 *
 * Why two programs: libzmq brings about ten shared libraries with it
 * (libstdc++, Kerberos, PGM, NORM...), and loading them cost `mutua`
 * about 10 ms at every start here, more than anything else a command such
 * as `offer add` does. Only the commands that talk to peers pay for them.
 * mutua-net is looked for beside this program (/proc/self/exe), then on
 * the PATH.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NET_PROGRAM "mutua-net"
#define NET_ARGS_MAX 4096 /* arguments passed on */

static int run_net(struct ctx *c, int argc, char **argv)
{
	char self[PATH_MAX], prog[PATH_MAX + sizeof NET_PROGRAM];
	char *args[NET_ARGS_MAX + 6];
	int n = 0;
	if (argc > NET_ARGS_MAX)
		return fail(EXIT_USAGE, "too many arguments");
	args[n++] = NET_PROGRAM;
	args[n++] = "--home";
	args[n++] = (char *)c->home;
	if (c->json)
		args[n++] = "--json";
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fflush(NULL);
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len > 0) {
		self[len] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(prog, sizeof prog, "%s/%s", self, NET_PROGRAM);
			execv(prog, args);
		}
	}
	execvp(NET_PROGRAM, args);
	return fail(EXIT_REFUSED, "cannot run '%s' (it comes with mutua): %s", NET_PROGRAM,
		    strerror(errno));
}

int cmd_sync(struct ctx *c, int argc, char **argv)
{
	return run_net(c, argc, argv);
}

int cmd_status(struct ctx *c, int argc, char **argv)
{
	return run_net(c, argc, argv);
}

int cmd_doctor(struct ctx *c, int argc, char **argv)
{
	return run_net(c, argc, argv);
}

int cmd_staff_remote(struct ctx *c, int argc, char **argv)
{
	return run_net(c, argc, argv);
}
