/* cli.c - context, errors, ids and output shared by the mutua commands. */
#include "cli.h"
#include "help.h"
#include "federation.h"
#include "i18n.h"
#include "staff.h"
#include "staffnet.h"
#include "util.h"
#include "view.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <limits.h>
#include <wchar.h>
#include <wctype.h>

int fail(int code, const char *fmt, ...)
{
	va_list ap;
	char line[2048];
	fputs(_("mutua: "), stderr);
	/* the reasons it quotes in the reader's language too (err.c) */
	va_start(ap, fmt);
	int done = err_vrender(line, sizeof line, fmt, ap) == 0;
	va_end(ap);
	if (done) {
		fputs(line, stderr);
	} else {
		va_start(ap, fmt);
		vfprintf(stderr, _(fmt), ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	return code;
}

int fail_err(int code, const char *what)
{
	/* the reason as the reader reads it; err_msg() stays English */
	return what ? fail(code, "%s: %s", _(what), err_msg_local())
		    : fail(code, "%s", err_msg_local());
}

int usage(const char *text)
{
	fprintf(stderr, _("usage: %s\n"), _(text));
	return EXIT_USAGE;
}

int missing(const char *cmd, const char *what, const char *use)
{
	const struct help_cmd *h = help_find(cmd);
	const struct help_opt *o = h && what[0] == '-' ? help_option(h, what) : NULL;
	if (o)
		fail(EXIT_USAGE, "%s: missing %s (%s)", cmd, _(what), _(o->text));
	else
		fail(EXIT_USAGE, "%s: missing %s", cmd, _(what));
	return usage(use);
}

int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		return fail(EXIT_USAGE, "%s: '%s' is not a whole number", opt, s);
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno)
		return fail(EXIT_USAGE, "%s: '%s' is not a whole number", opt, s);
	if (v > max)
		return fail(EXIT_USAGE, "%s: %s is too large (at most %" PRIu64 ")", opt, s, max);
	*out = v;
	return EXIT_OK;
}

char *cli_path(const struct ctx *c, const char *name)
{
	size_t n = strlen(c->home) + strlen(name) + 2;
	char *p = malloc(n);
	if (!p) {
		fail(EXIT_REFUSED, "out of memory");
		exit(EXIT_REFUSED);
	}
	snprintf(p, n, "%s/%s", c->home, name);
	return p;
}

/* ---- the mode a member's node runs a command in for a staff client ----
 *
 * mutuad (node/staff.c) runs the very `mutua` command a staff client asks
 * for, with MUTUA_STAFF_MODE and MUTUA_STAFF_FD in its environment:
 *   prepare  every append is checked and folded, then its body (as it
 *            would be signed, without the act) is written to the fd as
 *            len(u32 LE) | Body, and nothing is kept (store.h);
 *   commit   the fd holds the acts the staff person signed, one per append
 *            in order: key(32) delegation(32) nonce(u64 LE) sig(64); the
 *            i-th append carries act i, or is refused when the body it
 *            builds now is not the one signed.
 * Without both variables, nothing changes. */
#define STAFF_ACT_SIZE (32 + 32 + 8 + 64)
#define STAFF_ACTS_MAX 64

static struct staff_mode {
	int fd;
	size_t nacts, next;
	uint8_t acts[STAFF_ACTS_MAX][STAFF_ACT_SIZE];
	Mutua__StaffAct act;
} staff_mode = {.fd = -1};

static int staff_capture(void *arg, const Mutua__Body *b)
{
	struct staff_mode *m = arg;
	size_t len = mutua__body__get_packed_size(b);
	uint8_t *buf = malloc(len + 4);
	if (!buf)
		return err_set("out of memory");
	buf[0] = (uint8_t)len, buf[1] = (uint8_t)(len >> 8), buf[2] = (uint8_t)(len >> 16),
	buf[3] = (uint8_t)(len >> 24);
	mutua__body__pack(b, buf + 4);
	ssize_t w = write(m->fd, buf, len + 4);
	free(buf);
	return w == (ssize_t)(len + 4) ? 0 : err_set("cannot hand the entry to the node: %s",
						       strerror(errno));
}

