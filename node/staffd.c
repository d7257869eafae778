/* staffd.c - the member's node runs `mutua` for its staff (staffd.h). */
#include "staffd.h"
#include "clock.h"
#include "hex.h"
#include "log.h"
#include "staffnet.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUCKETS 64
#define ARGS_MAX 64
#define ARG_LEN_MAX 4096
#define FILES_MAX 8
#define SIGS_MAX 64 /* as tools/cli.c's STAFF_ACTS_MAX */
#define ACT_SIZE (32 + 32 + 8 + 64)
#define OUT_FILE "mutua.out"

struct bucket {
	uint8_t xkey[32];
	double tokens;
	int64_t at;
};

/* The command running for a staff client: one at a time, never waited
 * for (staffd_finish looks at it on each of the node's rounds). */
struct running {
	pid_t pid; /* 0: none */
	int fo, fe, fio;
	char dir[PATH_MAX + 32];
	int64_t deadline;
	Mutua__StaffRequest *q;
	uint8_t key[32], deleg[32];
};

static void running_close(struct running *r);

struct staffd {
	struct store *store;
	char home[PATH_MAX];
	char mutua[PATH_MAX];
	uint8_t member[32];
	struct bucket b[BUCKETS];
	struct running run;
};

/* The commands a staff client may run: the reads and the actions of a
 * member's day, never the node's own setup (init, federation, key, feed,
 * sync, reindex, export, tally...). For "staff", its subcommands below. */
static const char *const allowed[] = {
	"offer", "borrow", "block", "unblock", "accept", "decline", "cancel", "handover",
	"return", "close", "agree", "dispute", "requests", "calendar", "balance",
	"export-csv", "propose", "proposals", "vote", "log", "report", "proof", "staff",
	"status", "id", NULL,
};
static const char *const staff_allowed[] = {"add", "revoke", "list", NULL};

static int in_list(const char *const *l, const char *w)
{
	for (; *l; l++)
		if (strcmp(*l, w) == 0)
			return 1;
	return 0;
}

struct staffd *staffd_new(struct store *s, const char *home, const uint8_t member[32])
{
	struct staffd *d = calloc(1, sizeof *d);
	char self[PATH_MAX];
	if (!d) {
		err_set("out of memory");
		return NULL;
	}
	d->store = s;
	snprintf(d->home, sizeof d->home, "%s", home);
	memcpy(d->member, member, 32);
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;
	if (len > 0 && (self[len] = 0, slash = strrchr(self, '/'))) {
		*slash = 0;
		snprintf(d->mutua, sizeof d->mutua, "%.*s/mutua", PATH_MAX - 8, self);
	} else {
		snprintf(d->mutua, sizeof d->mutua, "mutua");
	}
	return d;
}

void staffd_free(struct staffd **d)
{
	if (d && *d) {
		struct running *r = &(*d)->run;
		if (r->pid > 0) { /* a command still running: it is stopped */
			kill(r->pid, SIGKILL);
			waitpid(r->pid, NULL, 0);
			running_close(r);
		}
		free(*d);
		*d = NULL;
	}
}

int staffd_admit(struct staffd *d, const uint8_t xkey[32], char *uid, size_t uid_len,
		 char *why, size_t why_len)
{
	uint8_t key[32], deleg[32];
	int rc = staff_by_xkey(d->store, d->member, xkey, clock_now_ms(), key, deleg, why,
			       why_len);
	if (rc == 1) {
		char hex[HEX_ID_LEN + 1];
		hex_encode(hex, xkey, 32);
		snprintf(uid, uid_len, STAFF_UID_PREFIX "%s", hex);
	}
	return rc;
}

/* The token bucket of xkey: 0 when a request may go, else the seconds to
 * wait. */
static int bucket_take(struct staffd *d, const uint8_t xkey[32])
{
	int64_t now = clock_now_ms();
	struct bucket *b = NULL, *oldest = &d->b[0];
	for (int i = 0; i < BUCKETS; i++) {
		if (d->b[i].at && memcmp(d->b[i].xkey, xkey, 32) == 0) {
			b = &d->b[i];
			break;
		}
		if (d->b[i].at < oldest->at)
			oldest = &d->b[i];
	}
	if (!b) {
		b = oldest;
		memcpy(b->xkey, xkey, 32);
		b->tokens = STAFF_BURST;
		b->at = now;
	}
	b->tokens += (double)(now - b->at) / STAFF_REFILL_MS;
	if (b->tokens > STAFF_BURST)
		b->tokens = STAFF_BURST;
	b->at = now;
	if (b->tokens < 1)
		return (int)((1 - b->tokens) * STAFF_REFILL_MS / 1000) + 1;
	b->tokens -= 1;
	return 0;
}

