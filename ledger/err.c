/* err.c - the one-line reason a failed call leaves for its caller (err.h). */
#include "err.h"
#include "i18n.h"

#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_MAX 512
#define ERR_ARGS 16

static _Thread_local char err_buf[ERR_MAX];
static _Thread_local char err_loc[ERR_MAX];
static int localise;

/* The last reasons composed by err_fmt or left by err_set, each with its
 * rendering in the reader's language: a composed reason quoted later as an
 * argument (or shown by err_local) is found here by its English text. */
#define SEEN_MAX 16
static _Thread_local struct seen {
	locale_t in; /* the thread's locale it was rendered in (uselocale) */
	char en[ERR_MAX], loc[ERR_MAX];
} seen[SEEN_MAX];
static _Thread_local unsigned seen_next;

static void seen_put(const char *en, const char *loc)
{
	if (!en[0] || !loc[0] || strcmp(en, loc) == 0)
		return;
	struct seen *e = &seen[seen_next++ % SEEN_MAX];
	e->in = uselocale((locale_t)0);
	snprintf(e->en, sizeof e->en, "%s", en);
	snprintf(e->loc, sizeof e->loc, "%s", loc);
}

static const char *seen_get(const char *en)
{
	/* the newest first, in the language the thread speaks now (the web
	 * server's threads answer each request in its reader's) */
	locale_t now = uselocale((locale_t)0);
	for (unsigned i = 1; i <= SEEN_MAX; i++) {
		const struct seen *e = &seen[(seen_next - i) % SEEN_MAX];
		if (e->en[0] && e->in == now && strcmp(e->en, en) == 0)
			return e->loc;
	}
	return NULL;
}

void err_localise(int on)
{
	localise = on;
}

/* The formats of the ledger's reasons (err_set, err_fmt, the reasons'
 * constants), taken from the sources at build time (Makefile): a reason
 * read back from the store (an act's verdict, a refusal folded by another
 * process) is recognised by its format and shown translated. */
static const char *const reason_formats[] = {
#include "err_formats.h"
};

static const char *recognised(const char *en, int depth);

/* ---- the reason in the reader's language ------------------------------
 * The translated format may put the arguments in another order ("%2$s"),
 * and a string argument may itself be a reason of the ledger (a constant
 * of lending.h, refusal.h...) that the catalogue holds: so the arguments
 * are taken once, by the types the English format gives them, then the
 * translated format is rendered piece by piece. */

enum arg_kind { K_INT, K_LONG, K_LLONG, K_SIZE, K_INTMAX, K_PTRDIFF, K_DOUBLE, K_LDOUBLE,
		K_STR, K_PTR };

struct arg {
	enum arg_kind kind;
	int reason; /* a string where a reason stands: after ": ", or alone */
	union {
		int i;
		long l;
		long long ll;
		size_t z;
		intmax_t j;
		ptrdiff_t t;
		double d;
		long double ld;
		const char *s;
		void *p;
	} v;
};

/* One conversion after its '%': its position (0: the next), whether width
 * and precision are '*', its length modifier and conversion letter. */
struct conv {
	int pos, star_w, star_p;
	char len[3], letter;
	const char *start, *end; /* the spec, '%' excluded, without "N$" */
};

static const char *conv_parse(const char *f, struct conv *c)
{
	memset(c, 0, sizeof *c);
	const char *p = f;
	if (*p >= '1' && *p <= '9') {
		const char *q = p;
		int n = 0;
		while (*q >= '0' && *q <= '9')
			n = n * 10 + (*q++ - '0');
		if (*q == '$') {
			c->pos = n;
			p = q + 1;
		}
	}
	c->start = p;
	while (*p && strchr("-+ #0'I", *p))
		p++;
	if (*p == '*') {
		c->star_w = 1;
		p++;
	}
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p == '*') {
			c->star_p = 1;
			p++;
		}
		while (*p >= '0' && *p <= '9')
			p++;
	}
	size_t l = 0;
	while (*p && strchr("hlLqjzt", *p) && l < 2)
		c->len[l++] = *p++;
	c->letter = *p;
	if (!*p)
		return NULL;
	c->end = p + 1;
	return p + 1;
}

static enum arg_kind conv_kind(const struct conv *c)
{
	switch (c->letter) {
	case 's':
		return K_STR;
	case 'p':
		return K_PTR;
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
		return c->len[0] == 'L' ? K_LDOUBLE : K_DOUBLE;
	default:
		break;
	}
	if (c->len[0] == 'l' && c->len[1] == 'l')
		return K_LLONG;
	if (c->len[0] == 'q' || c->len[0] == 'L')
		return K_LLONG;
	if (c->len[0] == 'l')
		return K_LONG;
	if (c->len[0] == 'z')
		return K_SIZE;
	if (c->len[0] == 'j')
		return K_INTMAX;
	if (c->len[0] == 't')
		return K_PTRDIFF;
	return K_INT;
}