static int staff_act(void *arg, Mutua__Body *b)
{
	struct staff_mode *m = arg;
	if (m->next >= m->nacts)
		return err_set("this command now makes more entries than were signed: run it "
			       "again");
	const uint8_t *a = m->acts[m->next++];
	uint64_t nonce = 0;
	for (int i = 7; i >= 0; i--)
		nonce = nonce << 8 | a[64 + i];
	uint8_t *msg = NULL;
	size_t len = 0;
	b->staff = NULL;
	if (staff_act_message(b, a + 32, nonce, &msg, &len))
		return -1;
	int ok = crypto_sign_verify_detached(a + 72, msg, len, a) == 0;
	free(msg);
	if (!ok)
		return err_set("what you signed is no longer what the node would sign: run the "
			       "command again");
	Mutua__StaffAct init = MUTUA__STAFF_ACT__INIT;
	m->act = init;
	m->act.key.data = (uint8_t *)a;
	m->act.key.len = 32;
	m->act.delegation.data = (uint8_t *)a + 32;
	m->act.delegation.len = 32;
	m->act.nonce = nonce;
	m->act.sig.data = (uint8_t *)a + 72;
	m->act.sig.len = 64;
	b->staff = &m->act;
	return 0;
}

/* Sets the store's hooks when the node asked for a mode. */
static int staff_mode_set(struct store *s)
{
	const char *mode = getenv("MUTUA_STAFF_MODE"), *fd = getenv("MUTUA_STAFF_FD");
	if (!mode || !fd)
		return 0;
	struct staff_mode *m = &staff_mode;
	struct store_staff_hooks h = {.arg = m};
	m->fd = atoi(fd);
	if (strcmp(mode, "prepare") == 0) {
		h.prepare = 1;
		h.capture = staff_capture;
	} else if (strcmp(mode, "commit") == 0) {
		ssize_t r;
		size_t got = 0;
		lseek(m->fd, 0, SEEK_SET);
		while (got < sizeof m->acts &&
		       (r = read(m->fd, (uint8_t *)m->acts + got, sizeof m->acts - got)) > 0)
			got += (size_t)r;
		if (got % STAFF_ACT_SIZE)
			return fail(EXIT_REFUSED, "the staff acts handed over are malformed");
		m->nacts = got / STAFF_ACT_SIZE;
		h.act = staff_act;
	} else {
		return fail(EXIT_REFUSED, "unknown MUTUA_STAFF_MODE '%s'", mode);
	}
	store_staff_hooks(s, &h);
	return 0;
}

/* The passphrase of a sealed key file: MUTUA_PASSPHRASE, or asked on the
 * terminal without echo. Returns a sodium_malloc'd string or NULL. */
static char *passphrase_read(void)
{
	const char *env = getenv("MUTUA_PASSPHRASE");
	char *p = sodium_malloc(1024);
	if (!p)
		return NULL;
	if (env) {
		snprintf(p, 1024, "%s", env);
		return p;
	}
	if (!isatty(STDIN_FILENO)) {
		sodium_free(p);
		return NULL;
	}
	struct termios old, quiet;
	fputs(_("passphrase: "), stderr);
	tcgetattr(STDIN_FILENO, &old);
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	char *got = fgets(p, 1024, stdin);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (!got) {
		sodium_free(p);
		return NULL;
	}
	p[strcspn(p, "\r\n")] = 0;
	return p;
}

char *cli_passphrase(void)
{
	return passphrase_read();
}

/* No home where the command looked: say where, and how to name the right
 * one; a new home (mutua init) makes a new member, so it comes last, and
 * not at all for the commands of an auditor, who needs no member. */
