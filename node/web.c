/* web.c - the staff's web page (web.h): libmicrohttpd, static files, the
 * JSON API over the ledger's views and rules, sessions. No SQL here
 * (layering.bats): every read is a view, every write a ledger call. */
#include "web.h"
#include "amount.h"
#include "audit.h"
#include "clock.h"
#include "err.h"
#include "file.h"
#include "governance.h"
#include "hex.h"
#include "i18n.h"
#include "ical.h"
#include "icalsub.h"
#include "json.h"
#include "lending.h"
#include "log.h"
#include "propose.h"
#include "staff.h"
#include "search.h"
#include "store.h"
#include "text.h"
#include "view.h"
#include "webauth.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef WEBDIR
#define WEBDIR "/usr/local/share/mutua/web"
#endif
/* the libraries' names the build found (Makefile) */
#ifndef MHD_SONAME
#define MHD_SONAME "libmicrohttpd.so.12"
#endif
#ifndef GNUTLS_SONAME
#define GNUTLS_SONAME "libgnutls.so.30"
#endif

#define SESSION_ID_BYTES 32
#define SESSION_HEX (2 * SESSION_ID_BYTES)
#define STATIC_MAX (1 << 20)
#define STORES_MAX 64
#define TRIES_MAX 1024
#define FIELDS_MAX 16
#define COOKIE "mutua_session"

/* ---- the libraries --------------------------------------------------------- */

/* libmicrohttpd and GnuTLS are loaded when the web page starts (lib_load),
 * not with mutuad: a node without a web page, the default, maps neither,
 * nor what they load (p11-kit, nettle, gmp, libtasn1...): 2.5 MB of the
 * 11.5 MB an idle node held (make bench, idle_rss_mb). Each function is
 * called through a pointer of its own declared type. */
#define WEB_LIB_FUNCS(X)                                \
	X(mhd, MHD_add_response_header)                 \
	X(mhd, MHD_create_response_from_buffer)         \
	X(mhd, MHD_destroy_response)                    \
	X(mhd, MHD_get_connection_info)                 \
	X(mhd, MHD_is_feature_supported)                \
	X(mhd, MHD_lookup_connection_value)             \
	X(mhd, MHD_queue_response)                      \
	X(mhd, MHD_start_daemon)                        \
	X(mhd, MHD_stop_daemon)                         \
	X(tls, gnutls_certificate_allocate_credentials) \
	X(tls, gnutls_certificate_free_credentials)     \
	X(tls, gnutls_certificate_set_x509_key_mem2)    \
	X(tls, gnutls_strerror)                         \
	X(tls, gnutls_x509_crt_deinit)                  \
	X(tls, gnutls_x509_crt_list_import2)            \
	X(tls, gnutls_x509_privkey_deinit)              \
	X(tls, gnutls_x509_privkey_import2)             \
	X(tls, gnutls_x509_privkey_init)

static struct {
#define WEB_LIB_SLOT(h, f) __typeof__(f) *f;
	WEB_LIB_FUNCS(WEB_LIB_SLOT)
#undef WEB_LIB_SLOT
	gnutls_free_function gnutls_free_fn; /* GnuTLS's gnutls_free is a variable */
} lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static char lib_why[256]; /* why lib_open failed; empty when it did not */

static void lib_failed(void)
{
	const char *e = dlerror();
	snprintf(lib_why, sizeof lib_why, "%s", e ? e : "a symbol is missing");
}

