/* view_report.c - the read models of the board's report (mutua report,
 * view.h).
 *
 * Every view of the report but the members takes the period as ?1 (from,
 * ms) and ?2 (to, ms, exclusive); a request belongs to the period when
 * its slot [start_ms, end_ms) meets [?1, ?2).
 *
 * What the report counts as a loan is written once, in REPORT_LOANS: a
 * request its owner accepted, which holds its quantity for its slot
 * (accepted, handed over, returned) or held it (closed, settled). The
 * header's count, the flows, the balances' loan columns, the most used
 * resources and the list of loans all read it, so their figures add up.
 * A loan cancelled after its acceptance held its quantity for a while but
 * is no loan: the report lists it apart (REPORT_CANCELLED). Pending,
 * declined, invalid requests and those cancelled before an answer are
 * counted in a note and listed nowhere.
 *
 * The rules are the ledger's: which states hold capacity is
 * mutua_holds(state) (loan.c), who is a current member the view
 * current_members (member.h); a member's balance at the end of the period
 * is the sum of its settlements closed before ?2, the view lending_balance
 * reads for today (lending.h).
 */
#include "staff.h"
#include "view.h"

#define REPORT_PERIOD "start_ms < ?2 AND end_ms > ?1"
#define REPORT_LOANS                                                                        \
	"(SELECT * FROM loans WHERE mutua_holds(state) AND " REPORT_PERIOD ")"
#define REPORT_CANCELLED                                                                   \
	"(SELECT * FROM loans WHERE state = 'cancelled' AND decided IS NOT NULL AND " \
	REPORT_PERIOD ")"

const struct view view_report_members = {
	"members", "SELECT id, name, college FROM members ORDER BY college, name, id"};

const struct view view_report_figures = {
	"figures of the period",
	"SELECT (SELECT count(*) FROM " REPORT_LOANS ") AS loans,"
	" (SELECT count(*) FROM settled_loans WHERE " REPORT_PERIOD ") AS settled,"
	" (SELECT coalesce(sum(credits), 0) FROM settled_loans WHERE " REPORT_PERIOD ")"
	" AS credits, (SELECT count(*) FROM " REPORT_CANCELLED ") AS cancelled"};

/* The period's requests that are neither loans nor cancelled after their
 * acceptance, by what became of them: (what, n). */
const struct view view_report_not_lent = {
	"requests not lent",
	"SELECT CASE state WHEN 'requested' THEN 'pending' WHEN 'cancelled'"
	" THEN 'cancelled before an answer' ELSE state END AS what, count(*) AS n"
	" FROM loans WHERE " REPORT_PERIOD " AND id NOT IN (SELECT id FROM " REPORT_LOANS ")"
	" AND id NOT IN (SELECT id FROM " REPORT_CANCELLED ")"
	" GROUP BY what ORDER BY min(CASE state WHEN 'requested' THEN 1 WHEN 'declined' THEN 2"
	" WHEN 'cancelled' THEN 3 ELSE 4 END), what"};

/* Who lent to whom: (owner, borrower, loans, credits settled). */
const struct view view_report_flows = {
	"flows",
	"SELECT l.owner, l.borrower, count(*) AS loans, coalesce(sum(l.credits), 0) AS credits"
	" FROM " REPORT_LOANS " l WHERE l.owner IS NOT NULL GROUP BY l.owner, l.borrower"};

/* Every member: balance at the end of the period, credits lent and
 * borrowed over the period's settled loans, the period's loans as lender
 * and as borrower, whether it is a current member. */
const struct view view_report_balances = {
	"balances",
	/* one pass over the loans per column group, not one per member */
	"SELECT m.name, m.college, coalesce(bal.v, 0) AS balance,"
	" coalesce(po.c, 0) AS lent, coalesce(pb.c, 0) AS borrowed,"
	" coalesce(po.n, 0) AS loans_lent, coalesce(pb.n, 0) AS loans_borrowed,"
	" m.id IN (SELECT id FROM current_members) AS current FROM members m"
	" LEFT JOIN (SELECT member AS id, sum(credits) AS v FROM settlements"
	"  WHERE closed < ?2 GROUP BY member) bal ON bal.id = m.id"
	" LEFT JOIN (SELECT l.owner AS id, count(*) AS n,"
	"  sum(CASE WHEN l.state = 'closed' THEN l.credits ELSE 0 END) AS c"
	"  FROM " REPORT_LOANS " l GROUP BY l.owner) po ON po.id = m.id"
	" LEFT JOIN (SELECT l.borrower AS id, count(*) AS n,"
	"  sum(CASE WHEN l.state = 'closed' THEN l.credits ELSE 0 END) AS c"
	"  FROM " REPORT_LOANS " l GROUP BY l.borrower) pb ON pb.id = m.id"
	" ORDER BY m.name, m.id"};

/* The ten resources lent most often: (title, kind, unit, owner's name,
 * loans, usage, credits, the first one's loans). */