static int no_home(const struct ctx *c)
{
	if (c->home_from)
		fail(EXIT_REFUSED, "no mutua home in '%s' (given by %s): no key file there; "
				   "check the path of this member's home", c->home, c->home_from);
	else
		fail(EXIT_REFUSED, "no mutua home in '%s' (the default: neither --home nor "
				   "MUTUA_HOME was given): name this member's home with "
				   "--home DIR or MUTUA_HOME=DIR", c->home);
	const char *cmd = c->cmd ? c->cmd : "";
	if (strcmp(cmd, "audit") == 0 || strcmp(cmd, "report") == 0 ||
	    strcmp(cmd, "verify-proof") == 0)
		fputs(_("mutua: an auditor needs no home: 'mutua audit FILE --genesis GENESIS' "
			"checks a bundle, 'mutua verify-proof FILE --genesis GENESIS' a proof\n"),
		      stderr);
	else
		fputs(_("mutua: only to set up a new member node (new keys, a new member), "
			"run 'mutua init --name NAME'\n"), stderr);
	return EXIT_REFUSED;
}

/* mutuad holds appends for a moment after a start, until a peer has
 * confirmed this member's own feed (store_hold_appends): a command that
 * signs waits for that, saying so on a terminal, and is refused only when
 * the hold ends unconfirmed. A hold whose time ran out before we looked
 * (its daemon gone) is no hold. */
static int wait_hold(struct ctx *c)
{
	int64_t until;
	int waited = 0;
	for (;;) {
		int held = store_appends_held(c->store, &until);
		if (held < 0)
			return fail_err(EXIT_REFUSED, NULL);
		if (!held)
			break;
		if (!waited && isatty(STDERR_FILENO))
			fprintf(stderr, _("mutua: waiting for mutuad to confirm this member's own "
					  "feed with a peer (at most %lld s)\n"),
				(long long)((until - clock_now_ms()) / 1000 + 1));
		waited = 1;
		usleep(50 * 1000);
	}
	if (waited && until != 0)
		return fail(EXIT_REFUSED, "mutuad could not confirm this member's own feed with "
				"any peer in time: see its peers with 'mutua status'; appends are "
				"open now, run the command again");
	return EXIT_OK;
}

int cli_open(struct ctx *c, int need)
{
	char *kp = cli_path(c, "key"), *sp = cli_path(c, "store.db");
	int rc = EXIT_OK;
	if (access(kp, F_OK) != 0) {
		rc = no_home(c);
		goto out;
	}
	if (!(c->store = store_open(sp))) {
		rc = fail_err(EXIT_REFUSED, NULL);
		goto out;
	}
	if ((rc = staff_mode_set(c->store)))
		goto out;
	if (need & NEED_FED && !store_has_federation(c->store)) {
		rc = fail(EXIT_REFUSED, "this node has no federation yet: run 'mutua "
				       "federation create' or 'mutua federation join'");
		goto out;
	}
	if (need & NEED_KEY) {
		const char *pass = NULL;
		int sealed = key_file_sealed(kp);
		if (sealed < 0) {
			rc = fail_err(EXIT_REFUSED, NULL);
			goto out;
		}
		if (sealed)
			pass = c->pass = passphrase_read();
		c->key = rotate_load(c->store, kp, pass, &c->rot);
		if (!c->key) {
			rc = fail_err(EXIT_REFUSED, NULL);
			goto out;
		}
		/* an applicant, or a member whose key a vote replaced, is only
		 * its key until the store says otherwise */
		if (store_member_of(c->store, c->key->id, c->me, NULL) != 1)
			memcpy(c->me, c->key->id, KEY_ID_BYTES);
		/* the commands that sign wait for the hold; status does not */
		if ((need & NEED_FED) && !(c->cmd && strcmp(c->cmd, "status") == 0)) {
			rc = wait_hold(c);
			store_wait_hold(c->store, 1);
			c->signs = rc == EXIT_OK && store_head(c->store, c->me, &c->head_open,
							       NULL) == 0;
		}
	}
out:
	free(kp);
	free(sp);
	return rc;
}

