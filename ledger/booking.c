/* booking.c - the booking rule (booking.h), and the owner's blocks.
 *
 * A block (an entry of the owner's feed) holds quantity of a resource
 * over its slot for the owner's own use or maintenance, like an accepted
 * loan, until an unblock of the owner's names it. Both are folded as they
 * come (blocks, unblocks) and judged where they are read (the view
 * held_blocks): a block counts when its author is the resource's owner,
 * neither it nor the unblock is backdated, and no unblock of the owner
 * lifts it - so the blocks counted are the same whatever order entries of
 * different feeds arrive in (a hostile member's block of someone else's
 * resource, or unblock of someone else's block, counts for nothing on
 * every node, and the audit names it). Whether a block would cover an
 * accepted loan depends on the borrower's feed too (a cancel), so it is
 * left to the owner's node (booking_block_append refuses it) and to the
 * audit's over-booking sweep, as an accept beyond capacity is. */
#include "booking.h"
#include "governance.h"
#include "ignored.h"
#include "lending.h"
#include "loan.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A place in a member's feed order held in column i (resources.withdrawn):
 * INT64_MAX when NULL, as booking_withdrawn takes it. */
int64_t booking_column_place(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(st, i);
}

const char *booking_withdrawn(int64_t withdrawn, int64_t position)
{
	return withdrawn < position ? "the resource is withdrawn" : NULL;
}

struct span {
	int64_t start, end, q;
	uint8_t id[32];
	int block;
};

static int span_edge_cmp(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	/* by time; at one instant ends (-q) before starts (+q): [a, b) */
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

/* The most quantity in use at any instant of [start, end) by holding loans
 * and held blocks of resource other than skip; *peak_loan names one loan
 * or block in use then, *peak_block says which. */
static int64_t peak_use(struct store *s, const uint8_t *resource, int64_t start,
			int64_t end, const uint8_t *skip, uint8_t *peak_loan, int *has_peak,
			int *peak_block)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, start_ms, end_ms, quantity, 0 FROM loans"
					 " WHERE resource = ?1 AND mutua_holds(state)"
					 " AND start_ms < ?2 AND end_ms > ?3"
					 " UNION ALL SELECT id, start_ms, end_ms, quantity, 1"
					 " FROM held_blocks WHERE resource = ?1"
					 " AND start_ms < ?2 AND end_ms > ?3");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, end);
	sqlite3_bind_int64(st, 3, start);
	size_t n = 0, cap = 0;
	struct span *sp = NULL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (skip && memcmp(sqlite3_column_blob(st, 0), skip, 32) == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			void *more = realloc(sp, cap * sizeof *sp);
			if (!more) {
				free(sp);
				sqlite3_reset(st);
				return err_set("out of memory");
			}
			sp = more;
		}
		memcpy(sp[n].id, sqlite3_column_blob(st, 0), 32);
		sp[n].start = sqlite3_column_int64(st, 1) < start ? start : sqlite3_column_int64(st, 1);
		sp[n].end = sqlite3_column_int64(st, 2) > end ? end : sqlite3_column_int64(st, 2);
		sp[n].q = sqlite3_column_int64(st, 3);
		sp[n].block = sqlite3_column_int(st, 4);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(sp);
		return store_db_error(s);
	}
	/* sweep: edges (time, delta, index) */
	int64_t (*edge)[3] = malloc((2 * n + 1) * sizeof *edge), use = 0, peak = 0;
	if (!edge) {
		free(sp);
		return err_set("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		edge[2 * i][0] = sp[i].start;
		edge[2 * i][1] = sp[i].q;
		edge[2 * i][2] = (int64_t)i;
		edge[2 * i + 1][0] = sp[i].end;
		edge[2 * i + 1][1] = -sp[i].q;
		edge[2 * i + 1][2] = (int64_t)i;
	}
	qsort(edge, 2 * n, sizeof *edge, span_edge_cmp);
	*has_peak = 0;
	if (peak_block)
		*peak_block = 0;
	for (size_t i = 0; i < 2 * n; i++) {
		use += edge[i][1];
		if (use > peak) {
			peak = use;
			if (peak_loan)
				memcpy(peak_loan, sp[edge[i][2]].id, 32);
			if (peak_block)
				*peak_block = sp[edge[i][2]].block;
			*has_peak = 1;
		}
	}
	free(edge);
	free(sp);
	return peak;
}

