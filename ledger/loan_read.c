/* loan_read.c - a loan and an offer as a command needs them (loan_read.h). */
#include "loan_read.h"
#include "util.h"
#include "view.h"

#include <string.h>

/* Column col of r's current row into out (cap bytes): NULL reads as "";
 * a value too long for its field is an error, never cut. */
static int copy_text(char *out, size_t cap, struct view_rows *r, int col, const char *what)
{
	const char *t = view_text(r, col);
	size_t n = t ? strlen(t) : 0;
	if (n >= cap)
		return err_set("stored %s is %zu bytes, more than %zu", what, n, cap - 1);
	memcpy(out, t ? t : "", n);
	out[n] = 0;
	return 0;
}

/* A 32-byte id column: 1 copied, 0 NULL or another length. */
static int copy_id(uint8_t out[32], struct view_rows *r, int col)
{
	size_t len;
	const void *b = view_blob(r, col, &len);
	if (!b || len != 32)
		return 0;
	memcpy(out, b, 32);
	return 1;
}

/* Runs v over the row with this id, then fill on it: 1, 0 no row, -1. */
static int read_one(struct store *s, const struct view *v, const uint8_t id[32],
		    int (*fill)(struct view_rows *r, void *out), void *out)
{
	struct view_arg a[] = {VIEW_ID(id)};
	struct view_rows *r = view_open(s, v, a, 1, 0);
	if (!r)
		return -1;
	int rc = view_next(r);
	if (rc == 1 && fill(r, out))
		rc = -1;
	view_close(&r);
	return rc;
}

static const struct view offer_row = {
	"offer",
	"SELECT r.owner, m.name, r.kind, r.unit, r.status, r.title, r.location,"
	" r.description, r.capacity, r.rate, r.auto_accept, r.conditions, r.requires,"
	" r.deposit FROM resources r JOIN members m ON m.id = r.owner WHERE r.id = ?1"};

static int fill_offer(struct view_rows *r, void *arg)
{
	struct offer_info *o = arg;
	if (!copy_id(o->owner, r, 0))
		return err_set("stored offer has no valid owner");
	if (copy_text(o->owner_name, sizeof o->owner_name, r, 1, "member name") ||
	    copy_text(o->kind, sizeof o->kind, r, 2, "kind") ||
	    copy_text(o->unit, sizeof o->unit, r, 3, "unit") ||
	    copy_text(o->status, sizeof o->status, r, 4, "offer status") ||
	    copy_text(o->title, sizeof o->title, r, 5, "title") ||
	    copy_text(o->location, sizeof o->location, r, 6, "location") ||
	    copy_text(o->description, sizeof o->description, r, 7, "description") ||
	    copy_text(o->conditions, sizeof o->conditions, r, 11, "conditions") ||
	    copy_text(o->requires, sizeof o->requires, r, 12, "requirements"))
		return -1;
	o->deposit = view_int(r, 13);
	o->capacity = view_int(r, 8);
	o->rate = view_int(r, 9);
	o->auto_accept = (int)view_int(r, 10);
	return 0;
}

int loan_read_offer(struct store *s, const uint8_t id[32], struct offer_info *out)
{
	uint8_t key[32];
	memcpy(key, id, 32); /* id may be out->id */
	memset(out, 0, sizeof *out);
	memcpy(out->id, key, 32);
	return read_one(s, &offer_row, key, fill_offer, out);
}