long cli_daemon(const struct ctx *c)
{
	char *lock = cli_path(c, "mutuad.lock");
	long pid = -1;
	int fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		pid = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? (long)fl.l_pid : 0;
		close(fd);
	} else if (errno != ENOENT) {
		/* the daemon's own file, private to its user: its status file
		 * tells the pid, and the pid whether it runs */
		char *st = cli_path(c, "mutuad.status");
		FILE *f = fopen(st, "r");
		int p = 0;
		pid = 0;
		if (f && fscanf(f, "{\"pid\":%d,", &p) == 1 && p > 0 &&
		    (kill(p, 0) == 0 || errno == EPERM))
			pid = p;
		if (f)
			fclose(f);
		free(st);
	}
	free(lock);
	return pid;
}

/* An entry signed while this home's mutuad is stopped waits in the store:
 * said once, after the command, so that nobody waits for an answer to a
 * request no other member has seen. */
static void note_unsent(struct ctx *c)
{
	uint64_t head = 0;
	if (!c->signs || !c->store || store_head(c->store, c->me, &head, NULL) ||
	    head <= c->head_open || cli_daemon(c) != 0)
		return;
	fputs(_("mutua: mutuad is not running for this home: what was just signed will "
		"reach the other members when it starts (systemctl start mutuad)\n"),
	      stderr);
}

void cli_close(struct ctx *c)
{
	note_unsent(c);
	store_close(&c->store);
	key_destroy(&c->key);
	sodium_free(c->pass);
	c->pass = NULL;
}

char *meta_get(struct ctx *c, const char *key)
{
	char *v = NULL;
	return view_meta_get(c->store, key, &v) == 1 ? v : NULL;
}

int meta_set(struct ctx *c, const char *key, const char *value)
{
	return view_meta_set(c->store, key, value) ? fail_err(EXIT_REFUSED, "store") : EXIT_OK;
}

/* The message for a view_resolve_* result other than one match. */
static int resolve_fail(int rc, const char *what, const char *arg,
			char cand[VIEW_CANDIDATES][65], int count)
{
	if (rc == -1)
		return fail_err(EXIT_REFUSED, "store");
	if (rc == -3)
		return fail(EXIT_USAGE, "'%s' is not a valid %s id (at least 6 hex digits)",
			    arg, _(what));
	if (rc == 0)
		return fail(EXIT_REFUSED, "no %s with id '%s'", _(what), arg);
	fail(EXIT_USAGE, "%s id '%s' is ambiguous; candidates:", _(what), arg);
	for (int k = 0; k < count && k < VIEW_CANDIDATES; k++)
		fprintf(stderr, "  %s\n", cand[k]);
	if (count > VIEW_CANDIDATES)
		fprintf(stderr, _("  ... and %d more\n"), count - VIEW_CANDIDATES);
	return EXIT_USAGE;
}

/* The message for a name that designates none or several (view_named). */
static int named_fail(int rc, const char *what, const char *arg, const struct view_named *r)
{
	/* an offer was named by its id only, once: what is no id is a usage
	 * error, as it was; a member's name never found is a refusal */
	int none = strcmp(what, "offer") == 0 && !hex_is_prefix(arg, 6, 64) ? EXIT_USAGE
									    : EXIT_REFUSED;
	if (rc == -1)
		return fail_err(EXIT_REFUSED, "store");
	if (rc == 0 && r->near) {
		fail(none, "no %s named '%s'; did you mean:", _(what), arg);
		for (int k = 0; k < r->ncand; k++)
			fprintf(stderr, "  %s  %.12s\n", r->cand[k].label, r->cand[k].id);
		return none;
	}
	if (rc == 0 && hex_is_prefix(arg, 6, 64))
		return fail(none, "no %s with id '%s', nor named so", _(what), arg);
	if (rc == 0)
		return fail(none, "no %s named '%s' nor with such an id (at least 6 hex digits)",
			    _(what), arg);
	if (!r->cand[0].label[0]) { /* an id prefix several ids begin with */
		char cand[VIEW_CANDIDATES][65];
		for (int k = 0; k < r->ncand; k++)
			memcpy(cand[k], r->cand[k].id, sizeof cand[k]);
		return resolve_fail(-2, what, arg, cand, r->count);
	}
	const char *whats = strcmp(what, "member") == 0 ? _("members") : _("offers");
	if (r->exact)
		fail(EXIT_USAGE, "%d %s are named '%s': name one by its id", r->count, whats, arg);
	else
		fail(EXIT_USAGE, "'%s' matches %d %s: type more of the name, or the id", arg,
		     r->count, whats);
	for (int k = 0; k < r->ncand; k++)
		fprintf(stderr, "  %.12s  %s\n", r->cand[k].id, r->cand[k].label);
	if (r->count > r->ncand)
		fprintf(stderr, _("  ... and %d more\n"), r->count - r->ncand);
	return EXIT_USAGE;
}