int booking_fits(struct store *s, const uint8_t resource[32], int64_t start, int64_t end,
		 int64_t quantity, int64_t capacity, const uint8_t *skip, char *why, size_t n,
		 uint8_t conflict[32])
{
	if (quantity > capacity) {
		err_fmt(why, n, "quantity %lld is above the resource's capacity %lld",
			 (long long)quantity, (long long)capacity);
		return 0;
	}
	int has, block;
	int64_t peak = peak_use(s, resource, start, end, skip, conflict, &has, &block);
	if (peak < 0)
		return -1;
	if (peak + quantity <= capacity)
		return 1;
	char hex[HEX_ID_LEN + 1];
	hex_encode(hex, conflict, 32);
	if (block)
		err_fmt(why, n, "conflict: the slot would exceed capacity %lld (%lld in use by "
			"the owner's blocks such as %.12s)", (long long)capacity, (long long)peak,
			hex);
	else
		err_fmt(why, n, "conflict: the slot would exceed capacity %lld (%lld in use by "
			"loans such as %.12s)", (long long)capacity, (long long)peak, hex);
	return 0;
}

int64_t booking_free(struct store *s, const uint8_t resource[32], int64_t start, int64_t end)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT capacity, withdrawn FROM resources WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : store_db_error(s);
	}
	int64_t cap = sqlite3_column_int64(st, 0);
	int64_t withdrawn = booking_column_place(st, 1);
	sqlite3_reset(st);
	if (booking_withdrawn(withdrawn, INT64_MAX))
		return 0;
	int has;
	int64_t peak = peak_use(s, resource, start, end, NULL, NULL, &has, NULL);
	if (peak < 0)
		return -1;
	return cap > peak ? cap - peak : 0;
}

int booking_check(struct store *s, const uint8_t request[32], const uint8_t *by,
		  struct booking_check *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s,
		"SELECT l.resource, l.start_ms, l.end_ms, l.quantity, l.state, l.borrower,"
		" r.capacity, r.owner, r.withdrawn FROM loans l"
		" LEFT JOIN resources r ON r.id = l.resource WHERE l.id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, request, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return store_db_error(s);
		snprintf(out->why, sizeof out->why, "no such request");
		return 0;
	}
	uint8_t resource[32], borrower[32];
	memcpy(resource, sqlite3_column_blob(st, 0), 32);
	int64_t start = sqlite3_column_int64(st, 1), end = sqlite3_column_int64(st, 2);
	int64_t q = sqlite3_column_int64(st, 3), cap = sqlite3_column_int64(st, 6);
	char state[32];
	snprintf(state, sizeof state, "%s", sqlite3_column_text(st, 4));
	memcpy(borrower, sqlite3_column_blob(st, 5), 32);
	int known = sqlite3_column_bytes(st, 7) == 32;
	enum loan_party party = !by || (known && memcmp(sqlite3_column_blob(st, 7), by, 32) == 0)
				? LOAN_OWNER : memcmp(borrower, by, 32) == 0 ? LOAN_BORROWER
				: LOAN_OTHER;
	int64_t withdrawn = booking_column_place(st, 8);
	sqlite3_reset(st);

	if (!known) {
		snprintf(out->why, sizeof out->why, "the resource is unknown to this node");
		return 0;
	}
	enum loan_state ls;
	if (loan_state_parse(state, &ls))
		return -1;
	const char *refused = loan_step_check(ls, LOAN_ACCEPT, party, NULL);
	if (refused) {
		snprintf(out->why, sizeof out->why, "%s", refused);
		return 0;
	}
	/* an accept appended now follows every entry of the owner's feed */
	const char *gone = booking_withdrawn(withdrawn, INT64_MAX);
	if (gone) {
		snprintf(out->why, sizeof out->why, "%s", gone);
		return 0;
	}
	/* the request confirms the offer's terms as they stand now (loan.h) */
	int err;
	const char *terms = lending_terms_refusal(s, request, INT64_MAX, out->why,
						  sizeof out->why, &err);
	if (err < 0)
		return -1;
	if (terms)
		return 0;
	int fits = booking_fits(s, resource, start, end, q, cap, request, out->why,
				sizeof out->why, out->conflict);
	if (fits < 0)
		return -1;
	if (!fits) {
		out->has_conflict = q <= cap;
		return 0;
	}
	int64_t limit;
	if (governance_param_get(s, "credit-limit", &limit))
		return -1;
	if (limit > 0) {
		int64_t bal, com;
		if (lending_balance(s, borrower, &bal, NULL) ||
		    lending_committed(s, borrower, request, &com))
			return -1;
		int64_t after = bal - com;
		if (after < -limit) {
			char a[32], l[32];
			amount_format(a, after);
			amount_format(l, -limit);
			out->credit = 1;
			snprintf(out->why, sizeof out->why,
				 "credit limit: the borrower's balance would reach %s, below %s", a, l);
			return 0;
		}
	}
	return 1;
}