static int plain_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* A locale or time zone name the node passes on: letters, digits and a few
 * signs, no path ("..", a leading '/'). */
static int safe_env(const char *s, const char *extra)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '/' || s[0] == '.' || strstr(s, ".."))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

int staffd_check_request(const uint8_t *buf, size_t len, Mutua__StaffRequest **out)
{
	*out = NULL;
	if (len > STAFF_REQUEST_MAX)
		return err_set("request of %zu bytes, at most %d", len, STAFF_REQUEST_MAX);
	Mutua__StaffRequest *r = mutua__staff_request__unpack(NULL, len, buf);
	if (!r)
		return err_set("malformed request");
	if (r->mode != 1 && r->mode != 2) {
		err_set("unknown mode %u", r->mode);
		goto bad;
	}
	if (r->n_args < 1 || r->n_args > ARGS_MAX) {
		err_set("a request names one command and at most %d arguments", ARGS_MAX - 1);
		goto bad;
	}
	if (!in_list(allowed, r->args[0])) {
		err_set("'%s' is not run for staff (only the member's own commands are: "
			"offers, loans, governance, reads)", r->args[0]);
		goto bad;
	}
	if (strcmp(r->args[0], "staff") == 0 &&
	    (r->n_args < 2 || !in_list(staff_allowed, r->args[1]))) {
		err_set("of 'staff', only add, revoke and list are run for staff");
		goto bad;
	}
	for (size_t i = 0; i < r->n_args; i++) {
		const char *a = r->args[i];
		if (strlen(a) > ARG_LEN_MAX) {
			err_set("argument %zu is too long", i + 1);
			goto bad;
		}
		/* the node's home is not the client's to choose */
		if (strncmp(a, "--home", 6) == 0 || strcmp(a, "-H") == 0) {
			err_set("argument %zu: --home is not the client's to give", i + 1);
			goto bad;
		}
		if (a[0] == '/' || strcmp(a, "..") == 0 || strncmp(a, "../", 3) == 0 ||
		    strstr(a, "/../")) {
			err_set("argument %zu names a path on the node: a file is sent with the "
				"request and named by its plain name", i + 1);
			goto bad;
		}
	}
	if (r->n_files > FILES_MAX) {
		err_set("at most %d files", FILES_MAX);
		goto bad;
	}
	for (size_t i = 0; i < r->n_files; i++)
		if (!plain_name(r->files[i]->name) || strcmp(r->files[i]->name, OUT_FILE) == 0) {
			err_set("file %zu has no plain name", i + 1);
			goto bad;
		}
	if (r->n_sigs > SIGS_MAX || (r->mode == 1 && r->n_sigs)) {
		err_set("too many signatures, or signatures in a prepare");
		goto bad;
	}
	for (size_t i = 0; i < r->n_sigs; i++)
		if (r->sigs[i]->sig.len != 64 || r->sigs[i]->nonce == 0) {
			err_set("signature %zu is malformed", i + 1);
			goto bad;
		}
	*out = r;
	return 0;
bad:
	mutua__staff_request__free_unpacked(r, NULL);
	return -1;
}

/* ---- running the command ----------------------------------------------- */

static int memfd(const char *name)
{
	return memfd_create(name, MFD_CLOEXEC);
}