/* Takes the arguments of the English format: 0, or -1 when the format is
 * one this renderer does not follow (then the caller keeps English). */
static int args_take(const char *fmt, va_list ap, struct arg *args, int *nargs)
{
	int n = 0;
	for (const char *f = fmt; (f = strchr(f, '%'));) {
		if (f[1] == '%') {
			f += 2;
			continue;
		}
		struct conv c;
		int after_colon = f - fmt >= 2 && f[-2] == ':' && f[-1] == ' ';
		if (!(f = conv_parse(f + 1, &c)) || c.pos || c.letter == 'n' ||
		    n + c.star_w + c.star_p + 1 > ERR_ARGS)
			return -1;
		if (c.star_w)
			args[n++] = (struct arg){.kind = K_INT, .v.i = va_arg(ap, int)};
		if (c.star_p)
			args[n++] = (struct arg){.kind = K_INT, .v.i = va_arg(ap, int)};
		struct arg *a = &args[n++];
		/* a reason stands after ": ", alone, or first before ": " */
		a->reason = after_colon || strcmp(fmt, "%s") == 0 ||
			    (f - fmt == 2 && f[0] == ':' && f[1] == ' ');
		switch ((a->kind = conv_kind(&c))) {
		case K_INT: a->v.i = va_arg(ap, int); break;
		case K_LONG: a->v.l = va_arg(ap, long); break;
		case K_LLONG: a->v.ll = va_arg(ap, long long); break;
		case K_SIZE: a->v.z = va_arg(ap, size_t); break;
		case K_INTMAX: a->v.j = va_arg(ap, intmax_t); break;
		case K_PTRDIFF: a->v.t = va_arg(ap, ptrdiff_t); break;
		case K_DOUBLE: a->v.d = va_arg(ap, double); break;
		case K_LDOUBLE: a->v.ld = va_arg(ap, long double); break;
		case K_STR: a->v.s = va_arg(ap, const char *); break;
		case K_PTR: a->v.p = va_arg(ap, void *); break;
		}
	}
	*nargs = n;
	return 0;
}

/* A string argument as the reader reads it: where a reason stands (after
 * ": ", alone, or first before ": "), a sentence (it has a space) composed
 * before (by err_fmt or err_set: seen) as it was rendered then, or that
 * the catalogue holds, translated; anything else (a name, a title, an id)
 * as it is. */
static const char *arg_text(const struct arg *a)
{
	if (!a->v.s)
		return "(null)";
	if (!a->reason || !strchr(a->v.s, ' '))
		return a->v.s;
	const char *loc = seen_get(a->v.s), *t;
	if (loc)
		return loc;
	if ((t = _(a->v.s)) != a->v.s)
		return t;
	return (loc = recognised(a->v.s, 0)) ? loc : a->v.s;
}

/* Renders the translated format tfmt with the arguments taken: 0, or -1
 * when it does not fit them (then the caller keeps English). */
static int render(char *out, size_t size, const char *tfmt, const struct arg *args, int nargs)
{
	size_t o = 0;
	int next = 0;
	out[0] = 0;
	for (const char *f = tfmt; *f;) {
		const char *pc = strchr(f, '%');
		size_t lit = pc ? (size_t)(pc - f) : strlen(f);
		if (o + lit >= size)
			lit = size - 1 - o;
		memcpy(out + o, f, lit);
		o += lit;
		out[o] = 0;
		if (!pc)
			break;
		if (pc[1] == '%') {
			if (o + 1 < size)
				out[o++] = '%', out[o] = 0;
			f = pc + 2;
			continue;
		}
		struct conv c;
		if (!(f = conv_parse(pc + 1, &c)))
			return -1;
		int w = 0, p = 0;
		if (c.star_w) {
			if (next >= nargs || args[next].kind != K_INT)
				return -1;
			w = args[next++].v.i;
		}
		if (c.star_p) {
			if (next >= nargs || args[next].kind != K_INT)
				return -1;
			p = args[next++].v.i;
		}
		int k = c.pos ? c.pos - 1 : next++;
		if (k < 0 || k >= nargs || args[k].kind != conv_kind(&c))
			return -1;
		/* the spec without its position, '*' as the numbers taken */
		char spec[32], piece[ERR_MAX];
		size_t sl = 0;
		spec[sl++] = '%';
		for (const char *q = c.start; q < c.end && sl < sizeof spec - 12; q++) {
			if (*q == '*')
				sl += (size_t)snprintf(spec + sl, sizeof spec - sl, "%d",
						       q > c.start && q[-1] == '.' ? p : w);
			else
				spec[sl++] = *q;
		}
		spec[sl] = 0;
		const struct arg *a = &args[k];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		switch (a->kind) {
		case K_INT: snprintf(piece, sizeof piece, spec, a->v.i); break;
		case K_LONG: snprintf(piece, sizeof piece, spec, a->v.l); break;
		case K_LLONG: snprintf(piece, sizeof piece, spec, a->v.ll); break;
		case K_SIZE: snprintf(piece, sizeof piece, spec, a->v.z); break;
		case K_INTMAX: snprintf(piece, sizeof piece, spec, a->v.j); break;
		case K_PTRDIFF: snprintf(piece, sizeof piece, spec, a->v.t); break;
		case K_DOUBLE: snprintf(piece, sizeof piece, spec, a->v.d); break;
		case K_LDOUBLE: snprintf(piece, sizeof piece, spec, a->v.ld); break;
		case K_STR: snprintf(piece, sizeof piece, spec, arg_text(a)); break;
		case K_PTR: snprintf(piece, sizeof piece, spec, a->v.p); break;
		}
#pragma GCC diagnostic pop
		size_t pl = strlen(piece);
		if (o + pl >= size)
			pl = size - 1 - o;
		memcpy(out + o, piece, pl);
		o += pl;
		out[o] = 0;
	}
	return 0;
}