static void lib_open(void)
{
	void *mhd = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	void *tls = mhd ? dlopen(GNUTLS_SONAME, RTLD_NOW | RTLD_LOCAL) : NULL;
	gnutls_free_function *free_fn = tls ? dlsym(tls, "gnutls_free") : NULL;
	if (!free_fn || !*free_fn) {
		lib_failed();
		return;
	}
	lib.gnutls_free_fn = *free_fn;
#define WEB_LIB_LOAD(h, f)                        \
	if (!(*(void **)&lib.f = dlsym(h, #f))) { \
		lib_failed();                     \
		return;                           \
	}
	WEB_LIB_FUNCS(WEB_LIB_LOAD)
#undef WEB_LIB_LOAD
}

/* 0 once both libraries are there, or -1 (err_set). */
static int lib_load(void)
{
	pthread_once(&lib_once, lib_open);
	if (*lib_why)
		return err_set("the web page needs %s and %s (%s): install the packages "
			       "libmicrohttpd12 and libgnutls30, or leave web_listen unset",
			       MHD_SONAME, GNUTLS_SONAME, lib_why);
	return 0;
}

struct session {
	char id[SESSION_HEX + 1], csrf[SESSION_HEX + 1];
	struct key *staff; /* sodium_malloc'd: the person's key, this session only */
	struct webauth_person who;
	int64_t created, seen;
	int refs, dead;
};

struct tries {
	char who[WEBAUTH_EMAIL_MAX + 8];
	int64_t since;
	int failures;
};

struct web {
	struct MHD_Daemon *mhd;
	struct web_config cfg;
	char root[PATH_MAX + 16], store_path[PATH_MAX], listen[256];
	const struct key *member_key;
	uint8_t member[KEY_ID_BYTES];
	pthread_mutex_t mu; /* sessions, tries, stores */
	struct session *sessions[WEB_SESSIONS_MAX];
	struct tries tries[TRIES_MAX];
	struct store *stores[STORES_MAX];
	int nstores;
	char *tls_cert, *tls_key; /* PEM, for libmicrohttpd's TLS */
};

/* ---- one request --------------------------------------------------------- */

/* What a connection accumulates (MHD calls the handler again for each
 * piece of a body). */
struct req {
	char *body;
	size_t len;
	int too_large;
};

/* A flat JSON object's fields (strings, numbers, booleans as text). */
struct fields {
	int n;
	char *name[FIELDS_MAX], *value[FIELDS_MAX];
};

struct call {
	struct web *w;
	struct MHD_Connection *conn;
	struct store *s;
	struct session *se; /* NULL when not signed in */
	struct fields f;
	const char *method;
	int lang_en;
};

static __thread struct store *thread_store;

/* This thread's own connection to the store (SQLite connections are not
 * shared between threads), opened at its first request. */
static struct store *call_store(struct web *w)
{
	if (thread_store)
		return thread_store;
	pthread_mutex_lock(&w->mu);
	int room = w->nstores < STORES_MAX;
	pthread_mutex_unlock(&w->mu);
	if (!room) {
		err_set("too many web threads");
		return NULL;
	}
	struct store *s = store_open(w->store_path);
	if (!s)
		return NULL;
	/* a search during a sync of thousands of offers: the node indexes
	 * them, 5 000 a second, not the request */
	store_set_search_rows(s, SEARCH_VIEW_ROWS);
	pthread_mutex_lock(&w->mu);
	w->stores[w->nstores++] = s;
	pthread_mutex_unlock(&w->mu);
	return thread_store = s;
}

/* ---- answers ------------------------------------------------------------- */

static void headers(struct MHD_Response *r, const char *type)
{
	lib.MHD_add_response_header(r, "Content-Type", type);
	lib.MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; frame-ancestors 'none'; form-action 'self'");
	lib.MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	lib.MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	lib.MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

static enum MHD_Result send_buf(struct call *c, unsigned code, const char *type, const void *buf,
				size_t len, const char *cookie)
{
	struct MHD_Response *r =
		lib.MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	headers(r, type);
	if (strncmp(type, "application/json", 16) == 0)
		lib.MHD_add_response_header(r, "Cache-Control", "no-store");
	if (cookie)
		lib.MHD_add_response_header(r, "Set-Cookie", cookie);
	enum MHD_Result rc = lib.MHD_queue_response(c->conn, code, r);
	lib.MHD_destroy_response(r);
	return rc;
}

/* A JSON answer built in a memstream. */
struct out {
	FILE *f;
	char *buf;
	size_t len;
};

static int out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f ? 0 : err_set("out of memory");
}

static enum MHD_Result out_send(struct call *c, struct out *o, unsigned code, const char *cookie)
{
	fclose(o->f);
	enum MHD_Result rc = send_buf(c, code, "application/json; charset=utf-8", o->buf, o->len,
				      cookie);
	free(o->buf);
	return rc;
}

/* {"error": why, "hint": hint}: the reason in the reader's language */
static enum MHD_Result send_error(struct call *c, unsigned code, const char *why,
				  const char *hint)
{
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	fputs("{\"error\":", o.f);
	json_string(o.f, why);
	fputs(",\"hint\":", o.f);
	json_string(o.f, hint ? hint : "");
	fputs("}", o.f);
	return out_send(c, &o, code, NULL);
}

/* A ledger call's failure: its reason as err_set left it, translated */
static enum MHD_Result send_refusal(struct call *c, unsigned code)
{
	return send_error(c, code, err_msg_local(), NULL);
}

static enum MHD_Result send_ok(struct call *c)
{
	return send_buf(c, 200, "application/json; charset=utf-8", "{\"ok\":true}", 11, NULL);
}

/* ---- request bodies: a flat JSON object ---------------------------------- */

static void put_utf8(char **o, unsigned cp)
{
	char *p = *o;
	if (cp < 0x80) {
		*p++ = (char)cp;
	} else if (cp < 0x800) {
		*p++ = (char)(0xC0 | cp >> 6);
		*p++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*p++ = (char)(0xE0 | cp >> 12);
		*p++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*p++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*p++ = (char)(0xF0 | cp >> 18);
		*p++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*p++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*p++ = (char)(0x80 | (cp & 0x3F));
	}
	*o = p;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* A JSON string at *pp (after its quote), decoded in place into out (which
 * may be *pp itself: decoding never grows). NULL on bad input. */
static char *json_str(char **pp)
{
	char *p = *pp, *out = p, *o = p;
	while (*p != '"') {
		if (!*p || (unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		unsigned cp, lo;
		switch (*p) {
		case '"': case '\\': case '/': *o++ = *p; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (hex4(p + 1, &cp))
				return NULL;
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00) {
				if (p[1] != '\\' || p[2] != 'u' || hex4(p + 3, &lo) || lo < 0xDC00 ||
				    lo > 0xDFFF)
					return NULL;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			} else if (cp >= 0xDC00 && cp < 0xE000) {
				return NULL;
			}
			if (cp == 0)
				return NULL;
			put_utf8(&o, cp);
			break;
		default: return NULL;
		}
		p++;
	}
	*o = 0;
	*pp = p + 1;
	return out;
}

/* body: {"name": "text" | number | true | false, ...}, nothing nested */
static int fields_parse(struct fields *f, char *body)
{
	char *p = (char *)skip_ws(body);
	f->n = 0;
	if (*p++ != '{')
		return -1;
	p = (char *)skip_ws(p);
	if (*p == '}')
		return *skip_ws(p + 1) ? -1 : 0;
	for (;;) {
		if (f->n == FIELDS_MAX || *p++ != '"')
			return -1;
		char *name = json_str(&p);
		if (!name)
			return -1;
		p = (char *)skip_ws(p);
		if (*p++ != ':')
			return -1;
		p = (char *)skip_ws(p);
		char *value;
		if (*p == '"') {
			p++;
			if (!(value = json_str(&p)))
				return -1;
		} else {
			value = p;
			p += strspn(p, "-0123456789.eEtruefals");
			if (p == value)
				return -1;
			char end = *p;
			*p = 0;
			if (strcmp(value, "true") && strcmp(value, "false") &&
			    strspn(value, "-0123456789") != strlen(value))
				return -1;
			/* the byte after the value, put back for the scan below */
			if (end == ',' || end == '}') {
				f->name[f->n] = name;
				f->value[f->n++] = value;
				p++;
				if (end == '}')
					return *skip_ws(p) ? -1 : 0;
				p = (char *)skip_ws(p);
				continue;
			}
			if (end != ' ' && end != '\t' && end != '\n' && end != '\r')
				return -1;
			p++;
		}
		f->name[f->n] = name;
		f->value[f->n++] = value;
		p = (char *)skip_ws(p);
		if (*p == '}')
			return *skip_ws(p + 1) ? -1 : 0;
		if (*p++ != ',')
			return -1;
		p = (char *)skip_ws(p);
	}
}

static const char *field(const struct call *c, const char *name)
{
	for (int i = 0; i < c->f.n; i++)
		if (strcmp(c->f.name[i], name) == 0)
			return c->f.value[i];
	return NULL;
}

static const char *arg(const struct call *c, const char *name)
{
	const char *v = lib.MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
	return v && *v ? v : NULL;
}

/* An id of 64 hex digits (an offer, a request). */
static int id_parse(const char *hex, uint8_t out[32])
{
	size_t n = 0;
	return hex && strlen(hex) == 64 &&
			       sodium_hex2bin(out, 32, hex, 64, NULL, &n, NULL) == 0 && n == 32
		       ? 0
		       : -1;
}

/* a whole number of ms or units; -1 when absent or not one */
static int int_parse(const char *v, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	if (!v || !*v)
		return -1;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (*end || errno || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* ---- sessions -------------------------------------------------------------- */

static void session_free(struct session *se)
{
	key_destroy(&se->staff);
	sodium_memzero(se, sizeof *se);
	free(se);
}

/* drops a reference taken by session_find (under the lock) */
static void session_put(struct web *w, struct session *se)
{
	if (!se)
		return;
	pthread_mutex_lock(&w->mu);
	if (--se->refs == 0 && se->dead)
		session_free(se);
	pthread_mutex_unlock(&w->mu);
}

/* ends session slot i (under the lock): freed now, or by its last user */
static void session_end_at(struct web *w, int i)
{
	struct session *se = w->sessions[i];
	w->sessions[i] = NULL;
	se->dead = 1;
	if (se->refs == 0)
		session_free(se);
}

static void session_end(struct web *w, struct session *se)
{
	pthread_mutex_lock(&w->mu);
	for (int i = 0; i < WEB_SESSIONS_MAX; i++)
		if (w->sessions[i] == se)
			session_end_at(w, i);
	pthread_mutex_unlock(&w->mu);
}

/* the session the request's cookie names, still within its expiry; a
 * reference the caller drops with session_put */
static struct session *session_find(struct call *c)
{
	const char *id = lib.MHD_lookup_connection_value(c->conn, MHD_COOKIE_KIND, COOKIE);
	struct web *w = c->w;
	struct session *found = NULL;
	int64_t now = clock_now_ms();
	if (!id || strlen(id) != SESSION_HEX)
		return NULL;
	pthread_mutex_lock(&w->mu);
	for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct session *se = w->sessions[i];
		if (!se || sodium_memcmp(se->id, id, SESSION_HEX) != 0)
			continue;
		if (now - se->seen > w->cfg.idle_ms || now - se->created > WEB_SESSION_MAX_MS) {
			session_end_at(w, i);
			break;
		}
		se->seen = now;
		se->refs++;
		found = se;
		break;
	}
	pthread_mutex_unlock(&w->mu);
	return found;
}

static void random_hex(char *out, size_t bytes)
{
	uint8_t b[64];
	randombytes_buf(b, bytes);
	sodium_bin2hex(out, 2 * bytes + 1, b, bytes);
	sodium_memzero(b, sizeof b);
}

/* A new session for who with staff (ownership moves). NULL when full. */
static struct session *session_new(struct web *w, const struct webauth_person *who,
				   struct key **staff)
{
	struct session *se = calloc(1, sizeof *se);
	if (!se)
		return NULL;
	random_hex(se->id, SESSION_ID_BYTES);
	random_hex(se->csrf, SESSION_ID_BYTES);
	se->who = *who;
	se->staff = *staff;
	*staff = NULL;
	se->created = se->seen = clock_now_ms();
	pthread_mutex_lock(&w->mu);
	int slot = -1;
	/* a full table first drops what has expired */
	for (int i = 0; i < WEB_SESSIONS_MAX && slot < 0; i++) {
		struct session *o = w->sessions[i];
		if (o && (se->seen - o->seen > w->cfg.idle_ms ||
			  se->seen - o->created > WEB_SESSION_MAX_MS))
			session_end_at(w, i);
		if (!w->sessions[i])
			slot = i;
	}
	if (slot >= 0)
		w->sessions[slot] = se;
	pthread_mutex_unlock(&w->mu);
	if (slot < 0) {
		session_free(se);
		return NULL;
	}
	return se;
}

/* Is the person's delegation in force now, for some role? staff_may, the
 * one rule; 1 yes, 0 no (why), -1 error. */
static int person_in_force(struct call *c, const uint8_t key[KEY_ID_BYTES], char *why,
			   size_t n)
{
	static const uint32_t roles[] = {ENTRY_ROLE_BORROW, ENTRY_ROLE_LEND, ENTRY_ROLE_ADMIN};
	int64_t now = clock_now_ms();
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		int rc = staff_may(c->s, c->w->member, key, roles[i], INT64_MAX, now, why, n);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- sign-in limits ------------------------------------------------------- */

/* 1 when who has failed WEB_TRIES times within the window */
static int tries_blocked(struct web *w, const char *who, int64_t now)
{
	int blocked = 0;
	pthread_mutex_lock(&w->mu);
	for (int i = 0; i < TRIES_MAX; i++)
		if (w->tries[i].failures && strcmp(w->tries[i].who, who) == 0)
			blocked = now - w->tries[i].since < WEB_TRIES_WINDOW_MS &&
				  w->tries[i].failures >= WEB_TRIES;
	pthread_mutex_unlock(&w->mu);
	return blocked;
}

static void tries_fail(struct web *w, const char *who, int64_t now)
{
	pthread_mutex_lock(&w->mu);
	struct tries *t = NULL, *free_slot = NULL, *oldest = &w->tries[0];
	for (int i = 0; i < TRIES_MAX && !t; i++) {
		struct tries *x = &w->tries[i];
		if (x->failures && strcmp(x->who, who) == 0)
			t = x;
		else if (!x->failures && !free_slot)
			free_slot = x;
		else if (x->since < oldest->since)
			oldest = x;
	}
	if (t && now - t->since >= WEB_TRIES_WINDOW_MS)
		t->failures = 0; /* a new window */
	if (!t) {
		t = free_slot ? free_slot : oldest;
		t->failures = 0;
		snprintf(t->who, sizeof t->who, "%s", who);
	}
	if (t->failures++ == 0)
		t->since = now;
	pthread_mutex_unlock(&w->mu);
}

/* ---- the API ------------------------------------------------------------ */

/* The session cookie (Max-Age 0 ends it). */
static void cookie_text(const struct web *w, char *out, size_t n, const char *id, int max_age)
{
	snprintf(out, n, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", id,
		 max_age, w->cfg.secure ? "; Secure" : "");
}

static int is_admin(struct call *c, const uint8_t key[KEY_ID_BYTES]);

/* the person, with "admin": may they sign proposals and votes now
 * (staff_may): the page hides what they may not do */
static void person_json(struct call *c, FILE *f, const struct session *se)
{
	char key[HEX_ID_LEN + 1], del[HEX_ID_LEN + 1];
	hex_encode(key, se->who.key, KEY_ID_BYTES);
	hex_encode(del, se->who.delegation, ENTRY_ID_BYTES);
	fputs("{\"name\":", f);
	json_string(f, se->who.name);
	fputs(",\"email\":", f);
	json_string(f, se->who.email);
	fprintf(f, ",\"key\":\"%s\",\"delegation\":\"%s\",\"csrf\":\"%s\",\"admin\":%s}", key,
		del, se->csrf, is_admin(c, se->who.key) == 1 ? "true" : "false");
}

/* a session for who, answered with its cookie */
static enum MHD_Result signed_in(struct call *c, const struct webauth_person *who,
				 struct key **staff)
{
	char why[200];
	int rc = person_in_force(c, who->key, why, sizeof why);
	if (rc <= 0) {
		key_destroy(staff);
		if (rc < 0)
			return send_refusal(c, 500);
		log_msg(LOG_INFO, "web: %s may not sign in: %s", who->email, why);
		return send_error(c, 401, _("your delegation is no longer in force: you "
					    "are signed out"),
				  _("ask your administrator"));
	}
	struct session *se = session_new(c->w, who, staff);
	key_destroy(staff);
	if (!se)
		return send_error(c, 503, _("too many people are signed in to this node"),
				  _("try again in a few minutes"));
	char cookie[256];
	cookie_text(c->w, cookie, sizeof cookie, se->id, (int)(WEB_SESSION_MAX_MS / 1000));
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	person_json(c, o.f, se);
	log_msg(LOG_INFO, "web: %s signed in", who->email);
	return out_send(c, &o, 200, cookie);
}

static enum MHD_Result api_login(struct call *c)
{
	const char *email = field(c, "email"), *pw = field(c, "password");
	char by_ip[80], by_who[WEBAUTH_EMAIL_MAX + 8];
	int64_t now = clock_now_ms();
	const union MHD_ConnectionInfo *ci =
		lib.MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char addr[INET6_ADDRSTRLEN] = "?";
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, addr,
			  sizeof addr);
	if (!email || !pw || strlen(email) > WEBAUTH_EMAIL_MAX || strlen(pw) > WEBAUTH_PASSWORD_MAX)
		return send_error(c, 400, _("give your e-mail address and your password"), NULL);
	snprintf(by_ip, sizeof by_ip, "ip:%s", addr);
	snprintf(by_who, sizeof by_who, "a:%s", email);
	for (char *p = by_who; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	if (tries_blocked(c->w, by_ip, now) || tries_blocked(c->w, by_who, now))
		return send_error(c, 429, _("too many failed sign-ins"),
				  _("wait 15 minutes, or ask your administrator"));
	struct webauth_person who;
	struct key *staff = NULL;
	int rc = webauth_login(c->s, email, pw, &who, &staff);
	if (rc < 0)
		return send_refusal(c, 500);
	if (rc == 0) {
		tries_fail(c->w, by_ip, now);
		tries_fail(c->w, by_who, now);
		log_msg(LOG_INFO, "web: a sign-in as '%s' from %s refused", email, addr);
		return send_error(c, 401, _("wrong e-mail address or password"),
				  _("check both, or ask your administrator for a new link"));
	}
	return signed_in(c, &who, &staff);
}

static enum MHD_Result api_setup(struct call *c)
{
	const char *token = field(c, "token"), *pw = field(c, "password");
	if (!token || !pw)
		return send_error(c, 400, _("give the link's token and a password"), NULL);
	struct webauth_person who;
	struct key *staff = NULL;
	int rc = webauth_setup(c->s, token, pw, clock_now_ms(), &who, &staff);
	if (rc <= 0)
		return send_error(c, rc == 0 ? 404 : 400, err_msg_local(),
				  rc == 0 ? _("ask your administrator for a new link") : NULL);
	return signed_in(c, &who, &staff);
}

static enum MHD_Result api_logout(struct call *c)
{
	char cookie[256];
	log_msg(LOG_INFO, "web: %s signed out", c->se->who.email);
	session_end(c->w, c->se);
	cookie_text(c->w, cookie, sizeof cookie, "", 0);
	return send_buf(c, 200, "application/json; charset=utf-8", "{\"ok\":true}", 11, cookie);
}

static enum MHD_Result api_me(struct call *c)
{
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	person_json(c, o.f, c->se);
	return out_send(c, &o, 200, NULL);
}

/* The page's strings (web/strings.json, KEY: English) in the reader's
 * language, from the message catalogue (i18n_json: msgctxt "web:KEY"),
 * and "_lang", the language they are in. */
static enum MHD_Result api_strings(struct call *c)
{
	char path[PATH_MAX + 32];
	size_t len;
	snprintf(path, sizeof path, "%s/strings.json", c->w->root);
	char *src = (char *)file_read(path, STATIC_MAX, &len);
	char *tr = src ? i18n_json(src, "web:") : NULL;
	free(src);
	if (!tr) {
		log_msg(LOG_ERROR, "web: %s", err_msg());
		return send_refusal(c, 500);
	}
	struct out o;
	if (out_open(&o)) {
		free(tr);
		return MHD_NO;
	}
	fprintf(o.f, "{\"_lang\":\"%s\"%s%s", c->lang_en ? "en" : "fr", tr[1] == '}' ? "" : ",",
		tr + 1);
	free(tr);
	return out_send(c, &o, 200, NULL);
}

/* The rows of a view as a JSON array into f. 0 or -1. */
static int rows_json(struct call *c, FILE *f, const struct view *v, const struct view_arg *a,
		     size_t n)
{
	struct view_rows *r = view_open(c->s, v, a, n, 1);
	int rc, first = 1;
	if (!r)
		return -1;
	fputc('[', f);
	while ((rc = view_next(r)) == 1) {
		fputs(first ? "" : ",", f);
		fputs(view_text(r, 0), f);
		first = 0;
	}
	fputc(']', f);
	view_close(&r);
	return rc;
}

static enum MHD_Result send_view(struct call *c, const struct view *v, const struct view_arg *a,
				 size_t n)
{
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	if (rows_json(c, o.f, v, a, n)) {
		fclose(o.f);
		free(o.buf);
		return send_refusal(c, 500);
	}
	return out_send(c, &o, 200, NULL);
}

/* a slot from the query (?from=MS&to=MS): 1 given, 0 none, -1 bad */
static int slot_arg(struct call *c, int64_t *from, int64_t *to)
{
	const char *f = arg(c, "from"), *t = arg(c, "to");
	if (!f && !t)
		return 0;
	if (int_parse(f, 0, INT64_MAX / 2, from) || int_parse(t, 0, INT64_MAX / 2, to) ||
	    *to <= *from)
		return -1;
	return 1;
}

static enum MHD_Result api_offers(struct call *c)
{
	const char *q = arg(c, "q"), *kind = arg(c, "kind"), *place = arg(c, "place");
	int64_t from = 0, to = 0;
	int slot = slot_arg(c, &from, &to);
	if (slot < 0)
		return send_error(c, 400, _("the slot is not valid: it ends before it starts"),
				  NULL);
	if ((q && text_check("search", q, 256, 0)) || (kind && text_check("kind", kind, 64, 0)) ||
	    (place && text_check("place", place, 256, 0)))
		return send_refusal(c, 400);
	struct view_arg a[] = {VIEW_TEXT(kind), VIEW_NULL, VIEW_INT(0),
			       slot ? VIEW_INT(from) : VIEW_NULL, slot ? VIEW_INT(to) : VIEW_NULL,
			       VIEW_TEXT(q), VIEW_TEXT(place)};
	return send_view(c, &view_offers, a, 7);
}

static enum MHD_Result api_offer(struct call *c)
{
	uint8_t id[32];
	int64_t from, to;
	if (id_parse(arg(c, "id"), id))
		return send_error(c, 400, _("no such offer"), NULL);
	if (slot_arg(c, &from, &to) <= 0) {
		/* the month of today */
		from = clock_now_ms() - 3LL * 24 * 3600 * 1000;
		to = from + 35LL * 24 * 3600 * 1000;
	}
	struct view_arg one[] = {VIEW_ID(id)};
	struct view_arg cal[] = {VIEW_INT(from), VIEW_INT(to), VIEW_ID(id), VIEW_ID(c->w->member)};
	struct out o;
	int64_t pending = 0;
	if (out_open(&o))
		return MHD_NO;
	fputs("{\"offer\":", o.f);
	int rc = rows_json(c, o.f, &view_offer, one, 1);
	fputs(",\"calendar\":", o.f);
	rc = rc || rows_json(c, o.f, &view_calendar, cal, 4);
	rc = rc || view_scalar(c->s, &view_calendar_pending, cal, 3, &pending) < 0;
	fprintf(o.f, ",\"pending\":%lld,\"from\":%lld,\"to\":%lld}", (long long)pending,
		(long long)from, (long long)to);
	if (rc) {
		fclose(o.f);
		free(o.buf);
		return send_refusal(c, 500);
	}
	return out_send(c, &o, 200, NULL);
}

static enum MHD_Result api_balances(struct call *c)
{
	struct view_arg a[] = {VIEW_NULL};
	return send_view(c, &view_balances, a, 1);
}

/* Around an action: the person's act in the member's entry. */
static void act_begin(struct call *c)
{
	store_act_as(c->s, c->se->staff, c->se->who.delegation);
}

static void act_end(struct call *c)
{
	store_act_as(c->s, NULL, NULL);
}

static enum MHD_Result api_borrow(struct call *c)
{
	uint8_t res[32], id[32];
	int64_t start, end, quantity = 1;
	const char *note = field(c, "note"), *q = field(c, "quantity"),
		   *confirm = field(c, "confirm");
	if (id_parse(field(c, "resource"), res))
		return send_error(c, 400, _("no such offer"), NULL);
	if (int_parse(field(c, "from"), 0, INT64_MAX / 2, &start) ||
	    int_parse(field(c, "to"), 0, INT64_MAX / 2, &end) || !entry_time_ok(start) ||
	    !entry_time_ok(end))
		return send_error(c, 400, _("give the slot's start and end"), NULL);
	if (q && int_parse(q, 1, CAPACITY_MAX, &quantity))
		return send_error(c, 400, _("the quantity is a whole number, 1 or more"), NULL);
	if (note && *note && text_check("note", note, NOTE_MAX_LEN, 1))
		return send_refusal(c, 400);
	if (end <= start)
		return send_error(c, 400, _("the slot ends before it starts"), NULL);
	if (end <= clock_now_ms())
		return send_error(c, 400, _("the slot ends in the past: choose a slot to come"),
				  NULL);
	struct lending_confirm cf = {confirm && strcmp(confirm, "true") == 0, NULL, 0, -1};
	act_begin(c);
	int rc = lending_borrow_terms(c->s, c->w->member_key, res, start, end, (uint64_t)quantity,
				      note, 0, 0, NULL, &cf, id);
	act_end(c);
	if (rc)
		return send_refusal(c, 409);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	log_msg(LOG_INFO, "web: %s asked to borrow (request %.16s)", c->se->who.email, hex);
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	fprintf(o.f, "{\"id\":\"%s\"}", hex);
	return out_send(c, &o, 200, NULL);
}

static enum MHD_Result api_answer(struct call *c, int accept)
{
	uint8_t id[32];
	const char *note = field(c, "note");
	if (id_parse(field(c, "id"), id))
		return send_error(c, 400, _("no such request"), NULL);
	if (note && *note && text_check("note", note, NOTE_MAX_LEN, 1))
		return send_refusal(c, 400);
	struct booking_check chk;
	int rc;
	act_begin(c);
	if (accept)
		rc = lending_accept(c->s, c->w->member_key, id, NULL, &chk);
	else
		rc = lending_append(c->s, c->w->member_key, MUTUA__BODY__PAYLOAD_DECLINE, id, note,
				    -1, -1, NULL) == 0;
	act_end(c);
	if (rc < 0 || (rc == 0 && !accept))
		return send_refusal(c, 409);
	if (rc == 0)
		return send_error(c, 409, err_local(chk.why), NULL);
	log_msg(LOG_INFO, "web: %s %s a request", c->se->who.email,
		accept ? "accepted" : "declined");
	return send_ok(c);
}

static enum MHD_Result api_accept(struct call *c)
{
	return api_answer(c, 1);
}

static enum MHD_Result api_decline(struct call *c)
{
	return api_answer(c, 0);
}

#define WEB_WHY_MAX 512

/* ---- loan steps after the answer: handover, return, close, agree,
 * dispute, cancel (issue 18). Who may take which step after which state
 * is loan_step_check's (ledger/loan.c); the entry is lending_append_ex's,
 * refused with the fold's reason; the checks of each field are the
 * CLI's (mutua handover, return...: text_check, loan_fuel_parse,
 * amount_parse_usage). ------------------------------------------------ */

static const enum loan_step web_steps[] = {LOAN_HANDOVER, LOAN_RETURN, LOAN_CLOSE,
					   LOAN_AGREE,    LOAN_DISPUTE, LOAN_CANCEL};

/* The steps this node's member may take on request now, by
 * loan_step_check, as a JSON array of their names into f. 0 or -1. */
static int steps_can_json(struct call *c, FILE *f, const uint8_t id[32])
{
	struct lending_loan l;
	int rc = lending_loan_get(c->s, id, &l), first = 1;
	fputc('[', f);
	if (rc == 1) {
		enum loan_party party = l.has_owner && memcmp(l.owner, c->w->member, 32) == 0
						? LOAN_OWNER
					: memcmp(l.borrower, c->w->member, 32) == 0 ? LOAN_BORROWER
										      : LOAN_OTHER;
		for (int i = 0; i < LOAN_STEPS; i++) {
			enum loan_state next;
			if (loan_step_check(l.state, (enum loan_step)i, party, &next))
				continue;
			fprintf(f, "%s\"%s\"", first ? "" : ",", loan_step_name((enum loan_step)i));
			first = 0;
		}
	}
	fputc(']', f);
	return rc < 0 ? -1 : 0;
}

/* The rows of a loans' view (each with its "id") as a JSON array, each
 * row with "can": steps_can_json. 0 or -1. */
static int loan_rows_json(struct call *c, FILE *f, const struct view *v,
			  const struct view_arg *a, size_t n)
{
	struct view_rows *r = view_open(c->s, v, a, n, 1);
	int rc, first = 1;
	if (!r)
		return -1;
	fputc('[', f);
	while ((rc = view_next(r)) == 1) {
		const char *row = view_text(r, 0), *idp = row ? strstr(row, "\"id\":\"") : NULL;
		size_t len = row ? strlen(row) : 0;
		uint8_t id[32];
		char hex[65];
		if (!idp || len < 2 || row[len - 1] != '}') {
			rc = err_set("a loan's row has no id");
			break;
		}
		snprintf(hex, sizeof hex, "%.64s", idp + 6);
		fputs(first ? "" : ",", f);
		fwrite(row, 1, len - 1, f);
		fputs(",\"can\":", f);
		if (id_parse(hex, id) == 0 && steps_can_json(c, f, id)) {
			rc = -1;
			break;
		}
		if (id_parse(hex, id))
			fputs("[]", f);
		fputc('}', f);
		first = 0;
	}
	fputc(']', f);
	view_close(&r);
	return rc;
}

/* the requests of the member, with the steps it may take on each */
static enum MHD_Result api_loans(struct call *c)
{
	const char *dir = arg(c, "dir");
	int incoming = !dir || strcmp(dir, "incoming") == 0;
	int outgoing = !dir || strcmp(dir, "mine") == 0;
	struct view_arg a[] = {VIEW_INT(incoming), VIEW_INT(outgoing), VIEW_ID(c->w->member),
			       VIEW_NULL};
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	if (loan_rows_json(c, o.f, &view_requests, a, 4)) {
		fclose(o.f);
		free(o.buf);
		return send_refusal(c, 500);
	}
	return out_send(c, &o, 200, NULL);
}

/* one request with its steps (the view's "by" and "by_staff": who signed
 * each) and the steps the member may take now */
static enum MHD_Result api_loan(struct call *c)
{
	uint8_t id[32];
	if (id_parse(arg(c, "id"), id))
		return send_error(c, 400, _("no such request"), NULL);
	struct view_arg a[] = {VIEW_ID(id), VIEW_INT(1)};
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	fputs("{\"request\":", o.f);
	int rc = loan_rows_json(c, o.f, &view_request, a, 2);
	fputs("}", o.f);
	if (rc) {
		fclose(o.f);
		free(o.buf);
		return send_refusal(c, 500);
	}
	return out_send(c, &o, 200, NULL);
}

/* a field given and not empty */
static const char *given(const struct call *c, const char *name)
{
	const char *v = field(c, name);
	return v && *v ? v : NULL;
}

static enum MHD_Result api_step(struct call *c)
{
	const char *name = field(c, "step"), *note = given(c, "note"), *usage = given(c, "usage"),
		   *meter = given(c, "meter"), *fuel = given(c, "fuel"),
		   *damage = given(c, "damage"), *forfeit = given(c, "forfeit");
	uint8_t id[32];
	int step = -1;
	if (id_parse(field(c, "id"), id))
		return send_error(c, 400, _("no such request"), NULL);
	for (size_t i = 0; name && i < sizeof web_steps / sizeof *web_steps; i++)
		if (strcmp(name, loan_step_name(web_steps[i])) == 0)
			step = (int)web_steps[i];
	if (step < 0)
		return send_error(c, 400, _("no such step: handover, return, close, agree, dispute "
					    "or cancel"), NULL);
	int report = step == LOAN_HANDOVER || step == LOAN_RETURN || step == LOAN_CLOSE;
	int takes_usage = step == LOAN_RETURN || step == LOAN_CLOSE;
	if (!report && (meter || fuel || damage))
		return send_error(c, 400, _("this step takes no condition report"), NULL);
	if ((!takes_usage && usage) || (forfeit && step != LOAN_CLOSE))
		return send_error(c, 400, _("this step takes no usage and no forfeit"), NULL);
	struct lending_report rep = {-1, -1, NULL, NULL, 0};
	struct lending_extra ex = {NULL, 0, 0};
	int64_t use = -1, m;
	/* the CLI's checks of mutua handover/return/close, one by one */
	if (meter && int_parse(meter, 0, (int64_t)METER_MAX, &m))
		return send_error(c, 400, _("the meter reading is a whole number, 0 or more"), NULL);
	if (meter)
		rep.meter = m;
	if ((fuel && loan_fuel_parse(fuel, &rep.fuel)) ||
	    (damage && text_check("damage", damage, NOTE_MAX_LEN, 1)) ||
	    (note && text_check("note", note, NOTE_MAX_LEN, 1)) ||
	    (usage && amount_parse_usage(usage, (int64_t)USAGE_MAX, &use)))
		return send_refusal(c, 400);
	if (forfeit && (amount_parse(forfeit, 0, &ex.forfeit) || ex.forfeit < 1 ||
			ex.forfeit > DEPOSIT_MAX))
		return send_error(c, 400, _("the forfeit is from 0.01 to the request's deposit"),
				  NULL);
	if (step == LOAN_DISPUTE && !note)
		return send_error(c, 400, _("a dispute needs its reason"), NULL);
	rep.damage = damage;
	if (meter || fuel || damage)
		ex.report = &rep;
	struct lending_loan l;
	int rc = lending_loan_get(c->s, id, &l);
	if (rc < 0)
		return send_refusal(c, 500);
	if (rc == 0)
		return send_error(c, 404, _("no such request"), NULL);
	if (takes_usage && use < 0 && (use = lending_step_usage(&l, (enum loan_step)step)) < 0)
		return send_error(c, 400, _("give the usage: this resource is counted by a figure "
					    "(km, m³)"), NULL);
	act_begin(c);
	rc = lending_append_ex(c->s, c->w->member_key, loan_step_payload((enum loan_step)step),
			       id, note, use, -1, NULL, &ex);
	act_end(c);
	if (rc)
		return send_refusal(c, 409);
	log_msg(LOG_INFO, "web: %s took the step %s of a request", c->se->who.email, name);
	return send_ok(c);
}

/* ---- proposals and votes (issue 18): the views and entries of mutua
 * proposals, vote and propose set; staff_may (ENTRY_ROLE_ADMIN) decides
 * who may sign them. ------------------------------------------------- */

/* 1 when the signed-in person may act for the member as admin now */
static int is_admin(struct call *c, const uint8_t key[KEY_ID_BYTES])
{
	char why[200];
	return staff_may(c->s, c->w->member, key, ENTRY_ROLE_ADMIN, INT64_MAX, clock_now_ms(),
			 why, sizeof why);
}

/* Proposals and votes need the admin role: staff_may, the one rule,
 * asked before anything else so that a person without it is told so (403,
 * the rule's reason) rather than of the proposal's state. 1 with *rc the
 * answer sent when refused, 0 when the person may go on. */
static int admin_refused(struct call *c, enum MHD_Result *rc)
{
	char why[200], msg[400];
	int may = staff_may(c->s, c->w->member, c->se->who.key, ENTRY_ROLE_ADMIN, INT64_MAX,
			    clock_now_ms(), why, sizeof why);
	if (may == 1)
		return 0;
	if (may < 0) {
		*rc = send_refusal(c, 500);
		return 1;
	}
	snprintf(msg, sizeof msg, _("you may not do this for the member: %s"), err_local(why));
	*rc = send_error(c, 403, msg, _("only a person with the admin role may do this"));
	return 1;
}

static enum MHD_Result api_proposals(struct call *c)
{
	const char *open = arg(c, "open");
	struct view_arg a[] = {VIEW_INT(clock_now_ms()), VIEW_INT(open && strcmp(open, "1") == 0)};
	return send_view(c, &view_proposals, a, 2);
}

static enum MHD_Result api_proposal(struct call *c)
{
	uint8_t id[32];
	const char *hex = arg(c, "id");
	if (id_parse(hex, id))
		return send_error(c, 400, _("no such proposal"), NULL);
	struct view_arg a[] = {VIEW_INT(clock_now_ms()), VIEW_INT(0)};
	struct view_rows *r = view_open(c->s, &view_proposals, a, 2, 1);
	char want[80];
	int rc;
	snprintf(want, sizeof want, "\"id\":\"%.64s\"", hex);
	for (char *p = want; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
	if (!r)
		return send_refusal(c, 500);
	struct out o;
	if (out_open(&o)) {
		view_close(&r);
		return MHD_NO;
	}
	int found = 0;
	while (!found && (rc = view_next(r)) == 1)
		if (strstr(view_text(r, 0), want)) {
			fputs("{\"proposal\":", o.f);
			fputs(view_text(r, 0), o.f);
			fputs("}", o.f);
			found = 1;
		}
	view_close(&r);
	if (!found) {
		fclose(o.f);
		free(o.buf);
		return rc < 0 ? send_refusal(c, 500) : send_error(c, 404, _("no such proposal"), NULL);
	}
	return out_send(c, &o, 200, NULL);
}

static enum MHD_Result api_vote(struct call *c)
{
	uint8_t id[32], tid[32];
	const char *choice = field(c, "choice");
	uint32_t v = governance_vote_choice(choice);
	if (id_parse(field(c, "id"), id))
		return send_error(c, 400, _("no such proposal"), NULL);
	if (!v)
		return send_error(c, 400, _("say yes, no or abstain"), NULL);
	enum MHD_Result refused;
	if (admin_refused(c, &refused))
		return refused;
	act_begin(c);
	int rc = governance_vote_append(c->s, c->w->member_key, id, v);
	act_end(c);
	if (rc)
		return send_refusal(c, 409);
	/* a vote that passes the proposal closes it: the member's tally, as
	 * mutua vote and the daemon sign it (a tally carries no act) */
	int tallied = governance_tally_append(c->s, c->w->member_key, id, 1, tid);
	if (tallied < 0)
		log_msg(LOG_WARN, "web: the vote is cast; no tally: %s", err_msg());
	log_msg(LOG_INFO, "web: %s voted %s", c->se->who.email, choice);
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	fprintf(o.f, "{\"ok\":true,\"passed\":%s}", tallied == 0 ? "true" : "false");
	return out_send(c, &o, 200, NULL);
}

/* mutua propose set NAME VALUE [--reason TEXT]: the same parse and the
 * same check (governance_param_check) */
/* The proposal's id, or the refusal: the entry appended as the person */
static enum MHD_Result proposal_sign(struct call *c, Mutua__Proposal *p, const char *what)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	uint8_t id[32];
	b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
	b.proposal = p;
	act_begin(c);
	int rc = store_append(c->s, c->w->member_key, &b, id);
	act_end(c);
	if (rc)
		return send_refusal(c, 409);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	log_msg(LOG_INFO, "web: %s proposed to %s (proposal %.16s)", c->se->who.email, what, hex);
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	fprintf(o.f, "{\"id\":\"%s\"}", hex);
	return out_send(c, &o, 200, NULL);
}

/* A member as a person names them (view_resolve_member, the CLI's rule):
 * 1, or 0 with the answer sent */
static int member_named(struct call *c, const char *name, uint8_t out[32], enum MHD_Result *rc)
{
	struct view_named r;
	int found = name ? view_resolve_member(c->s, name, out, &r) : 0;
	if (found == 1)
		return 1;
	if (found == -1)
		*rc = send_refusal(c, 500);
	else if (!name)
		*rc = send_error(c, 400, _("name the member"), NULL);
	else if (found == -2)
		*rc = send_error(c, 400, _("several members answer to this name: give more of it"),
				 NULL);
	else
		*rc = send_error(c, 404, _("no member of that name"), NULL);
	return 0;
}

/* admit, exclude, rekey and settle: the inputs checked and the proposal
 * built by the ledger (propose.h), as mutua propose does */
static enum MHD_Result propose_kind(struct call *c, const char *kind, const char *reason)
{
	struct gov_draft d;
	uint8_t member[32], req[32];
	enum MHD_Result rc = MHD_NO;
	const char *who = given(c, "member"), *card = given(c, "card");
	gov_draft_init(&d, reason);
	int bad;
	if (strcmp(kind, "admit") == 0) {
		const char *college = given(c, "college");
		bad = gov_draft_admit(c->s, &d, card, NULL, college);
	} else if (strcmp(kind, "exclude") == 0) {
		if (!member_named(c, who, member, &rc))
			return rc;
		bad = gov_draft_exclude(c->s, &d, member, who);
	} else if (strcmp(kind, "rekey") == 0) {
		const char *upto = given(c, "upto");
		int64_t u = 0;
		if (upto && int_parse(upto, 0, INT64_MAX, &u))
			return send_error(c, 400, _("the seq is a whole number, 0 or more"), NULL);
		if (!member_named(c, who, member, &rc))
			return rc;
		bad = gov_draft_rekey(c->s, &d, member, who, card, NULL, upto != NULL, (uint64_t)u);
	} else { /* settle */
		const char *request = given(c, "request");
		char cand[VIEW_CANDIDATES][65];
		int count = 0;
		memset(req, 0, sizeof req);
		if (gov_draft_settle(&d, req, given(c, "usage"), given(c, "forfeit")))
			return send_refusal(c, 400);
		int found = request ? view_resolve_id(c->s, &view_loan_ids, request, req, cand,
						      &count)
				    : -3;
		if (found == -1)
			return send_refusal(c, 500);
		if (found == -3)
			return send_error(c, 400, _("give the request's id (at least 6 hex digits)"),
					  NULL);
		if (found != 1)
			return send_error(c, found ? 400 : 404,
					  found ? _("several requests start with these digits: give more of them")
						: _("no request with that id"),
					  NULL);
		memcpy(d.request, req, 32);
		bad = 0;
	}
	if (bad) {
		rc = send_refusal(c, d.usage ? 400 : 409);
		gov_draft_free(&d);
		return rc;
	}
	rc = proposal_sign(c, &d.p, kind);
	gov_draft_free(&d);
	return rc;
}

static enum MHD_Result api_propose(struct call *c)
{
	const char *name = field(c, "param"), *val = field(c, "value"),
		   *reason = given(c, "reason"), *kind = given(c, "kind");
	int64_t v;
	uint8_t id[32];
	enum MHD_Result refused;
	if (admin_refused(c, &refused))
		return refused;
	if (kind && strcmp(kind, "set") != 0) {
		if (strcmp(kind, "admit") != 0 && strcmp(kind, "exclude") != 0 &&
		    strcmp(kind, "rekey") != 0 && strcmp(kind, "settle") != 0)
			return send_error(c, 400, _("a proposal is to admit, exclude, rekey, settle or set"),
					  NULL);
		if (reason && text_check("reason", reason, NOTE_MAX_LEN, 1))
			return send_refusal(c, 400);
		return propose_kind(c, kind, reason);
	}
	if (!name || !*name || !val || !*val)
		return send_error(c, 400, _("give the parameter and its value"), NULL);
	if ((reason && text_check("reason", reason, NOTE_MAX_LEN, 1)) ||
	    text_check("param", name, 64, 0) || text_check("value", val, 64, 0))
		return send_refusal(c, 400);
	if (strcmp(name, "credit-limit") == 0) {
		if (amount_parse(val, 0, &v))
			return send_refusal(c, 400);
	} else if (strcmp(name, "duration") == 0 || strcmp(name, "close-grace") == 0) {
		if (duration_parse(val, &v))
			return send_refusal(c, 400);
	} else if (int_parse(val, 0, GOV_BYTES_PER_DAY_MAX, &v)) {
		return send_error(c, 400, _("the value is a whole number, 0 or more"), NULL);
	}
	if (governance_param_check(name, v))
		return send_refusal(c, 400);
	Mutua__Proposal p = MUTUA__PROPOSAL__INIT;
	Mutua__Parameter par = MUTUA__PARAMETER__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	par.name = (char *)name;
	par.value = v;
	p.reason = (char *)reason;
	p.what_case = MUTUA__PROPOSAL__WHAT_SET;
	p.set = &par;
	b.payload_case = MUTUA__BODY__PAYLOAD_PROPOSAL;
	b.proposal = &p;
	act_begin(c);
	int rc = store_append(c->s, c->w->member_key, &b, id);
	act_end(c);
	if (rc)
		return send_refusal(c, 409);
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, id, 32);
	log_msg(LOG_INFO, "web: %s proposed to set %s (proposal %.16s)", c->se->who.email, name,
		hex);
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	fprintf(o.f, "{\"id\":\"%s\"}", hex);
	return out_send(c, &o, 200, NULL);
}

/* ---- the auditor's summary (issue 18): audit_run on the node's own
 * store, as mutua audit does without a bundle. In a thread of its own
 * with its own connection, one at a time; a request waits for it at most
 * AUDIT_WAIT_MS, then is told to come back. The result is kept per store
 * head (a hash of every feed's head, view_feeds): a reload does not audit
 * again until an entry arrives. ----------------------------------------- */

#define AUDIT_WAIT_MS 10000 /* by default (web_audit_wait) */
#define AUDIT_ISSUES_MAX 50

static struct {
	pthread_mutex_t mu;
	pthread_cond_t done;
	int running;
	uint8_t head[32], want[32];
	int have;
	char *json;      /* the result for head */
	char why[WEB_WHY_MAX]; /* when the last run could not audit */
	char path[PATH_MAX];
} audit_cache = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

struct audit_collect {
	FILE *f;
	uint64_t n, signatures;
};

static void audit_issue_json(void *arg, const struct audit_issue *v)
{
	struct audit_collect *a = arg;
	if (strcmp(v->rule, "signature") == 0)
		a->signatures++;
	if (a->n++ >= AUDIT_ISSUES_MAX)
		return;
	fputs(a->n > 1 ? ",{\"member\":" : "{\"member\":", a->f);
	json_string(a->f, v->member);
	fputs(",\"name\":", a->f);
	json_string(a->f, v->name);
	fprintf(a->f, ",\"seq\":%llu,\"rule\":", (unsigned long long)v->seq);
	json_string(a->f, v->rule);
	fputs(",\"detail\":", a->f);
	json_string(a->f, v->detail);
	fputc('}', a->f);
}

static void *audit_thread(void *arg)
{
	(void)arg;
	char *buf = NULL, *json = NULL, why[WEB_WHY_MAX] = "";
	size_t len = 0;
	struct store *s = store_open(audit_cache.path);
	struct audit_summary sum;
	FILE *f = open_memstream(&buf, &len);
	struct audit_collect col = {f, 0, 0};
	struct audit_opts ao = {NULL, 1, audit_issue_json, NULL, &col, NULL};
	if (f)
		fputs("{\"issues\":[", f);
	if (!s || !f || audit_run(NULL, s, &ao, &sum)) {
		snprintf(why, sizeof why, "%s", f ? err_msg() : "out of memory");
		if (f)
			fclose(f);
		free(buf);
	} else {
		char fed[HEX_ID_LEN + 1], at[CLOCK_BUF];
		hex_encode(fed, sum.fed_id, 32);
		clock_format_iso(at, clock_now_ms());
		fprintf(f, "],\"issues_shown\":%llu,\"federation\":\"%s\",\"federation_name\":",
			(unsigned long long)(col.n < AUDIT_ISSUES_MAX ? col.n : AUDIT_ISSUES_MAX), fed);
		json_string(f, sum.fed_name);
		fprintf(f, ",\"members\":%llu,\"feeds\":%llu,\"entries\":%llu,\"signatures\":%llu,"
			   "\"loans\":%llu,\"closed\":%llu,\"forks\":%llu,\"violations\":%llu,"
			   "\"incomplete\":%llu,\"witnessed_feeds\":%llu,\"ok\":%s,\"complete\":%s,"
			   "\"credits_moved\":",
			(unsigned long long)sum.members, (unsigned long long)sum.feeds,
			(unsigned long long)sum.entries,
			(unsigned long long)(sum.entries - col.signatures),
			(unsigned long long)sum.loans, (unsigned long long)sum.closed,
			(unsigned long long)sum.forks, (unsigned long long)sum.issues,
			(unsigned long long)sum.incomplete, (unsigned long long)sum.witnessed,
			sum.issues ? "false" : "true", sum.incomplete ? "false" : "true");
		json_real(f, (double)sum.credits_moved / 100.0);
		fputs(",\"seconds\":", f);
		json_real(f, sum.seconds);
		fprintf(f, ",\"audited_at\":\"%s\"}", at);
		fclose(f);
		json = buf;
	}
	store_close(&s);
	pthread_mutex_lock(&audit_cache.mu);
	if (json) {
		free(audit_cache.json);
		audit_cache.json = json;
		memcpy(audit_cache.head, audit_cache.want, 32);
		audit_cache.have = 1;
		audit_cache.why[0] = 0;
	} else {
		snprintf(audit_cache.why, sizeof audit_cache.why, "%s", why);
	}
	audit_cache.running = 0;
	pthread_cond_broadcast(&audit_cache.done);
	pthread_mutex_unlock(&audit_cache.mu);
	return NULL;
}

/* the store's head: a hash of every feed's head (view_feeds) */
static int store_head_hash(struct call *c, uint8_t out[32])
{
	struct out o;
	if (out_open(&o))
		return -1;
	int rc = rows_json(c, o.f, &view_feeds, NULL, 0);
	fclose(o.f);
	if (!rc)
		crypto_generichash(out, 32, (const uint8_t *)o.buf, o.len, NULL, 0);
	free(o.buf);
	return rc;
}

static enum MHD_Result api_audit(struct call *c)
{
	uint8_t head[32];
	char *json = NULL, why[WEB_WHY_MAX] = "";
	int running = 0, cached = 1;
	if (store_head_hash(c, head))
		return send_refusal(c, 500);
	pthread_mutex_lock(&audit_cache.mu);
	if (!(audit_cache.have && memcmp(audit_cache.head, head, 32) == 0) &&
	    !audit_cache.running) {
		pthread_t t;
		snprintf(audit_cache.path, sizeof audit_cache.path, "%s", c->w->store_path);
		memcpy(audit_cache.want, head, 32);
		audit_cache.running = 1;
		cached = 0;
		if (pthread_create(&t, NULL, audit_thread, NULL)) {
			audit_cache.running = 0;
			snprintf(audit_cache.why, sizeof audit_cache.why, "cannot start the audit");
		} else {
			pthread_detach(t);
		}
	}
	struct timespec until;
	int64_t wait = c->w->cfg.audit_wait_ms;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(wait / 1000);
	until.tv_nsec += (long)(wait % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (audit_cache.running &&
	       !(audit_cache.have && memcmp(audit_cache.head, head, 32) == 0))
		if (pthread_cond_timedwait(&audit_cache.done, &audit_cache.mu, &until))
			break;
	int current = audit_cache.have && memcmp(audit_cache.head, head, 32) == 0;
	/* this head's result, or while a newer one runs the last one */
	if (audit_cache.have && (current || audit_cache.running))
		json = strdup(audit_cache.json);
	running = audit_cache.running;
	snprintf(why, sizeof why, "%s", audit_cache.why);
	pthread_mutex_unlock(&audit_cache.mu);
	if (!json && running)
		return send_error(c, 503, _("the audit is still running"),
				  _("reload the page in a moment"));
	if (!json)
		return send_error(c, 500, *why ? why : _("the audit could not run"), NULL);
	struct out o;
	if (out_open(&o)) {
		free(json);
		return MHD_NO;
	}
	/* the result, with whether it is this head's and was kept */
	fprintf(o.f, "{\"current\":%s,\"cached\":%s,\"audit\":%s}",
		current ? "true" : "false",
		cached ? "true" : "false", json);
	free(json);
	return out_send(c, &o, 200, NULL);
}

/* ---- calendar subscriptions (icalsub.h) ------------------------------------- */

/* The client's IPv4 address as text ("?" otherwise). */
static void client_addr(struct MHD_Connection *conn, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		lib.MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, n, "?");
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out,
			  (socklen_t)n);
}

/* GET /ical/TOKEN.ics: no session (a calendar client cannot sign in);
 * the token is the key. An unknown, malformed or revoked one is a bare
 * 404, and counts as a failure of the address, limited as sign-ins are. */
static enum MHD_Result ical_feed(struct call *c, const char *url)
{
	const char *name = url + strlen("/ical/");
	size_t len = strlen(name);
	char addr[INET6_ADDRSTRLEN], who[80];
	int64_t now = clock_now_ms();
	struct icalsub sub;
	int rc = 0;
	client_addr(c->conn, addr, sizeof addr);
	snprintf(who, sizeof who, "ical:%s", addr);
	if (strcmp(c->method, "GET") && strcmp(c->method, "HEAD"))
		return send_buf(c, 405, "text/plain; charset=utf-8", "", 0, NULL);
	if (tries_blocked(c->w, who, now))
		return send_buf(c, 429, "text/plain; charset=utf-8", "", 0, NULL);
	if (len == ICALSUB_TOKEN_LEN + 4 && strcmp(name + ICALSUB_TOKEN_LEN, ".ics") == 0 &&
	    icalsub_token_ok(name, ICALSUB_TOKEN_LEN)) {
		if (!(c->s = call_store(c->w)))
			return send_buf(c, 500, "text/plain; charset=utf-8", "", 0, NULL);
		rc = icalsub_find(c->s, c->w->member, name, ICALSUB_TOKEN_LEN, now, &sub);
	}
	if (rc < 0) {
		log_msg(LOG_WARN, "web: a calendar subscription: %s", err_msg());
		return send_buf(c, 500, "text/plain; charset=utf-8", "", 0, NULL);
	}
	if (rc == 0) {
		tries_fail(c->w, who, now);
		return send_buf(c, 404, "text/plain; charset=utf-8", "", 0, NULL);
	}
	/* from three months back, to come without end */
	struct ical_what what = {now - 92LL * 24 * 3600 * 1000, INT64_MAX,
				 sub.has_resource ? sub.resource : NULL,
				 sub.has_person ? sub.person : NULL, c->w->member};
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	if (ical_write(c->s, o.f, &what, now)) {
		fclose(o.f);
		free(o.buf);
		log_msg(LOG_WARN, "web: calendar subscription %lld: %s", (long long)sub.id,
			err_msg());
		return send_buf(c, 500, "text/plain; charset=utf-8", "", 0, NULL);
	}
	fclose(o.f);
	struct MHD_Response *r =
		lib.MHD_create_response_from_buffer(o.len, o.buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(o.buf);
		return MHD_NO;
	}
	headers(r, "text/calendar; charset=utf-8");
	lib.MHD_add_response_header(r, "Cache-Control", "private, max-age=300");
	enum MHD_Result ret = lib.MHD_queue_response(c->conn, 200, r);
	lib.MHD_destroy_response(r);
	return ret;
}

/* POST /api/subscribe {"resource": ID} or {"mine": true}: a subscription
 * the person makes, to a resource's calendar or to the loans they acted
 * on; answers its id and the path of its URL. */
static enum MHD_Result api_subscribe(struct call *c)
{
	uint8_t res[32];
	const char *resource = field(c, "resource"), *mine = field(c, "mine");
	int own = mine && strcmp(mine, "true") == 0;
	if ((!resource) == !own || (resource && id_parse(resource, res)))
		return send_error(c, 400, _("choose a resource, or your own loans"), NULL);
	char token[ICALSUB_TOKEN_LEN + 1];
	int64_t id = icalsub_add(c->s, c->w->member, resource ? res : NULL,
				 own ? c->se->who.delegation : NULL, c->se->who.delegation,
				 clock_now_ms(), token);
	if (id < 0)
		return send_refusal(c, 409);
	log_msg(LOG_INFO, "web: %s made calendar subscription %lld", c->se->who.email,
		(long long)id);
	struct out o;
	if (out_open(&o))
		return MHD_NO;
	fprintf(o.f, "{\"id\":%lld,\"path\":\"/ical/%s.ics\"}", (long long)id, token);
	sodium_memzero(token, sizeof token);
	return out_send(c, &o, 200, NULL);
}

/* GET /api/subscriptions: those the person made. */
static enum MHD_Result api_subscriptions(struct call *c)
{
	struct view_arg a[] = {VIEW_ID(c->se->who.delegation)};
	return send_view(c, &view_icalsubs, a, 1);
}

/* POST /api/unsubscribe {"id": N}: one the person made. */
static enum MHD_Result api_unsubscribe(struct call *c)
{
	int64_t id;
	if (int_parse(field(c, "id"), 1, INT64_MAX, &id))
		return send_error(c, 400, _("no such subscription"), NULL);
	int rc = icalsub_revoke(c->s, id, c->se->who.delegation, clock_now_ms());
	if (rc < 0)
		return send_refusal(c, 500);
	if (rc == 0)
		return send_error(c, 404, _("no such subscription"), NULL);
	return send_ok(c);
}

#define SIGNED_IN 1 /* the route needs a session */
#define POST 2      /* and a POST (with the CSRF token when signed in) */

static const struct route {
	const char *path;
	int flags;
	enum MHD_Result (*fn)(struct call *c);
} routes[] = {
	{"/api/login", POST, api_login},
	{"/api/setup", POST, api_setup},
	{"/api/logout", POST | SIGNED_IN, api_logout},
	{"/api/me", SIGNED_IN, api_me},
	{"/api/strings", 0, api_strings},
	{"/api/offers", SIGNED_IN, api_offers},
	{"/api/offer", SIGNED_IN, api_offer},
	{"/api/requests", SIGNED_IN, api_loans},
	{"/api/request", SIGNED_IN, api_loan},
	{"/api/balances", SIGNED_IN, api_balances},
	{"/api/borrow", POST | SIGNED_IN, api_borrow},
	{"/api/accept", POST | SIGNED_IN, api_accept},
	{"/api/decline", POST | SIGNED_IN, api_decline},
	{"/api/step", POST | SIGNED_IN, api_step},
	{"/api/proposals", SIGNED_IN, api_proposals},
	{"/api/proposal", SIGNED_IN, api_proposal},
	{"/api/vote", POST | SIGNED_IN, api_vote},
	{"/api/propose", POST | SIGNED_IN, api_propose},
	{"/api/audit", SIGNED_IN, api_audit},
	{"/api/subscribe", POST | SIGNED_IN, api_subscribe},
	{"/api/subscriptions", SIGNED_IN, api_subscriptions},
	{"/api/unsubscribe", POST | SIGNED_IN, api_unsubscribe},
};

static enum MHD_Result api(struct call *c, const char *url, struct req *rq)
{
	const struct route *rt = NULL;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (strcmp(routes[i].path, url) == 0)
			rt = &routes[i];
	if (!rt)
		return send_error(c, 404, _("no such page"), NULL);
	int post = strcmp(c->method, "POST") == 0;
	if (post != !!(rt->flags & POST))
		return send_error(c, 405, _("this method is not allowed here"), NULL);
	if (post) {
		const char *type = lib.MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND,
							       "Content-Type");
		if (rq->too_large)
			return send_error(c, 413, _("the request is too large"), NULL);
		/* a form of another site cannot send JSON without asking first */
		if (!type || strncmp(type, "application/json", 16) != 0 ||
		    fields_parse(&c->f, rq->body ? rq->body : (char *)"{}"))
			return send_error(c, 400, _("the request is not a JSON object"), NULL);
	}
	if (!(c->s = call_store(c->w)))
		return send_refusal(c, 500);
	if (rt->flags & SIGNED_IN) {
		if (!(c->se = session_find(c)))
			return send_error(c, 401, _("you are not signed in, or your session expired"),
					  _("sign in again"));
		char why[200];
		int rc = person_in_force(c, c->se->who.key, why, sizeof why);
		if (rc < 0)
			return send_refusal(c, 500);
		if (rc == 0) {
			log_msg(LOG_INFO, "web: %s's session ended: %s", c->se->who.email, why);
			session_end(c->w, c->se);
			return send_error(c, 401, _("your delegation is no longer in force: you "
						    "are signed out"),
					  _("ask your administrator"));
		}
		const char *tok = lib.MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND,
							      "X-CSRF-Token");
		if (post && (!tok || strlen(tok) != SESSION_HEX ||
			     sodium_memcmp(tok, c->se->csrf, SESSION_HEX) != 0))
			return send_error(c, 403, _("this request lacks its form token"),
					  _("reload the page"));
	}
	return rt->fn(c);
}

/* ---- static files ----------------------------------------------------------- */

static const char *content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"}, {".svg", "image/svg+xml"},
		{".png", "image/png"}, {".ico", "image/x-icon"},
		{".json", "application/json; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static enum MHD_Result static_file(struct call *c, const char *url)
{
	const char *name = strcmp(url, "/") == 0 ? "index.html" : url + 1;
	char path[PATH_MAX + 256];
	const char *type = content_type(name);
	/* a flat folder: no slash, no dot first, known kinds only */
	if (!type || name[0] == '.' || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
						       strlen(name))
		return send_error(c, 404, _("no such page"), NULL);
	snprintf(path, sizeof path, "%s/%s", c->w->root, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return send_error(c, 404, _("no such page"), NULL);
	char *buf = malloc(STATIC_MAX);
	size_t n = buf ? fread(buf, 1, STATIC_MAX, f) : 0;
	fclose(f);
	if (!buf)
		return MHD_NO;
	enum MHD_Result rc = send_buf(c, 200, type, buf, n, NULL);
	free(buf);
	return rc;
}

/* ---- the handler ------------------------------------------------------------ */

/* Accept-Language: English when the browser lists it before French */
static int prefers_english(struct MHD_Connection *conn)
{
	const char *al = lib.MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Language");
	for (const char *p = al; p && *p;) {
		p += strspn(p, " ,");
		if (strncasecmp(p, "en", 2) == 0 && (p[2] == 0 || strchr(",;-_ ", p[2])))
			return 1;
		if (strncasecmp(p, "fr", 2) == 0 && (p[2] == 0 || strchr(",;-_ ", p[2])))
			return 0;
		p += strcspn(p, ",");
	}
	return 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct web *w = cls;
	struct req *rq = *con_cls;
	(void)version;
	if (!rq) {
		if (!(rq = calloc(1, sizeof *rq)))
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*size) {
		/* bodies are bounded: what passes the bound is dropped, and the
		 * request refused once it ended */
		if (rq->len + *size > WEB_BODY_MAX) {
			rq->too_large = 1;
		} else if (!rq->too_large) {
			char *nb = realloc(rq->body, rq->len + *size + 1);
			if (!nb)
				return MHD_NO;
			memcpy(nb + rq->len, data, *size);
			rq->len += *size;
			nb[rq->len] = 0;
			rq->body = nb;
		}
		*size = 0;
		return MHD_YES;
	}
	struct call c = {.w = w, .conn = conn, .method = method};
	c.lang_en = prefers_english(conn);
	/* messages: French (with UTF-8 text) or the English of the sources */
	locale_t old = uselocale(i18n_locale(c.lang_en ? "en" : "fr"));
	enum MHD_Result rc;
	if (strncmp(url, "/api/", 5) == 0)
		rc = api(&c, url, rq);
	else if (strncmp(url, "/ical/", 6) == 0)
		rc = ical_feed(&c, url);
	else if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		rc = send_error(&c, 405, _("this method is not allowed here"), NULL);
	else
		rc = static_file(&c, url);
	session_put(w, c.se);
	uselocale(old);
	return rc;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct req *rq = *con_cls;
	if (rq) {
		if (rq->body)
			sodium_memzero(rq->body, rq->len); /* it may hold a password */
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---- start and stop --------------------------------------------------------- */

/* web_root, else web/ beside bin/ in a build tree, else the installed one */
static void find_root(struct web *w, const char *root)
{
	char exe[PATH_MAX - 16], probe[PATH_MAX + 32];
	struct stat st;
	if (root && *root) {
		snprintf(w->root, sizeof w->root, "%s", root);
		return;
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(probe, sizeof probe, "%s/../web/index.html", exe);
			if (stat(probe, &st) == 0) {
				snprintf(w->root, sizeof w->root, "%s/../web", exe);
				return;
			}
		}
	}
	snprintf(w->root, sizeof w->root, "%s", WEBDIR);
}

/* ---- TLS (web_tls_cert, web_tls_key) ---------------------------------------- */

#define TLS_FILE_MAX (1 << 20)

/* The whole of a PEM file, NUL-terminated, malloc'd; NULL with why. */
static char *pem_read(const char *what, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set("%s %s cannot be read (%s): give a PEM file mutuad may read", what, path,
			strerror(errno));
		return NULL;
	}
	char *buf = malloc(TLS_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, TLS_FILE_MAX + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad || n > TLS_FILE_MAX || n == 0) {
		free(buf);
		err_set("%s %s is %s: give a PEM file", what, path,
			!buf ? "too much for memory" : bad ? "unreadable" : n ? "larger than 1 MiB"
										: "empty");
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Reads and checks both files: 0 with *cert and *key malloc'd, or -1. */
static int tls_load(const char *cert_path, const char *key_path, char **cert, char **key)
{
	size_t clen = 0, klen = 0;
	int rc;
	*cert = *key = NULL;
	if (!cert_path || !*cert_path || !key_path || !*key_path)
		return err_set("web_tls_cert and web_tls_key go together: set both in mutua.conf, "
			       "or neither");
	if (lib_load())
		return -1;
	if (lib.MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return err_set("this libmicrohttpd has no TLS: remove web_tls_cert and web_tls_key "
			       "and serve the page behind a TLS proxy (web_secure = on)");
	if (!(*cert = pem_read("web_tls_cert", cert_path, &clen)) ||
	    !(*key = pem_read("web_tls_key", key_path, &klen)))
		goto bad;
	gnutls_datum_t cd = {(unsigned char *)*cert, (unsigned)clen};
	gnutls_datum_t kd = {(unsigned char *)*key, (unsigned)klen};
	gnutls_x509_crt_t *crts = NULL;
	unsigned ncrt = 0;
	rc = lib.gnutls_x509_crt_list_import2(&crts, &ncrt, &cd, GNUTLS_X509_FMT_PEM, 0);
	for (unsigned i = 0; rc >= 0 && i < ncrt; i++)
		lib.gnutls_x509_crt_deinit(crts[i]);
	lib.gnutls_free_fn(crts);
	if (rc < 0) {
		err_set("web_tls_cert %s is not a PEM certificate (%s): give the certificate "
			"chain, e.g. fullchain.pem", cert_path, lib.gnutls_strerror(rc));
		goto bad;
	}
	gnutls_x509_privkey_t pk;
	if ((rc = lib.gnutls_x509_privkey_init(&pk)) >= 0) {
		rc = lib.gnutls_x509_privkey_import2(pk, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
		lib.gnutls_x509_privkey_deinit(pk);
	}
	if (rc < 0) {
		err_set("web_tls_key %s is not a PEM private key without a passphrase (%s): give "
			"the certificate's key, e.g. privkey.pem", key_path,
			lib.gnutls_strerror(rc));
		goto bad;
	}
	gnutls_certificate_credentials_t cr;
	if ((rc = lib.gnutls_certificate_allocate_credentials(&cr)) >= 0) {
		rc = lib.gnutls_certificate_set_x509_key_mem2(cr, &cd, &kd, GNUTLS_X509_FMT_PEM,
							      NULL, 0);
		lib.gnutls_certificate_free_credentials(cr);
	}
	if (rc < 0) {
		err_set("web_tls_key %s does not go with web_tls_cert %s (%s): give the key of "
			"that certificate", key_path, cert_path, lib.gnutls_strerror(rc));
		goto bad;
	}
	return 0;
bad:
	if (*key)
		sodium_memzero(*key, strlen(*key));
	free(*cert);
	free(*key);
	*cert = *key = NULL;
	return -1;
}

int web_tls_check(const char *cert_path, const char *key_path)
{
	char *cert, *key;
	if (tls_load(cert_path, key_path, &cert, &key))
		return -1;
	sodium_memzero(key, strlen(key));
	free(cert);
	free(key);
	return 0;
}

static int listen_addr(const char *spec, struct sockaddr_in *sa)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = {0}, *res = NULL;
	if (!colon || (size_t)(colon - spec) >= sizeof host)
		return err_set("web_listen must be HOST:PORT, not '%s'", spec);
	snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc)
		return err_set("web_listen '%s': %s", spec, gai_strerror(rc));
	memcpy(sa, res->ai_addr, sizeof *sa);
	freeaddrinfo(res);
	return 0;
}

struct web *web_start(const struct web_config *cfg, const struct key *member_key,
		      const uint8_t member[KEY_ID_BYTES])
{
	struct sockaddr_in sa;
	if (listen_addr(cfg->listen, &sa) || lib_load())
		return NULL;
	struct web *w = calloc(1, sizeof *w);
	if (!w) {
		err_set("out of memory");
		return NULL;
	}
	w->cfg = *cfg;
	if (w->cfg.idle_ms <= 0)
		w->cfg.idle_ms = WEB_IDLE_MS;
	if (w->cfg.audit_wait_ms < 0 || w->cfg.audit_wait_ms > 60000)
		w->cfg.audit_wait_ms = AUDIT_WAIT_MS;
	snprintf(w->store_path, sizeof w->store_path, "%s", cfg->store_path);
	snprintf(w->listen, sizeof w->listen, "%s", cfg->listen);
	w->cfg.store_path = w->store_path;
	w->cfg.listen = w->listen;
	w->cfg.root = NULL;
	find_root(w, cfg->root);
	w->member_key = member_key;
	memcpy(w->member, member, KEY_ID_BYTES);
	pthread_mutex_init(&w->mu, NULL);
	/* the ledger's refusals also in the reader's language (err_msg_local),
	 * rendered in the request's own locale whatever the daemon's */
	err_localise(1);
	int tls = (cfg->tls_cert && *cfg->tls_cert) || (cfg->tls_key && *cfg->tls_key);
	w->cfg.tls_cert = w->cfg.tls_key = NULL;
	if (tls && tls_load(cfg->tls_cert, cfg->tls_key, &w->tls_cert, &w->tls_key)) {
		web_stop(&w);
		return NULL;
	}
	if (tls)
		w->cfg.secure = 1; /* the cookie never leaves TLS */
	/* with TLS, the certificate and key in memory (an array that ends at
	 * once without TLS) */
	struct MHD_OptionItem tls_opts[] = {
		{tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, w->tls_cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, w->tls_key},
		{MHD_OPTION_END, 0, NULL},
	};
	w->mhd = lib.MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | (tls ? MHD_USE_TLS : 0), 0, NULL,
		NULL, handle, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_ARRAY,
		tls_opts, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned)(cfg->threads > 0 ? cfg->threads : 2), MHD_OPTION_NOTIFY_COMPLETED,
		completed, w, MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)(64 * 1024), MHD_OPTION_END);
	if (!w->mhd) {
		err_set("cannot serve the web page on %s: %s", cfg->listen,
			errno ? strerror(errno) : "libmicrohttpd refused");
		web_stop(&w);
		return NULL;
	}
	log_msg(LOG_INFO, "web page on %s://%s/ (files in %s)", tls ? "https" : "http",
		cfg->listen, w->root);
	return w;
}

void web_stop(struct web **wp)
{
	struct web *w = wp ? *wp : NULL;
	if (!w)
		return;
	if (w->mhd)
		lib.MHD_stop_daemon(w->mhd); /* joins its threads */
	for (int i = 0; i < w->nstores; i++)
		store_close(&w->stores[i]);
	for (int i = 0; i < WEB_SESSIONS_MAX; i++)
		if (w->sessions[i])
			session_free(w->sessions[i]);
	if (w->tls_key)
		sodium_memzero(w->tls_key, strlen(w->tls_key));
	free(w->tls_cert);
	free(w->tls_key);
	pthread_mutex_destroy(&w->mu);
	free(w);
	*wp = NULL;
}