/* Up to max bytes of fd from its start (malloc'd, *len set), or NULL. */
static uint8_t *slurp(int fd, size_t max, size_t *len)
{
	struct stat st;
	*len = 0;
	if (fstat(fd, &st) || lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	size_t n = (size_t)st.st_size < max ? (size_t)st.st_size : max;
	uint8_t *buf = malloc(n + 1);
	if (!buf)
		return NULL;
	size_t got = 0;
	ssize_t r;
	while (got < n && (r = read(fd, buf + got, n - got)) > 0)
		got += (size_t)r;
	*len = got;
	return buf;
}

static void rm_dir(const char *dir)
{
	DIR *dd = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX + 300];
	if (dd) {
		while ((e = readdir(dd)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
				unlink(path);
			}
		closedir(dd);
	}
	rmdir(dir);
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

struct run {
	int status;
	uint8_t *out, *err, *io, *file;
	size_t out_len, err_len, io_len, file_len;
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	free(r->io);
	free(r->file);
}

static void running_close(struct running *r)
{
	if (r->fo >= 0)
		close(r->fo);
	if (r->fe >= 0)
		close(r->fe);
	if (r->fio >= 0)
		close(r->fio);
	r->fo = r->fe = r->fio = -1;
	if (r->dir[0])
		rm_dir(r->dir);
	r->dir[0] = 0;
	if (r->q)
		mutua__staff_request__free_unpacked(r->q, NULL);
	r->q = NULL;
	r->pid = 0;
}

/* Starts mutua for q (mode 1 prepare, 2 commit with acts in io_in) into
 * d->run, which owns q from here on. 0, or -1 (q freed). */
static int run_start(struct staffd *d, Mutua__StaffRequest *q, const uint8_t *io_in,
		     size_t io_in_len)
{
	struct running *r = &d->run;
	memset(r, 0, sizeof *r);
	r->fo = r->fe = r->fio = -1;
	r->q = q;
	snprintf(r->dir, sizeof r->dir, "%s/staff-run.XXXXXX", d->home);
	if (!mkdtemp(r->dir)) {
		err_set("cannot make a directory to run in: %s", strerror(errno));
		r->dir[0] = 0;
		goto fail;
	}
	for (size_t i = 0; i < q->n_files; i++) {
		char path[PATH_MAX + 100];
		snprintf(path, sizeof path, "%s/%s", r->dir, q->files[i]->name);
		int f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (f < 0 || write_all(f, q->files[i]->data.data, q->files[i]->data.len)) {
			if (f >= 0)
				close(f);
			err_set("cannot write a file sent: %s", strerror(errno));
			goto fail;
		}
		close(f);
	}
	if ((r->fo = memfd("staff-out")) < 0 || (r->fe = memfd("staff-err")) < 0 ||
	    (r->fio = memfd("staff-io")) < 0 || (io_in_len && write_all(r->fio, io_in, io_in_len))) {
		err_set("cannot make the command's outputs: %s", strerror(errno));
		goto fail;
	}
	/* argv: mutua --home HOME [--json] ARGS... */
	char *argv[ARGS_MAX + 6];
	int n = 0;
	argv[n++] = "mutua";
	argv[n++] = "--home";
	argv[n++] = d->home;
	if (q->has_json && q->json)
		argv[n++] = "--json";
	for (size_t i = 0; i < q->n_args; i++)
		argv[n++] = q->args[i];
	argv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		err_set("cannot fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(r->fo, 1) < 0 || dup2(r->fe, 2) < 0 ||
		    dup2(r->fio, 3) < 0 || chdir(r->dir))
			_exit(127);
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
		struct rlimit fsize = {STAFF_OUTPUT_MAX, STAFF_OUTPUT_MAX};
		setrlimit(RLIMIT_FSIZE, &fsize);
		signal(SIGXFSZ, SIG_IGN);
		signal(SIGPIPE, SIG_DFL);
		unsetenv("MUTUA_HOME");
		unsetenv("LANGUAGE");
		unsetenv("LC_MESSAGES");
		/* the client's language and time zone when they are plain names
		 * (no path); else the node's defaults */
		if (q->lang && safe_env(q->lang, "_.-@")) {
			setenv("LC_ALL", q->lang, 1);
			setenv("LANG", q->lang, 1);
		} else {
			unsetenv("LC_ALL");
			setenv("LANG", "C.UTF-8", 1);
		}
		if (q->tz && safe_env(q->tz, "/_+-"))
			setenv("TZ", q->tz, 1);
		else
			unsetenv("TZ");
		setenv("MUTUA_STAFF_MODE", q->mode == 1 ? "prepare" : "commit", 1);
		setenv("MUTUA_STAFF_FD", "3", 1);
		execv(d->mutua, argv);
		_exit(127);
	}
	r->pid = pid;
	r->deadline = clock_now_ms() + STAFF_EXEC_MS;
	return 0;
fail:
	running_close(r);
	return -1;
}

/* Whether the running command has ended (killed past its time): 1 with
 * res filled, 0 while it runs. */
static int run_end(struct staffd *d, int64_t now, struct run *res)
{
	struct running *r = &d->run;
	int status = 0;
	pid_t w = waitpid(r->pid, &status, WNOHANG);
	if (w == 0 && now <= r->deadline)
		return 0;
	if (w == 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, &status, 0);
		status = -2;
	} else if (w < 0) {
		status = -1;
	}
	memset(res, 0, sizeof *res);
	res->out = slurp(r->fo, STAFF_OUTPUT_MAX, &res->out_len);
	res->err = slurp(r->fe, STAFF_OUTPUT_MAX, &res->err_len);
	res->io = slurp(r->fio, STAFF_OUTPUT_MAX, &res->io_len);
	const char *what = r->q->args[0];
	if (status == -2) {
		res->status = 1;
		log_limited(LOG_WARN, "staff-timeout", "staff: '%s' ran longer than %d s: stopped",
			    what, STAFF_EXEC_MS / 1000);
		free(res->err);
		res->err = (uint8_t *)strdup("mutua: the node stopped the command: it ran too "
					     "long\n");
		res->err_len = res->err ? strlen((char *)res->err) : 0;
	} else if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 127) {
		res->status = 1;
		log_limited(LOG_WARN, "staff-exec", "staff: cannot run '%s' for a staff client "
			    "(status %d)", d->mutua, status);
	} else {
		res->status = WEXITSTATUS(status);
	}
	char path[PATH_MAX + 100];
	snprintf(path, sizeof path, "%s/" OUT_FILE, r->dir);
	int f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f >= 0) {
		res->file = slurp(f, STAFF_OUTPUT_MAX, &res->file_len);
		close(f);
	}
	return 1;
}