/* Replaces in loc the first copy of what (the previous English reason,
 * quoted by the new one as an argument) by its translation. */
static void requote(char *loc, const char *what, const char *with)
{
	size_t wl = strlen(what), nl = strlen(with);
	char *at = wl >= 8 ? strstr(loc, what) : NULL;
	if (!at || strcmp(what, with) == 0)
		return;
	char out[ERR_MAX];
	snprintf(out, sizeof out, "%.*s%.*s%s", (int)(at - loc), loc, (int)nl, with, at + wl);
	memcpy(loc, out, ERR_MAX);
}

/* Renders fmt in English (tmp) and, when localising, in the reader's
 * language (loc; "" when not localising). */
static void compose(char *tmp, char *loc, const char *fmt, va_list ap)
{
	if (localise) {
		struct arg args[ERR_ARGS];
		int nargs = 0;
		va_list aq;
		va_copy(aq, ap);
		vsnprintf(tmp, ERR_MAX, fmt, ap);
		const char *tfmt = _(fmt);
		/* the English format too: its arguments may be reasons to translate */
		int ok = args_take(fmt, aq, args, &nargs) == 0 &&
			 render(loc, ERR_MAX, tfmt, args, nargs) == 0;
		va_end(aq);
		if (!ok) /* as it is, but a quoted previous reason as it was read */
			memcpy(loc, tmp, ERR_MAX);
		if (err_buf[0])
			requote(loc, err_buf, err_loc[0] ? err_loc : err_buf);
		seen_put(tmp, loc);
	} else {
		vsnprintf(tmp, ERR_MAX, fmt, ap);
		loc[0] = 0;
	}
}