int resolve_id(struct ctx *c, const char *what, const struct view *ids,
	       const char *prefix, uint8_t out[32])
{
	char cand[VIEW_CANDIDATES][65];
	if (ids == &view_offer_ids) { /* offers are named by title as well */
		struct view_named r;
		int rc = view_resolve_offer(c->store, prefix, out, &r);
		return rc == 1 ? EXIT_OK : named_fail(rc, what, prefix, &r);
	}
	int count, rc = view_resolve_id(c->store, ids, prefix, out, cand, &count);
	return rc == 1 ? EXIT_OK : resolve_fail(rc, what, prefix, cand, count);
}

int resolve_member(struct ctx *c, const char *arg, uint8_t out[32])
{
	struct view_named r;
	int rc = view_resolve_member(c->store, arg, out, &r);
	return rc == 1 ? EXIT_OK : named_fail(rc, N_("member"), arg, &r);
}

/* Width of a UTF-8 string in characters (close enough for tables). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Copies at most w characters of s, with "…" when cut. */
static char *cut(const char *s, size_t w)
{
	size_t chars = 0, i;
	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == w)
			break;
	}
	if (!s[i])
		return strdup(s);
	char *r = malloc(i + 4);
	if (!r)
		return NULL;
	/* keep w-1 characters and add the ellipsis */
	size_t keep = 0;
	chars = 0;
	for (keep = 0; s[keep]; keep++)
		if (((unsigned char)s[keep] & 0xc0) != 0x80 && chars++ == w - 1)
			break;
	memcpy(r, s, keep);
	memcpy(r + keep, "\xe2\x80\xa6", 4);
	return r;
}

char *cli_cell(const char *s, size_t w)
{
	char *tv = text_printable(s ? s : "", TEXT_LINE);
	if (!tv || !w)
		return tv;
	char *r = cut(tv, w);
	free(tv);
	return r;
}

size_t cli_width(const char *s)
{
	return text_width(s);
}

/* The header of a table's column: its name translated (context "column";
 * po/columns.sh extracts the names of the tables' column lists), upper
 * case in the reader's alphabet. */
static void header(char *out, size_t size, const char *name)
{
	char plain[64];
	size_t nl = strlen(name);
	/* a NAME_json column is shown as NAME (view.h) */
	if (nl > 5 && nl < sizeof plain && strcmp(name + nl - 5, "_json") == 0) {
		snprintf(plain, sizeof plain, "%.*s", (int)(nl - 5), name);
		name = plain;
	}
	const char *t = C_("column", name);
	mbstate_t in = {0}, to = {0};
	size_t o = 0;
	wchar_t wc;
	for (size_t n; *t && (n = mbrtowc(&wc, t, strlen(t), &in)) != 0;) {
		if (n == (size_t)-1 || n == (size_t)-2) { /* not text: as it is */
			snprintf(out, size, "%s", t);
			return;
		}
		t += n;
		char mb[MB_LEN_MAX];
		size_t m = wcrtomb(mb, (wchar_t)towupper((wint_t)wc), &to);
		if (m == (size_t)-1 || o + m >= size)
			break;
		memcpy(out + o, mb, m);
		o += m;
	}
	out[o] = 0;
}