const struct view view_report_top_loans = {
	"resources by loans",
	"SELECT r.title, r.kind, r.unit, mo.name, count(*), sum(l.usage),"
	" coalesce(sum(l.credits), 0), max(count(*)) OVER ()"
	" FROM " REPORT_LOANS " l JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = r.owner"
	" GROUP BY r.id ORDER BY count(*) DESC, sum(l.usage) DESC, r.title LIMIT 10"};

/* The five most used resources of each unit (days and hours do not
 * compare): (title, kind, unit, owner's name, usage, loans, the unit's
 * first usage). */
const struct view view_report_top_usage = {
	"resources by usage",
	"SELECT title, kind, unit, owner_name, u, n, max(u) OVER (PARTITION BY unit) FROM"
	" (SELECT r.title, r.kind, r.unit, mo.name AS owner_name, sum(l.usage) AS u,"
	"  count(*) AS n, row_number() OVER (PARTITION BY r.unit ORDER BY sum(l.usage) DESC,"
	"  r.title) AS k FROM " REPORT_LOANS " l JOIN resources r ON r.id = l.resource"
	"  LEFT JOIN members mo ON mo.id = r.owner"
	"  WHERE l.usage IS NOT NULL"
	"  GROUP BY r.id) WHERE k <= 5 ORDER BY unit, u DESC, title"};

/* The loans, by slot, at most ?3: (start, end, title, unit, lender,
 * borrower, quantity, state, usage, credits, id (hex), how many loans,
 * the staff who acted on it: STAFF_LOAN_BY_SQL, NULL none). */
const struct view view_report_loans = {
	"loans",
	"SELECT l.start_ms, l.end_ms, r.title, r.unit, mo.name, mb.name, l.quantity,"
	" l.state, l.usage, l.credits, lower(hex(l.id)), count(*) OVER (),"
	" " STAFF_LOAN_BY_SQL("l")
	" FROM " REPORT_LOANS " l LEFT JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
	" ORDER BY l.start_ms, l.id LIMIT ?3"};

/* The loans cancelled after their acceptance, by slot, at most ?3:
 * (start, end, title, lender, borrower, quantity, reason, id (hex), how
 * many). */
const struct view view_report_cancelled = {
	"loans cancelled after acceptance",
	"SELECT l.start_ms, l.end_ms, r.title, mo.name, mb.name, l.quantity, l.reason,"
	" lower(hex(l.id)), count(*) OVER ()"
	" FROM " REPORT_CANCELLED " l LEFT JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
	" ORDER BY l.start_ms, l.id LIMIT ?3"};

/* Every member and how far this copy of its history goes, over its feeds
 * (its keys, the current and those it rotated away from): (name, college,
 * id (hex), whether it is a current member, feeds, entries (the sum of
 * the heads' seqs), the last entry's time (ms, NULL when none), the
 * newest head another member witnessed, whether a feed stops before a
 * head another member witnessed). The heads are view_heads' (view_node.c).
 */
const struct view view_report_history = {
	"members' history",
	"WITH h AS (SELECT coalesce(k.member, f.author) AS member, f.author AS author,"
	" f.seq AS seq, e.time AS time FROM feeds f LEFT JOIN keys k ON k.key = f.author"
	" LEFT JOIN entries e ON e.author = f.author AND e.seq = f.seq)"
	" SELECT m.name, m.college, lower(hex(m.id)),"
	" m.id IN (SELECT id FROM current_members) AS current,"
	" count(h.author) AS feeds, coalesce(sum(h.seq), 0) AS entries, max(h.time) AS last_ms,"
	" max(w.seq) AS witnessed_seq, coalesce(max(w.seq > coalesce(h.seq, 0)), 0) AS cut"
	" FROM members m LEFT JOIN h ON h.member = m.id"
	" LEFT JOIN witnessed_heads w ON w.feed = coalesce(h.author, m.id)"
	" GROUP BY m.id ORDER BY m.name, m.id"};
/* The owners' blocks of the period (their own use, booking.h), by slot,
 * at most ?3: (start, end, title, owner, quantity, reason, id (hex), how
 * many). Their notes are the owners' and stay out. */
const struct view view_report_blocks = {
	"blocks",
	"SELECT b.start_ms, b.end_ms, r.title, mo.name, b.quantity, b.reason,"
	" lower(hex(b.id)), count(*) OVER ()"
	" FROM held_blocks b LEFT JOIN resources r ON r.id = b.resource"
	" LEFT JOIN members mo ON mo.id = b.owner"
	" WHERE b.start_ms < ?2 AND b.end_ms > ?1"
	" ORDER BY b.start_ms, b.id LIMIT ?3"};

/* What report --json prints: ?1 the file, ?2 its size, ?3 "true" when the
 * audit passed, else "false", ?4 the violations. */
const struct view view_report_written = {
	"report written",
	"SELECT ?1 AS out, ?2 AS bytes, ?3 AS audit_ok_json, ?4 AS violations"};
