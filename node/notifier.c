/* notifier.c - e-mail and hook delivery of the events that need people.
 * See notifier.h. */
#include "notifier.h"
#include "clock.h"
#include "err.h"
#include "i18n.h"
#include "log.h"
#include "store.h"
#include "view.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COLLECT_EVERY_MS 2000
#define MESSAGE_MAX (64 * 1024)
#define STDERR_KEEP 200

struct notifier {
	struct notify_config cfg;
	int64_t collected;
	int64_t hour;  /* the hour the starts below are counted in */
	int started;   /* children started since then (notify_per_hour) */
	/* the child running, if any */
	pid_t pid;
	int in, err;  /* its stdin (ours to write), its stderr (ours to read) */
	char *msg;    /* what it is given */
	size_t len, off;
	char said[STDERR_KEEP + 1];
	size_t nsaid;
	int64_t deadline;
	struct notice cur;
};

struct notifier *notifier_new(const struct notify_config *cfg)
{
	struct notifier *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->cfg = *cfg;
	n->pid = -1;
	n->in = n->err = -1;
	return n;
}

void notifier_configure(struct notifier *n, const struct notify_config *cfg)
{
	n->cfg = *cfg;
}

static void child_close(struct notifier *n)
{
	if (n->in >= 0)
		close(n->in);
	if (n->err >= 0)
		close(n->err);
	n->in = n->err = -1;
	free(n->msg);
	n->msg = NULL;
	n->pid = -1;
}

void notifier_stop(struct notifier *n)
{
	if (n && n->pid > 0) {
		kill(n->pid, SIGKILL);
		waitpid(n->pid, NULL, 0);
		child_close(n);
	}
}

void notifier_free(struct notifier *n)
{
	if (!n)
		return;
	notifier_stop(n);
	free(n);
}