/* The bodies prepare captured: len(u32 LE) | Body, each at most one
 * entry's size. n bodies pointing into io, or -1. */
static int split_bodies(uint8_t *io, size_t len, ProtobufCBinaryData *out, size_t max)
{
	size_t off = 0, n = 0;
	while (off < len) {
		if (len - off < 4 || n == max)
			return -1;
		uint32_t bl = (uint32_t)io[off] | (uint32_t)io[off + 1] << 8 |
			      (uint32_t)io[off + 2] << 16 | (uint32_t)io[off + 3] << 24;
		off += 4;
		if (bl > len - off || bl > ENTRY_BODY_MAX)
			return -1;
		out[n].data = io + off;
		out[n++].len = bl;
		off += bl;
	}
	return (int)n;
}

static void refuse(const char *uid, const char *what, const char **cmd, uint8_t **out,
		   size_t *out_len, int *owned)
{
	char key[120];
	snprintf(key, sizeof key, "staff-refused:%.80s", uid);
	log_limited(LOG_WARN, key, "staff client %.22s...: refused: %s", uid + 6, what);
	*cmd = "ERROR";
	*out = (uint8_t *)strdup(what);
	*out_len = *out ? strlen(what) : 0;
	*owned = 1;
}

int staffd_start(struct staffd *d, const char *uid, const uint8_t *const *frames,
		 const size_t *lens, int n, const char **cmd, uint8_t **out, size_t *out_len,
		 int *owned)
{
	uint8_t xkey[32], key[32], deleg[32];
	char why[300], msg[400];
	*owned = 0;
	*out = NULL;
	*out_len = 0;
	if (strncmp(uid, STAFF_UID_PREFIX, 6) != 0 || hex_decode(xkey, 32, uid + 6)) {
		refuse(uid, "not a staff connection", cmd, out, out_len, owned);
		return 0;
	}
	if (n >= 1 && lens[0] == 5 && memcmp(frames[0], "STAFF", 5) == 0 && n != 2) {
		refuse(uid, "malformed STAFF message: it has two frames, STAFF and the request",
		       cmd, out, out_len, owned);
		return 0;
	}
	if (n != 2 || lens[0] != 5 || memcmp(frames[0], "STAFF", 5) != 0) {
		/* HELLO, GET, PUSH...: a staff key never replicates */
		refuse(uid, "a staff connection only sends STAFF requests: it does not "
		       "replicate", cmd, out, out_len, owned);
		return 0;
	}
	int wait = bucket_take(d, xkey);
	if (wait) {
		snprintf(msg, sizeof msg, "too many requests: wait %d s", wait);
		refuse(uid, msg, cmd, out, out_len, owned);
		return 0;
	}
	/* per request: a revocation or an expiry since the connection counts */
	int may = staff_by_xkey(d->store, d->member, xkey, clock_now_ms(), key, deleg, why,
				sizeof why);
	if (may != 1) {
		snprintf(msg, sizeof msg, "this key acts for this member no more: %s",
			 may < 0 ? "the store cannot tell" : why);
		refuse(uid, msg, cmd, out, out_len, owned);
		return 0;
	}
	Mutua__StaffRequest *q;
	if (staffd_check_request(frames[1], lens[1], &q)) {
		snprintf(msg, sizeof msg, "bad request: %s", err_msg());
		refuse(uid, msg, cmd, out, out_len, owned);
		return 0;
	}
	int64_t until;
	if (store_appends_held(d->store, &until) == 1) {
		int64_t s = (until - clock_now_ms()) / 1000 + 1;
		snprintf(msg, sizeof msg, "the node is confirming its own feed with its peers "
			 "after a start: try again in %lld s", (long long)(s > 0 ? s : 1));
		mutua__staff_request__free_unpacked(q, NULL);
		refuse(uid, msg, cmd, out, out_len, owned);
		return 0;
	}
	/* commit: the acts, each with the key and delegation the node names */
	uint8_t *acts = NULL;
	size_t acts_len = q->n_sigs * ACT_SIZE;
	if (q->n_sigs && !(acts = malloc(acts_len))) {
		mutua__staff_request__free_unpacked(q, NULL);
		refuse(uid, "out of memory", cmd, out, out_len, owned);
		return 0;
	}
	for (size_t i = 0; i < q->n_sigs; i++) {
		uint8_t *a = acts + i * ACT_SIZE;
		memcpy(a, key, 32);
		memcpy(a + 32, deleg, 32);
		for (int j = 0; j < 8; j++)
			a[64 + j] = (uint8_t)(q->sigs[i]->nonce >> (8 * j));
		memcpy(a + 72, q->sigs[i]->sig.data, 64);
	}
	int rc = run_start(d, q, acts, acts_len); /* owns q from here */
	free(acts);
	if (rc) {
		snprintf(msg, sizeof msg, "the node cannot run the command: %s", err_msg());
		refuse(uid, msg, cmd, out, out_len, owned);
		return 0;
	}
	memcpy(d->run.key, key, 32);
	memcpy(d->run.deleg, deleg, 32);
	return 1;
}

