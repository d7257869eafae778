/* view_lend.c - the read models of lending (view.h): offers, requests,
 * the calendar, balances and the settled loans of the CSV export, and the
 * ids that offer and request prefixes resolve among. The columns are those
 * the CLI prints (their names are the JSON fields of --json); what a
 * column derives from is the fold's (lending.c, fold.c); mutua_free,
 * mutua_conflict and mutua_withdrawn are the booking rule's, mutua_holds
 * the loan table's (lending_register_sql), mutua_search the catalogue's
 * (search.h), and a balance is the sum of a
 * member's settlements (lending.h).
 */
#include "view.h"

/* ISO 8601 UTC, to the second, of a time in ms */
#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col " / 1000, 'unixepoch')"

const struct view view_offer_ids = {
	"offer ids", "SELECT id FROM resources WHERE id BETWEEN ?1 AND ?2"};

const struct view view_loan_ids = {
	"request ids", "SELECT id FROM loans WHERE id BETWEEN ?1 AND ?2"};

/* Every offer field, for list and show; free: the capacity left over a
 * slot, when one is asked (the expression given). */
#define OFFER_SELECT(free) \
	"SELECT lower(hex(r.id)) AS id, lower(hex(r.owner)) AS owner," \
	" m.name AS owner_name, r.kind AS kind, r.title AS title, r.unit AS unit," \
	" r.capacity AS capacity, r.rate / 100.0 AS rate, r.location AS location," \
	" r.status AS status, r.description AS description," \
	" r.auto_accept AS auto_accept, r.conditions AS conditions," \
	" r.requires AS requires, r.deposit / 100.0 AS deposit," \
	" strftime('%Y-%m-%dT%H:%M:%fZ', r.created / 1000.0, 'unixepoch') AS created," \
	" strftime('%Y-%m-%dT%H:%M:%fZ', r.updated / 1000.0, 'unixepoch') AS updated," \
	" " free " AS free" \
	" FROM resources r JOIN members m ON m.id = r.owner"

const struct view view_offers = {
	"offers",
	OFFER_SELECT("CASE WHEN ?4 IS NOT NULL THEN mutua_free(r.id, ?4, ?5) END")
	" WHERE (?1 IS NULL OR r.kind = ?1) AND (?2 IS NULL OR r.owner = ?2)"
	" AND (?3 OR NOT mutua_withdrawn(r.withdrawn))"
	" AND (?4 IS NULL OR mutua_free(r.id, ?4, ?5) > 0)"
	" AND (mutua_search(?6, ?7) IS NULL OR r.rowid IN (SELECT rowid FROM offers_fts"
	"  WHERE offers_fts MATCH mutua_search(?6, ?7)))"
	" ORDER BY m.name, r.title, r.id"};

const struct view view_offer = {"offer", OFFER_SELECT("NULL") " WHERE r.id = ?1"};

const struct view view_requests = {
	"requests",
	"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource,"
	" r.title AS resource_title, lower(hex(l.owner)) AS owner,"
	" mo.name AS owner_name, lower(hex(l.borrower)) AS borrower,"
	" mb.name AS borrower_name, " ISO("l.start_ms") " AS \"from\","
	" " ISO("l.end_ms") " AS \"to\", l.quantity AS quantity,"
	" l.state AS state, l.usage / 1000.0 AS usage, coalesce(l.unit, r.unit) AS unit,"
	" l.credits / 100.0 AS credits, l.reason AS reason, l.note AS note,"
	" CASE WHEN l.state = 'requested' THEN mutua_conflict(l.id) END AS conflict,"
	" l.agreed_rate / 100.0 AS agreed_rate, l.claim / 1000.0 AS usage_claimed,"
	" l.state = 'disputed' AS disputed"
	" FROM loans l LEFT JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner"
	" LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE ((?1 AND l.owner = ?3) OR (?2 AND l.borrower = ?3))"
	" AND (?4 IS NULL OR l.state = ?4)"
	" ORDER BY l.start_ms, l.id"};

/* One loan and its terms: what the request confirmed and reserves. */
#define REQUEST_SELECT(extra) \
	"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource," \
	" r.title AS resource_title, mo.name AS owner_name, mb.name AS borrower_name," \
	" " ISO("l.start_ms") " AS \"from\", " ISO("l.end_ms") " AS \"to\"," \
	" l.quantity AS quantity, l.state AS state, coalesce(l.unit, r.unit) AS unit," \
	" l.agreed_rate / 100.0 AS agreed_rate, nullif(l.requires, '') AS requires," \
	" CASE WHEN l.conditions IS NOT NULL THEN 'confirmed' END AS conditions," \
	" nullif(l.deposit, 0) / 100.0 AS deposit, l.estimate / 1000.0 AS estimate," \
	" l.reserve / 100.0 AS reserve, l.forfeit / 100.0 AS forfeit," \
	" l.usage / 1000.0 AS usage, l.credits / 100.0 AS credits," \
	" nullif(l.note, '') AS note, nullif(l.reason, '') AS reason" extra \
	" FROM loans l LEFT JOIN resources r ON r.id = l.resource" \
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower" \
	" WHERE l.id = ?1"