int booking_can_accept(struct store *s, const uint8_t request[32], struct booking_check *out)
{
	return booking_check(s, request, NULL, out);
}

/* ---- blocks ----------------------------------------------------------- */

int booking_fold(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	sqlite3_stmt *st;
	if (b->payload_case == MUTUA__BODY__PAYLOAD_UNBLOCK) {
		st = store_stmt(s, "INSERT OR IGNORE INTO unblocks(id, block, owner, author, seq)"
				   " VALUES (?, ?, ?, ?, ?)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, b->unblock->block.data, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, e->member, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, b->author.data, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)b->seq);
		return store_step_done(s, st);
	}
	if (b->payload_case != MUTUA__BODY__PAYLOAD_BLOCK)
		return err_set("not a block");
	const Mutua__Block *k = b->block;
	int64_t place = lending_member_seq(s, e);
	if (place < 0)
		return -1;
	st = store_stmt(s, "INSERT OR IGNORE INTO blocks(id, resource, owner, author, seq, place,"
			   " time, start_ms, end_ms, quantity, reason, note)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, k->resource.data, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, e->member, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, b->author.data, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)b->seq);
	sqlite3_bind_int64(st, 6, place);
	sqlite3_bind_int64(st, 7, b->time);
	sqlite3_bind_int64(st, 8, k->start);
	sqlite3_bind_int64(st, 9, k->end);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)k->quantity);
	sqlite3_bind_text(st, 11, entry_block_reason_name(k->reason), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, k->note ? k->note : "", -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

/* Why a block or an unblock counts for nothing, read from what the fold
 * holds: the one wording for store_append and the audit. */
#define BLOCK_WHY \
	"CASE WHEN r.id IS NULL THEN 'no such offer'" \
	" WHEN r.owner <> b.owner THEN 'only the owner can block this resource' END"
#define UNBLOCK_WHY \
	"CASE WHEN b.id IS NULL OR b.owner <> u.owner THEN 'no such block of this member'" \
	" WHEN EXISTS (SELECT 1 FROM unblocks v WHERE v.block = u.block AND v.owner = u.owner" \
	"  AND v.seq < u.seq) THEN 'the block is already lifted' END"
static const char block_why_sql[] =
	"SELECT " BLOCK_WHY " FROM blocks b LEFT JOIN resources r ON r.id = b.resource"
	" WHERE b.id = ?";
static const char unblock_why_sql[] =
	"SELECT " UNBLOCK_WHY " FROM unblocks u LEFT JOIN blocks b ON b.id = u.block"
	" WHERE u.id = ?";

const char booking_ignored_sql[] =
	"SELECT * FROM (SELECT b.owner, b.seq, 'block', lower(hex(b.resource)), " BLOCK_WHY
	" AS why FROM blocks b LEFT JOIN resources r ON r.id = b.resource"
	" UNION ALL SELECT u.owner, u.seq, 'unblock', lower(hex(u.block)), " UNBLOCK_WHY
	" FROM unblocks u LEFT JOIN blocks b ON b.id = u.block)"
	" WHERE why IS NOT NULL ORDER BY 1, 2";

int booking_refusal(struct store *s, const struct entry *e)
{
	int block = e->b->payload_case == MUTUA__BODY__PAYLOAD_BLOCK;
	if (!block && e->b->payload_case != MUTUA__BODY__PAYLOAD_UNBLOCK)
		return 0;
	return ignored_verdict(s, block ? block_why_sql : unblock_why_sql, e->id);
}

int booking_block_check(struct store *s, const uint8_t resource[32], int64_t start,
			int64_t end, int64_t quantity, char *why, size_t n)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT capacity, withdrawn FROM resources WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t cap = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int64_t withdrawn = rc == SQLITE_ROW ? booking_column_place(st, 1) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s);
	if (rc == SQLITE_DONE) {
		err_fmt(why, n, "no such offer");
		return 0;
	}
	const char *gone = booking_withdrawn(withdrawn, INT64_MAX);
	if (gone) {
		err_fmt(why, n, "%s", gone);
		return 0;
	}
	uint8_t conflict[32];
	int fits = booking_fits(s, resource, start, end, quantity, cap, NULL, why, n, conflict);
	if (fits == 0 && quantity <= cap) {
		char hex[HEX_ID_LEN + 1], more[300];
		hex_encode(hex, conflict, 32);
		snprintf(more, sizeof more, "%s", why);
		err_fmt(why, n, "%s: cancel or settle %.12s with its borrower first", more, hex);
	}
	return fits;
}