int staffd_busy(const struct staffd *d)
{
	return d->run.pid > 0;
}

int staffd_finish(struct staffd *d, int64_t now, const char **cmd, uint8_t **out,
		  size_t *out_len, int *owned)
{
	struct run res;
	*owned = 0;
	*out = NULL;
	*out_len = 0;
	if (!staffd_busy(d) || !run_end(d, now, &res))
		return 0;
	Mutua__StaffRequest *q = d->run.q;
	Mutua__StaffReply r = MUTUA__STAFF_REPLY__INIT;
	ProtobufCBinaryData bodies[SIGS_MAX];
	r.status = res.status;
	r.has_out = 1;
	r.out.data = res.out;
	r.out.len = res.out_len;
	r.has_err = 1;
	r.err.data = res.err;
	r.err.len = res.err_len;
	if (q->mode == 1 && res.io_len) {
		int nb = split_bodies(res.io, res.io_len, bodies, SIGS_MAX);
		if (nb < 0) {
			r.status = 1;
			static const char e[] = "mutua: the command makes too many entries to sign "
						"at once\n";
			r.err.data = (uint8_t *)e;
			r.err.len = sizeof e - 1;
		} else {
			r.bodies = bodies;
			r.n_bodies = (size_t)nb;
		}
	}
	r.has_delegation = 1;
	r.delegation.data = d->run.deleg;
	r.delegation.len = 32;
	if (res.file) {
		r.has_file = 1;
		r.file.data = res.file;
		r.file.len = res.file_len;
	}
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, d->run.key, 32);
	log_msg(LOG_INFO, "staff %.16s: %s %s: status %d%s", hex, q->mode == 1 ? "prepare" : "commit",
		q->args[0], r.status, r.n_bodies ? " (entries to sign)" : "");
	size_t len = mutua__staff_reply__get_packed_size(&r);
	*out = malloc(len ? len : 1);
	if (*out) {
		*out_len = mutua__staff_reply__pack(&r, *out);
		*cmd = "STAFFREPLY";
		*owned = 1;
	} else {
		*cmd = "ERROR";
		*out = (uint8_t *)"out of memory";
		*out_len = strlen("out of memory");
	}
	run_free(&res);
	running_close(&d->run);
	return 1;
}