/* The columns whose values are words of the ledger (a loan's state, a
 * member's status, a peer's direction): translated where shown, never in
 * --json. The words themselves are listed here for the catalogue. */
static int is_word_column(const char *name)
{
	static const char *const words[] = {
		NC_("state", "requested"), NC_("state", "accepted"), NC_("state", "declined"),
		NC_("state", "cancelled"), NC_("state", "handed_over"), NC_("state", "returned"),
		NC_("state", "closed"), NC_("state", "invalid"), NC_("state", "claimed"),
		NC_("state", "disputed"), NC_("state", "open"), NC_("state", "passed"),
		NC_("state", "rejected"), NC_("state", "expired"), NC_("state", "failed"),
		NC_("state", "member"), NC_("state", "excluded"), NC_("state", "not admitted"),
		NC_("state", "active"), NC_("state", "withdrawn"), NC_("state", "backdated"),
		NC_("state", "connected"), NC_("state", "down"), NC_("state", "in"),
		NC_("state", "out"), NC_("state", "inbound"), NC_("state", "outbound"),
	};
	(void)words;
	return strcmp(name, "state") == 0 || strcmp(name, "status") == 0 ||
	       strcmp(name, "dir") == 0;
}

/* n spaces (a column's padding: printf("%*s") parses its format in every
 * cell of every row). */
static void pad(size_t n)
{
	static const char spaces[] = "                                ";
	while (n) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		fwrite(spaces, 1, k, stdout);
		n -= k;
	}
}

int out_rows(struct ctx *c, const struct view *v, const struct view_arg *args, size_t nargs,
	     const char *const *cols)
{
	struct view_rows *r = view_open(c->store, v, args, nargs, c->json);
	int rows = 0, rc;
	if (!r) {
		fail_err(EXIT_REFUSED, "store");
		return -1;
	}
	if (c->json) {
		while ((rc = view_next(r)) == 1) {
			puts(view_text(r, 0));
			rows++;
		}
		view_close(&r);
		if (rc < 0) {
			fail_err(EXIT_REFUSED, "store");
			return -1;
		}
		return rows;
	}

	int ncols = 0, idx[32], words[32];
	size_t maxw[32], width[32];
	int hard[32], optional[32];
	char head[32][128];
	for (; cols[ncols] && ncols < 32; ncols++) {
		char name[64];
		const char *colon = strpbrk(cols[ncols], ":.?");
		size_t nl = colon ? (size_t)(colon - cols[ncols]) : strlen(cols[ncols]);
		hard[ncols] = colon && *colon == '.';
		/* NAME?: left out when empty in every row */
		optional[ncols] = strchr(cols[ncols], '?') != NULL;
		snprintf(name, sizeof name, "%.*s", (int)nl, cols[ncols]);
		maxw[ncols] = colon ? (size_t)atoi(colon + 1) : 0;
		idx[ncols] = view_find(r, name);
		words[ncols] = is_word_column(name);
		header(head[ncols], sizeof head[ncols], name);
		width[ncols] = text_width(head[ncols]);
	}
	size_t cap = 64;
	char **cells = malloc(cap * (size_t)(ncols ? ncols : 1) * sizeof *cells);
	rc = 0;
	while (cells && (rc = view_next(r)) == 1) {
		if ((size_t)(rows + 1) > cap) {
			char **more = realloc(cells, 2 * cap * (size_t)ncols * sizeof *cells);
			if (!more) {
				rc = err_set("out of memory");
				break;
			}
			cells = more;
			cap *= 2;
		}
		for (int k = 0; k < ncols; k++) {
			const char *t = idx[k] >= 0 ? view_text(r, idx[k]) : NULL;
			if (t && words[k]) /* a state word, in the reader's language */
				t = C_("state", t);
			/* what older entries may hold must not drive the terminal */
			char *tv = text_printable(t ? t : "", TEXT_LINE);
			char *val = !tv || !maxw[k] ? tv
				    : hard[k] ? strndup(tv, maxw[k]) : cut(tv, maxw[k]);
			if (val != tv)
				free(tv);
			cells[rows * ncols + k] = val;
			size_t wv = text_width(val ? val : "");
			if (wv > width[k])
				width[k] = wv;
			if (val && *val)
				optional[k] = 0;
		}
		rows++;
	}
	/* the optional columns still empty go: the last shown ends a line */
	int lastk = ncols - 1;
	while (lastk >= 0 && optional[lastk])
		lastk--;
	view_close(&r);
	if (!cells || rc < 0) {
		for (int i = 0; cells && i < rows * ncols; i++)
			free(cells[i]);
		free(cells);
		fail_err(EXIT_REFUSED, cells ? "store" : "out of memory");
		return -1;
	}
	if (rows) {
		for (int k = 0; k <= lastk; k++) {
			if (optional[k])
				continue;
			fputs(head[k], stdout);
			if (k < lastk)
				pad(width[k] - text_width(head[k]) + 2);
		}
		putchar('\n');
	}
	for (int i = 0; i < rows; i++) {
		for (int k = 0; k < ncols; k++) {
			const char *val = cells[i * ncols + k] ? cells[i * ncols + k] : "";
			if (k <= lastk && !optional[k]) {
				fputs(val, stdout);
				if (k < lastk)
					pad(width[k] - text_width(val) + 2);
			}
			free(cells[i * ncols + k]);
		}
		putchar('\n');
	}
	free(cells);
	return rows;
}