int err_set(const char *fmt, ...)
{
	/* through a copy: callers may pass err_msg() itself as an argument */
	char tmp[ERR_MAX], loc[ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	compose(tmp, loc, fmt, ap);
	va_end(ap);
	memcpy(err_buf, tmp, sizeof err_buf);
	memcpy(err_loc, loc, sizeof err_loc);
	return -1;
}

const char *err_msg(void)
{
	return err_buf[0] ? err_buf : "unknown error";
}

const char *err_msg_local(void)
{
	if (!err_buf[0])
		return _("unknown error");
	return err_loc[0] ? err_loc : err_buf;
}

char *err_fmt(char *buf, size_t n, const char *fmt, ...)
{
	char tmp[ERR_MAX], loc[ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	compose(tmp, loc, fmt, ap);
	va_end(ap);
	if (n)
		snprintf(buf, n, "%s", tmp);
	return buf;
}

const char *err_local(const char *reason)
{
	if (!reason)
		return "";
	if (!localise || !strchr(reason, ' '))
		return reason;
	const char *loc = seen_get(reason), *t;
	if (loc)
		return loc;
	if ((t = _(reason)) != reason)
		return t;
	return (loc = recognised(reason, 0)) ? loc : reason;
}

int err_vrender(char *out, size_t n, const char *fmt, va_list ap)
{
	struct arg args[ERR_ARGS];
	int nargs = 0;
	if (!localise || !n || args_take(fmt, ap, args, &nargs) ||
	    render(out, n, _(fmt), args, nargs))
		return -1;
	if (err_buf[0] && err_loc[0] && n >= ERR_MAX)
		requote(out, err_buf, err_loc);
	return 0;
}

/* ---- a reason recognised by its format --------------------------------
 * The English text is matched against each format (a string conversion
 * takes the shortest text that lets the rest match, a number its digits),
 * then the translated format is rendered with the pieces taken, a piece
 * where a reason stands translated in turn. */

#define PIECES_MAX 8
#define DEPTH_MAX 3

struct piece {
	const char *at;
	size_t len;
	int reason, star; /* star: a '*' argument, not printed */
};

static int match(const char *fmt, const char *f, const char *t, struct piece *p, int n)
{
	for (;;) {
		if (!*f)
			return *t ? -1 : n;
		if (*f != '%' || f[1] == '%') {
			if (*t != *f)
				return -1;
			f += *f == '%' ? 2 : 1;
			t++;
			continue;
		}
		struct conv c;
		int after_colon = f - fmt >= 2 && f[-2] == ':' && f[-1] == ' ';
		const char *next = conv_parse(f + 1, &c);
		if (!next || c.pos || n + c.star_w + c.star_p + 1 > PIECES_MAX)
			return -1;
		int first = f == fmt && next[0] == ':' && next[1] == ' ';
		for (int k = 0; k < c.star_w + c.star_p; k++)
			p[n++] = (struct piece){.star = 1};
		struct piece *pc = &p[n];
		pc->at = t;
		pc->star = 0;
		pc->reason = after_colon || first || strcmp(fmt, "%s") == 0;
		size_t most = strlen(t);
		if (c.letter == 's') {
			/* the shortest that lets the rest match */
			for (size_t l = 0; l <= most; l++) {
				if (*next && *next != '%' && t[l] != *next)
					continue;
				pc->len = l;
				int r = match(fmt, next, t + l, p, n + 1);
				if (r >= 0)
					return r;
			}
			return -1;
		}
		if (!strchr("diuxX", c.letter))
			return -1;
		size_t l = *t == '-' ? 1 : 0;
		while (t[l] && strchr("0123456789abcdefABCDEF", t[l]) &&
		       (strchr("xX", c.letter) || (t[l] >= '0' && t[l] <= '9')))
			l++;
		if (l == 0 || (l == 1 && *t == '-'))
			return -1;
		pc->len = l;
		f = next;
		t += l;
		n++;
	}
}

/* The translated format tf with the pieces: 0, or -1 when it does not fit */
static int render_pieces(char *out, size_t size, const char *tf, const struct piece *p, int n,
			 int depth)
{
	size_t o = 0;
	int next = 0;
	out[0] = 0;
	for (const char *f = tf; *f;) {
		if (*f != '%' || f[1] == '%') {
			if (o + 1 < size)
				out[o++] = *f, out[o] = 0;
			f += *f == '%' ? 2 : 1;
			continue;
		}
		struct conv c;
		const char *after = conv_parse(f + 1, &c);
		if (!after || (c.pos && (c.star_w || c.star_p)))
			return -1;
		next += c.star_w + c.star_p;
		int k = c.pos ? c.pos - 1 : next++;
		if (k < 0 || k >= n || p[k].star)
			return -1;
		char piece[ERR_MAX];
		snprintf(piece, sizeof piece, "%.*s", (int)p[k].len, p[k].at);
		const char *text = piece;
		if (p[k].reason && strchr(piece, ' ')) {
			const char *t = _(piece);
			const char *r = t != piece ? t : recognised(piece, depth + 1);
			if (r)
				text = r;
		}
		size_t tl = strlen(text);
		if (o + tl >= size)
			tl = size - 1 - o;
		memcpy(out + o, text, tl);
		o += tl;
		out[o] = 0;
		f = after;
	}
	return 0;
}

static _Thread_local char recognised_buf[DEPTH_MAX + 1][ERR_MAX];

static const char *recognised(const char *en, int depth)
{
	if (!localise || depth > DEPTH_MAX)
		return NULL;
	struct piece p[PIECES_MAX];
	for (size_t i = 0; i < sizeof reason_formats / sizeof reason_formats[0]; i++) {
		const char *fmt = reason_formats[i];
		/* what comes before its first conversion opens the text */
		size_t lead = strcspn(fmt, "%");
		if (strncmp(fmt, en, lead) != 0)
			continue;
		/* a format of words of its own, not one that takes anything */
		size_t words = 0;
		for (const char *q = fmt; *q; q++)
			words += (*q >= 'a' && *q <= 'z');
		if (words < 6)
			continue;
		int n = match(fmt, fmt, en, p, 0);
		if (n < 0)
			continue;
		const char *tf = _(fmt); /* after the match: a lookup costs more */
		if (tf == fmt)
			continue;
		char out[ERR_MAX];
		if (render_pieces(out, sizeof out, tf, p, n, depth) == 0) {
			memcpy(recognised_buf[depth], out, ERR_MAX);
			return recognised_buf[depth];
		}
	}
	return NULL;
}