int booking_block_append(struct store *s, const struct key *k, const uint8_t resource[32],
			 int64_t start, int64_t end, int64_t quantity, uint32_t reason,
			 const char *note, const Mutua__StaffAct *act, uint8_t id_out[32])
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Block blk = MUTUA__BLOCK__INIT;
	blk.resource.data = (uint8_t *)resource;
	blk.resource.len = 32;
	blk.start = start;
	blk.end = end;
	blk.reason = reason;
	blk.note = note && *note ? (char *)note : NULL;
	b.staff = (Mutua__StaffAct *)act;
	b.payload_case = MUTUA__BODY__PAYLOAD_BLOCK;
	b.block = &blk;
	if (store_begin(s, k, "a block and its check"))
		return -1;
	if (quantity <= 0) {
		/* the whole resource: its capacity */
		sqlite3_stmt *st = store_stmt(s, "SELECT capacity FROM resources WHERE id = ?");
		if (!st)
			goto fail;
		sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		quantity = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_db_error(s);
			goto fail;
		}
	}
	blk.quantity = (uint64_t)quantity;
	char why[400];
	int ok = booking_block_check(s, resource, start, end, quantity, why, sizeof why);
	if (ok < 0)
		goto fail;
	if (!ok) {
		err_set("%s", why);
		goto fail;
	}
	if (store_append(s, k, &b, id_out) || store_commit(s, k))
		goto fail;
	return 0;
fail:
	store_rollback(s, k);
	return -1;
}

int booking_unblock_append(struct store *s, const struct key *k, const uint8_t block[32],
			   const Mutua__StaffAct *act)
{
	Mutua__Body b = MUTUA__BODY__INIT;
	Mutua__Unblock u = MUTUA__UNBLOCK__INIT;
	u.block.data = (uint8_t *)block;
	u.block.len = 32;
	b.staff = (Mutua__StaffAct *)act;
	b.payload_case = MUTUA__BODY__PAYLOAD_UNBLOCK;
	b.unblock = &u;
	return store_append(s, k, &b, NULL);
}

int booking_capacity_short(struct store *s, const uint8_t resource[32], int64_t capacity,
			   uint8_t (**over)[32], size_t *n)
{
	*over = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM loans WHERE resource = ?"
					 " AND mutua_in_progress(state) ORDER BY start_ms, id");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, resource, 32, SQLITE_STATIC);
	uint8_t (*ids)[32];
	size_t count;
	if (store_ids(s, st, &ids, &count))
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct lending_loan l;
		int has;
		if (lending_loan_get(s, ids[i], &l) != 1)
			goto fail;
		/* the most in use over its slot, itself included */
		int64_t peak = peak_use(s, resource, l.start, l.end, NULL, NULL, &has, NULL);
		if (peak < 0)
			goto fail;
		if (peak > capacity)
			memmove(ids[(*n)++], ids[i], 32);
	}
	if (*n)
		*over = ids;
	else
		free(ids);
	return 0;
fail:
	free(ids);
	*n = 0;
	return -1;
}
