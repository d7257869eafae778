/* view_gov.c - the read models of the federation: its members and their
 * status, the loans an excluded member leaves to settle, and the log of
 * signed entries (view.h).
 *
 * Two facts are restated here until their rules register them for views:
 * who is a current member (the status column: members.excluded, then
 * members.active) and which loans are in progress (accepted, handed_over,
 * returned: they hold capacity and are not settled yet).
 */
#include "view.h"

/* A member's status, over members' columns. */
#define MEMBER_STATUS                                  \
	"CASE WHEN excluded IS NOT NULL THEN 'excluded'" \
	" WHEN active THEN 'member' ELSE 'not admitted' END"
/* A loan in progress, over loans l. */
#define IN_PROGRESS "l.state IN ('accepted', 'handed_over', 'returned')"

/* The federation as one object (federation show --json). Parameters: ?1
 * name, ?2 federation id (hex), ?3 credit limit in force (hundredths), ?4
 * charter hash (hex, "" when none), ?5 rule ("majority" or "colleges"),
 * ?6 threshold, ?7 quorum (percent), ?8 vote duration (seconds). */
const struct view view_fed_show = {
	"federation",
	"SELECT ?1 AS name, ?2 AS id, ?3 / 100.0 AS credit_limit, ?4 AS charter, ?5 AS rule,"
	" ?6 AS threshold, ?7 AS quorum, ?8 AS vote_duration_s,"
	" (SELECT json_group_array(json_object("
	"  'id', lower(hex(id)), 'name', name, 'college', college,"
	"  'founder', json(iif(founder, 'true', 'false')),"
	"  'status', " MEMBER_STATUS ","
	"  'loans_to_settle', CASE WHEN excluded IS NOT NULL THEN (SELECT"
	"   json_group_array(lower(hex(l.id))) FROM loans l WHERE " IN_PROGRESS
	"   AND (l.owner = mm.id OR l.borrower = mm.id)) END))"
	"  FROM (SELECT * FROM members ORDER BY name) AS mm) AS members_json"};

/* Every member the federation knows, by name, with its status. */
const struct view view_fed_members = {
	"members",
	"SELECT name, lower(hex(id)) AS id, college, " MEMBER_STATUS " AS status"
	" FROM members ORDER BY name"};

/* An excluded member's loans in progress: the members settle them by hand,
 * since its later steps are refused. */
const struct view view_fed_loans_to_settle = {
	"loans to settle",
	"SELECT lower(hex(l.id)) AS id, r.title AS resource_title, mo.name AS owner_name,"
	" mb.name AS borrower_name, l.state AS state FROM loans l"
	" JOIN resources r ON r.id = l.resource JOIN members mo ON mo.id = l.owner"
	" JOIN members mb ON mb.id = l.borrower"
	" WHERE " IN_PROGRESS " AND (mo.excluded IS NOT NULL OR mb.excluded IS NOT NULL)"
	" ORDER BY l.start_ms"};

/* The signed entries, newest first by their claimed time (then arrival).
 * ?1 the author (NULL: every author), ?2 at most so many rows (-1: all). */
const struct view view_entry_log = {
	"log",
	"SELECT lower(hex(e.author)) AS author, m.name AS author_name,"
	" e.seq AS seq, lower(hex(e.id)) AS id, e.type AS type,"
	" strftime('%Y-%m-%dT%H:%M:%fZ', e.time / 1000.0, 'unixepoch') AS time"
	" FROM entries e LEFT JOIN members m ON m.id = e.author"
	" WHERE (?1 IS NULL OR e.author = ?1)"
	" ORDER BY e.time DESC, e.n DESC LIMIT ?2"};