int out_record(struct ctx *c, const struct view *v, const struct view_arg *args,
	       size_t nargs)
{
	struct view_rows *r = view_open(c->store, v, args, nargs, c->json);
	if (!r) {
		fail_err(EXIT_REFUSED, "store");
		return -1;
	}
	int rc = view_next(r);
	if (rc == 1 && c->json) {
		puts(view_text(r, 0));
	} else if (rc == 1) {
		for (int i = 0; i < view_columns(r); i++) {
			const char *t = view_text(r, i);
			if (!t) /* NULL: not applicable here */
				continue;
			/* escaped; a line of a multiline text stays under its
			 * value, so that it cannot pass for another field */
			char *e = text_printable(t, TEXT_MULTILINE);
			if (!e) {
				fail(EXIT_REFUSED, "out of memory");
				rc = -1;
				break;
			}
			char plain[64];
			const char *name = view_name(r, i);
			size_t namel = strlen(name);
			/* a NAME_json column is shown as NAME (view.h) */
			if (namel > 5 && namel < sizeof plain &&
			    strcmp(name + namel - 5, "_json") == 0) {
				snprintf(plain, sizeof plain, "%.*s", (int)(namel - 5), name);
				name = plain;
			}
			const char *label = C_("column", name);
			size_t lw = text_width(label);
			printf("%s%*s ", label, lw < 12 ? (int)(12 - lw) : 0, "");
			for (const char *l = e, *nl; l; l = nl ? nl + 1 : NULL) {
				nl = strchr(l, '\n');
				printf("%s%.*s\n", l == e ? "" : "             ",
				       nl ? (int)(nl - l) : (int)strlen(l), l);
			}
			free(e);
		}
	} else if (rc < 0) {
		fail_err(EXIT_REFUSED, "store");
	}
	view_close(&r);
	return rc == 1 ? 1 : -1;
}

int cli_genesis_id(const char *path, uint8_t id[32])
{
	size_t tl, gl;
	uint8_t *text = file_read(path, GENESIS_TEXT_MAX, &tl), *g = NULL;
	if (!text)
		return fail_err(EXIT_REFUSED, NULL);
	Mutua__Genesis *gm = NULL;
	int bad = genesis_unarmor((char *)text, &g, &gl) || !(gm = genesis_decode(g, gl, id));
	if (gm)
		mutua__genesis__free_unpacked(gm, NULL);
	free(text);
	free(g);
	return bad ? fail(EXIT_REFUSED, "'%s': %s", path, err_msg_local()) : EXIT_OK;
}