#define STEP_COLUMNS \
	"e.type AS step, m.name AS author_name, lower(hex(e.author)) AS author," \
	" strftime('%Y-%m-%dT%H:%M:%fZ', e.time / 1000.0, 'unixepoch') AS time," \
	" e.verdict IS NULL AS taken, e.verdict AS verdict, e.usage / 1000.0 AS usage," \
	" e.meter AS meter, e.fuel AS fuel, e.damage AS damage, e.forfeit / 100.0 AS forfeit," \
	" " VIEW_REPORT_SQL("e") " AS report," \
	" (SELECT json_group_array(lower(hex(p.hash))) FROM loan_photos p" \
	"  WHERE p.step = e.id) AS photos_json, nullif(e.note, '') AS note," \
	" lower(hex(e.id)) AS id"

const struct view view_request = {"request", REQUEST_SELECT("")};

const struct view view_request_full = {
	"request",
	REQUEST_SELECT(", (SELECT json_group_array(json(o)) FROM (SELECT json_object("
		       "'step', e.type, 'author', lower(hex(e.author)), 'time', e.time,"
		       " 'taken', e.verdict IS NULL, 'verdict', e.verdict, 'meter', e.meter,"
		       " 'fuel', e.fuel, 'damage', e.damage, 'forfeit', e.forfeit / 100.0,"
		       " 'photos', (SELECT json_group_array(lower(hex(p.hash))) FROM loan_photos p"
		       " WHERE p.step = e.id), 'id', lower(hex(e.id))) AS o FROM loan_events e"
		       " WHERE e.request = l.id ORDER BY e.time, e.id)) AS steps_json")};

const struct view view_loan_steps = {
	"loan steps",
	"SELECT " STEP_COLUMNS " FROM loan_events e LEFT JOIN members m ON m.id = e.author"
	" WHERE e.request = ?1 ORDER BY e.time, e.id"};

const struct view view_photo_steps = {
	"photo steps",
	"SELECT " STEP_COLUMNS " FROM loan_photos ph JOIN loan_events e ON e.id = ph.step"
	" LEFT JOIN members m ON m.id = e.author"
	" WHERE ph.hash = ?1 AND e.request = ?2 ORDER BY e.verdict IS NOT NULL, e.time, e.id"};

/* The loans that hold their resource's capacity. */
const struct view view_calendar = {
	"calendar",
	"SELECT lower(hex(l.id)) AS id, lower(hex(l.resource)) AS resource,"
	" r.title AS resource_title, mo.name AS owner_name, mb.name AS borrower_name,"
	" " ISO("l.start_ms") " AS \"from\", " ISO("l.end_ms") " AS \"to\","
	" l.quantity AS quantity, l.state AS state, l.start_ms AS start_ms,"
	" l.end_ms AS end_ms, l.note AS note, r.location AS location"
	" FROM loans l JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE mutua_holds(l.state)"
	" AND l.end_ms > ?1 AND l.start_ms < ?2 AND (?3 IS NULL OR l.resource = ?3)"
	" ORDER BY r.title, l.start_ms, l.id"};

const struct view view_balances = {
	"balances",
	"SELECT lower(hex(m.id)) AS member, m.name AS name,"
	" coalesce(b.balance, 0) / 100.0 AS balance, coalesce(b.lent, 0) / 100.0 AS lent,"
	" coalesce(b.borrowed, 0) / 100.0 AS borrowed, coalesce(b.n, 0) AS loans"
	" FROM members m LEFT JOIN (SELECT member, sum(credits) AS balance,"
	"  sum(lent) AS lent, sum(borrowed) AS borrowed, count(*) AS n"
	"  FROM settlements GROUP BY member) b ON b.member = m.id"
	" WHERE ?1 IS NULL OR m.id = ?1 ORDER BY m.name"};

const struct view view_settled_loans = {
	"settled loans",
	"SELECT lower(hex(l.id)) AS loan, " ISO("l.closed") " AS settled,"
	" lower(hex(l.resource)) AS resource, r.title AS title, r.kind AS kind,"
	" coalesce(l.unit, r.unit) AS unit, lower(hex(l.owner)) AS owner, mo.name AS owner_name,"
	" lower(hex(l.borrower)) AS borrower, mb.name AS borrower_name,"
	" " ISO("l.start_ms") " AS \"from\", " ISO("l.end_ms") " AS \"to\","
	" l.quantity AS quantity, printf('%.3f', l.usage / 1000.0) AS usage,"
	" printf('%.2f', l.rate / 100.0) AS rate, printf('%.2f', l.credits / 100.0) AS credits"
	" FROM settled_loans l JOIN resources r ON r.id = l.resource"
	" LEFT JOIN members mo ON mo.id = l.owner LEFT JOIN members mb ON mb.id = l.borrower"
	" WHERE l.closed >= ?1 AND l.closed < ?2"
	" ORDER BY l.closed, l.id"};