/* ---- the message ------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
	int over;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	if (b->over)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= b->cap - b->len)
		b->over = 1;
	else
		b->len += (size_t)k;
}

/* An RFC 2047 encoded word when text is not plain ASCII (a subject). */
static void put_header_text(struct buf *b, const char *text)
{
	int plain = 1;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		plain &= *p >= ' ' && *p < 0x7f;
	if (plain) {
		put(b, "%s", text);
		return;
	}
	/* encoded words of at most 45 bytes of text each (75 columns) */
	size_t len = strlen(text), i = 0;
	while (i < len) {
		size_t k = len - i > 45 ? 45 : len - i;
		/* never cut a UTF-8 sequence */
		while (i + k < len && ((unsigned char)text[i + k] & 0xc0) == 0x80)
			k--;
		char enc[sodium_base64_ENCODED_LEN(48, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(enc, sizeof enc, (const unsigned char *)text + i, k,
				  sodium_base64_VARIANT_ORIGINAL);
		put(b, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", enc);
		i += k;
	}
}

/* An RFC 5322 date, in English whatever the locale. */
static void put_date(struct buf *b, int64_t ms)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	long off = tm.tm_gmtoff / 60;
	put(b, "Date: %s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld\r\n", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static const char *col(struct view_rows *r, int i)
{
	const char *t = view_text(r, i);
	return t ? t : "";
}

enum { C_KEY, C_EVENT, C_ROLE, C_REQUEST, C_RESOURCE, C_TITLE, C_OWNER, C_BORROWER, C_FROM,
       C_TO, C_QUANTITY, C_STATE, C_REASON, C_PROPOSAL, C_WHAT, C_DEADLINE, C_PROPOSER,
       C_CURRENT, C_JSON };

/* The parts of one event's mail for the role, in the thread's language. */
enum part { SUBJECT, TEXT, FOOTER };
static void mail_text(struct buf *b, struct view_rows *r, const char *role, enum part part)
{
	if (part == FOOTER) {
		put(b, "%s\r\n",
		    _("mutuad, the node of your association in the Mutua federation. You receive "
		      "this because your delegation has this role; ask your association to change "
		      "it."));
		return;
	}
	char from[CLOCK_BUF] = "", to[CLOCK_BUF] = "", dl[CLOCK_BUF] = "", subject[512];
	const char *ev = col(r, C_EVENT), *title = col(r, C_TITLE), *id = col(r, C_REQUEST);
	const char *other = strcmp(role, "lend") == 0 ? col(r, C_BORROWER) : col(r, C_OWNER);
	if (view_is_null(r, C_FROM) == 0) {
		clock_format_offset(from, view_int(r, C_FROM));
		clock_format_offset(to, view_int(r, C_TO));
	}
	if (view_is_null(r, C_DEADLINE) == 0)
		clock_format_offset(dl, view_int(r, C_DEADLINE));
	const char *sfmt, *what = NULL, *next = NULL;
	if (!strcmp(ev, "request")) {
		sfmt = _("A request waits for your answer: %s");
		what = _("%s asks for %s from %s to %s.");
		next = _("To answer: mutua accept %1$s, or mutua decline %1$s --reason TEXT "
			 "(details: mutua requests show %1$s).");
	} else if (!strcmp(ev, "accepted")) {
		sfmt = _("Request accepted: %s");
		what = _("%s accepted your request for %s from %s to %s.");
		next = _("At the handover: mutua handover %1$s (details: mutua requests "
			 "show %1$s).");
	} else if (!strcmp(ev, "declined")) {
		sfmt = _("Request declined: %s");
		what = _("%s declined your request for %s from %s to %s.");
		next = _("Look for another slot or resource: mutua offer list --available --from "
			 "DATE --to DATE (details: mutua requests show %1$s).");
	} else if (!strcmp(ev, "soon")) {
		sfmt = _("Handover within 24 hours: %s");
		what = _("The loan of %2$s with %1$s starts at %3$s (until %4$s).");
		next = _("When the resource changes hands: mutua handover %1$s (details: mutua "
			 "requests show %1$s).");
	} else if (!strcmp(ev, "overdue")) {
		sfmt = _("Return overdue: %s");
		what = _("%2$s, lent with %1$s from %3$s, was due back at %4$s.");
		next = strcmp(role, "lend") == 0
			       ? _("Once it is back: mutua close %1$s --usage N (details: mutua "
				   "requests show %1$s).")
			       : _("Bring it back, then: mutua return %1$s --usage N (details: mutua "
				   "requests show %1$s).");
	} else if (!strcmp(ev, "dispute")) {
		sfmt = _("Your claim is disputed: %s");
		what = _("%s disputes the usage you claimed for %s (%s to %s).");
		next = _("Talk it over; the members settle it by a vote: mutua propose settle %1$s "
			 "--usage N (details: mutua requests show %1$s).");
	} else if (!strcmp(ev, "proposal")) {
		sfmt = _("New proposal: %s");
		what = NULL;
		next = _("To vote: mutua vote %s yes|no|abstain (details: mutua proposals).");
	} else { /* closing */
		sfmt = _("Vote before it closes: %s");
		what = NULL;
		next = _("To vote: mutua vote %s yes|no|abstain (details: mutua proposals).");
	}
	int gov = !strcmp(role, "admin");
	if (part == SUBJECT) {
		snprintf(subject, sizeof subject, sfmt, gov ? col(r, C_WHAT) : title);
		put(b, "Subject: [Mutua] ");
		put_header_text(b, subject);
		put(b, "\r\n");
		return;
	}
	if (gov) {
		put(b, _("Proposal: %s, by %s."), col(r, C_WHAT), col(r, C_PROPOSER));
		put(b, "\r\n");
		if (*col(r, C_REASON))
			put(b, _("Reason: %s"), col(r, C_REASON));
		put(b, "\r\n");
		put(b, _("Open until %s."), dl);
		put(b, "\r\n\r\n");
		put(b, next, col(r, C_PROPOSAL));
	} else {
		put(b, what, other, title, from, to);
		put(b, "\r\n");
		if (*col(r, C_REASON))
			put(b, _("Reason: %s"), col(r, C_REASON)), put(b, "\r\n");
		put(b, "\r\n");
		put(b, next, id);
	}
	put(b, "\r\n\r\n");
}

/* The languages of a mail's readers, French first: a bit each. */
enum { LANG_FR = 1, LANG_EN = 2 };
static const char *const lang_names[] = {"fr", "en"};

static int lang_bit(const char *lang)
{
	if (!lang) /* mutuad's own */
		lang = i18n_lang();
	return strcmp(lang, "fr") == 0 ? LANG_FR : LANG_EN;
}

/* The headers from the subject on and the text, in each language of
 * langs (a section each, French first; the subject in the first), then
 * the signature in each. */
static void mail_write(struct buf *b, struct view_rows *r, const char *role, int langs)
{
	static const enum part parts[] = {SUBJECT, TEXT, FOOTER};
	for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
		if (parts[k] == TEXT)
			put(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
			       "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n"
			       "\r\n");
		if (parts[k] == FOOTER)
			put(b, "-- \r\n");
		for (int i = 0; i < 2; i++) {
			if (!(langs & (1 << i)))
				continue;
			locale_t old = uselocale(i18n_locale(lang_names[i]));
			mail_text(b, r, role, parts[k]);
			uselocale(old);
			if (parts[k] == SUBJECT)
				break;
		}
	}
}

/* The message for the current notice into n->msg: 1 made, 0 nobody to
 * tell (no address for the role), 2 the event needs nobody any more, -1
 * an error. */
static int compose(struct notifier *n, struct store *s, const uint8_t me[KEY_ID_BYTES],
		   int64_t now)
{
	struct view_arg a[] = {VIEW_TEXT(n->cur.key)};
	struct view_rows *r = view_open(s, &view_notice, a, 1, 0);
	if (!r)
		return -1;
	int rc = view_next(r);
	if (rc <= 0) {
		view_close(&r);
		return rc < 0 ? -1 : err_set("notice %s: its subject is gone", n->cur.key);
	}
	if (!view_int(r, C_CURRENT)) {
		view_close(&r);
		return 2;
	}
	struct buf b = {malloc(MESSAGE_MAX), 0, MESSAGE_MAX, 0};
	if (!b.p) {
		view_close(&r);
		return err_set("out of memory");
	}
	if (n->cur.channel == NOTIFY_HOOK) {
		put(&b, "%s\n", col(r, C_JSON));
	} else {
		char host[256] = "localhost";
		gethostname(host, sizeof host - 1);
		int nto = 0;
		put(&b, "From: %s%s%s\r\nTo: ", n->cfg.from[0] ? n->cfg.from : "mutua@",
		    n->cfg.from[0] ? "" : host, "");
		struct view_arg t[] = {VIEW_ID(me), VIEW_TEXT(n->cur.role), VIEW_INT(now)};
		struct view_rows *p = view_open(s, &view_notify_to, t, 3, 0);
		int prc = p ? 0 : -1, langs = 0;
		while (p && (prc = view_next(p)) == 1) {
			put(&b, "%s%s", nto++ ? ",\r\n " : "", col(p, 1));
			langs |= lang_bit(view_text(p, 2));
		}
		view_close(&p);
		for (int i = 0; i < n->cfg.nto; i++)
			put(&b, "%s%s", nto++ ? ",\r\n " : "", n->cfg.to[i]);
		if (n->cfg.nto)
			langs |= lang_bit(NULL);
		if (prc < 0 || !nto) {
			view_close(&r);
			free(b.p);
			return prc < 0 ? -1 : 0;
		}
		put(&b, "\r\n");
		put_date(&b, now);
		put(&b, "Message-ID: <%s.%lld@mutua>\r\n", n->cur.key, (long long)now);
		mail_write(&b, r, n->cur.role, langs);
	}
	view_close(&r);
	if (b.over) {
		free(b.p);
		return err_set("notice %s: the message is longer than %d bytes", n->cur.key,
			       MESSAGE_MAX);
	}
	n->msg = b.p;
	n->len = b.len;
	n->off = 0;
	return 1;
}

/* Records how the current notice's try ended (notify_done). */
static int done(struct notifier *n, struct store *s, enum notify_result how, const char *why,
		int64_t now)
{
	return notify_done(s, n->cur.key, n->cur.channel, how, why, now,
			   (int64_t)n->cfg.retry_s * 1000);
}

/* ---- the child -------------------------------------------------------- */

static int start_child(struct notifier *n, int64_t now)
{
	int in[2], err[2];
	const char *prog = n->cur.channel == NOTIFY_MAIL
				   ? (n->cfg.sendmail[0] ? n->cfg.sendmail : "sendmail")
				   : n->cfg.command;
	char *argv_mail[] = {(char *)prog, "-i", "-t", NULL};
	char *argv_hook[] = {(char *)prog, n->cur.event, NULL};
	char **argv = n->cur.channel == NOTIFY_MAIL ? argv_mail : argv_hook;
	if (pipe2(in, O_CLOEXEC))
		return err_set("pipe: %s", strerror(errno));
	if (pipe2(err, O_CLOEXEC)) {
		close(in[0]), close(in[1]);
		return err_set("pipe: %s", strerror(errno));
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]), close(in[1]), close(err[0]), close(err[1]);
		return err_set("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(in[0], 0);
		dup2(null >= 0 ? null : err[1], 1);
		dup2(err[1], 2);
		signal(SIGPIPE, SIG_DFL);
		if (strchr(prog, '/'))
			execv(prog, argv);
		else
			execvp(prog, argv);
		dprintf(2, "cannot run %s: %s", prog, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(err[1]);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	n->pid = pid;
	n->in = in[1];
	n->err = err[0];
	n->nsaid = 0;
	n->deadline = now + (int64_t)(n->cfg.timeout_s > 0 ? n->cfg.timeout_s : 30) * 1000;
	return 0;
}

/* Feeds the child and reads what it says; 1 when it has ended (*status
 * set), 0 while it runs. */
static int tend_child(struct notifier *n, int64_t now, int *status, int *killed)
{
	while (n->in >= 0 && n->off < n->len) {
		ssize_t k = write(n->in, n->msg + n->off, n->len - n->off);
		if (k > 0)
			n->off += (size_t)k;
		else if (k < 0 && errno == EINTR)
			continue;
		else {
			if (k < 0 && errno == EAGAIN)
				break;
			n->off = n->len; /* EPIPE: it left without reading */
		}
	}
	if (n->in >= 0 && n->off >= n->len) {
		close(n->in);
		n->in = -1;
	}
	for (;;) {
		char tmp[256];
		ssize_t k = read(n->err, tmp, sizeof tmp);
		if (k <= 0)
			break;
		size_t room = STDERR_KEEP - n->nsaid, m = (size_t)k < room ? (size_t)k : room;
		memcpy(n->said + n->nsaid, tmp, m);
		n->nsaid += m;
	}
	*killed = 0;
	pid_t w = waitpid(n->pid, status, WNOHANG);
	if (w == 0 && now >= n->deadline) {
		kill(n->pid, SIGKILL);
		waitpid(n->pid, status, 0);
		*killed = 1;
		return 1;
	}
	return w == n->pid;
}

/* The child's first line of complaint, printable, or "". */
static const char *said(struct notifier *n)
{
	n->said[n->nsaid] = 0;
	char *nl = strpbrk(n->said, "\r\n");
	if (nl)
		*nl = 0;
	for (char *p = n->said; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = '?';
	return n->said;
}

static int finish_child(struct notifier *n, struct store *s, int status, int killed, int64_t now)
{
	char why[400];
	const char *what = n->cur.channel == NOTIFY_MAIL ? "sendmail" : "notify_command";
	int ok = !killed && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (killed)
		snprintf(why, sizeof why, "%s took longer than %d s: killed", what,
			 n->cfg.timeout_s);
	else if (WIFEXITED(status))
		snprintf(why, sizeof why, "%s exited with status %d%s%s", what,
			 WEXITSTATUS(status), n->nsaid ? ": " : "", said(n));
	else
		snprintf(why, sizeof why, "%s was killed by signal %d", what, WTERMSIG(status));
	if (!ok)
		log_limited(LOG_WARN, what, "notification %s: %s; tried again later (try %d of %d)",
			    n->cur.key, why, n->cur.tries + 1, NOTIFY_TRIES);
	else
		log_msg(LOG_INFO, "notification %s: %s", n->cur.key,
			n->cur.channel == NOTIFY_MAIL ? "mail handed to sendmail" : "hook ran");
	child_close(n);
	return done(n, s, ok ? NOTIFY_SENT : NOTIFY_FAILED,
			   ok ? NULL : why, now);
}

int notifier_run(struct notifier *n, struct store *s, const uint8_t me[KEY_ID_BYTES],
		 int64_t now)
{
	if (n->pid > 0) {
		int status = 0, killed = 0;
		if (!tend_child(n, now, &status, &killed))
			return 0;
		if (finish_child(n, s, status, killed, now))
			return -1;
	}
	int hook = n->cfg.command[0] != 0;
	if (!n->cfg.mail && !hook)
		return 0;
	if (now - n->collected >= COLLECT_EVERY_MS) {
		n->collected = now;
		int k = notify_collect(s, me, now, n->cfg.mail, hook);
		if (k < 0)
			return -1;
		if (k > 0)
			log_msg(LOG_DEBUG, "notifications: %d new event(s)", k);
	}
	if (now - n->hour >= 3600 * 1000) {
		n->hour = now;
		n->started = 0;
	}
	if (n->started >= n->cfg.per_hour) {
		log_limited(LOG_WARN, "per hour", "notifications: %d this hour (notify_per_hour): "
			    "the others wait until %lld", n->cfg.per_hour,
			    (long long)(n->hour + 3600 * 1000));
		return 0;
	}
	for (;;) {
		int rc = notify_next(s, now, &n->cur);
		if (rc <= 0)
			return rc;
		if ((n->cur.channel == NOTIFY_MAIL && !n->cfg.mail) ||
		    (n->cur.channel == NOTIFY_HOOK && !hook))
			return done(n, s, NOTIFY_OFF, NULL, now);
		rc = compose(n, s, me, now);
		if (rc < 0) {
			/* its subject gone (a reindex), or a store error */
			log_limited(LOG_WARN, "notify", "notification %s: %s", n->cur.key,
				    err_msg());
			return done(n, s, NOTIFY_FAILED, err_msg(), now);
		}
		if (rc == 0 || rc == 2) {
			if (rc == 0)
				log_msg(LOG_DEBUG, "notification %s: nobody has an address for "
					"role %s", n->cur.key, n->cur.role);
			if (done(n, s, rc ? NOTIFY_STALE : NOTIFY_NOBODY, NULL, now))
				return -1;
			continue;
		}
		if (start_child(n, now)) {
			log_limited(LOG_WARN, "notify", "notification %s: %s", n->cur.key,
				    err_msg());
			free(n->msg);
			n->msg = NULL;
			return done(n, s, NOTIFY_FAILED, err_msg(), now);
		}
		n->started++;
		return 0;
	}
}
