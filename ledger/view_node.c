/* view_node.c - the read models of this node: its feeds (mutua status),
 * the health counts of mutua doctor, and the daemon's status file as
 * rows (view.h). */
#include "view.h"

/* Each feed held, by member: its head and whether it is forked or holds
 * a badly signed entry. */
#define FEEDS_SQL                                                                        \
	"SELECT m.name AS name, lower(hex(m.id)) AS member, coalesce(f.seq, 0) AS seq,"  \
	" lower(hex(f.id)) AS head,"                                                     \
	" (SELECT k.seq FROM fork_points k WHERE k.author = m.id) AS forked_at,"            \
	" EXISTS (SELECT 1 FROM faults x WHERE x.author = m.id) AS faulty"               \
	" FROM members m LEFT JOIN feeds f ON f.author = m.id ORDER BY m.name"

const struct view view_feeds = {"feeds", FEEDS_SQL};

/* How far the history goes, member by member: each feed of the member
 * (one a signing key: a rotated key leaves its earlier feed), its head
 * seq and the time its last entry claims (ms, NULL when the feed holds
 * none); a member with no entry at all has one row, seq 0. The audit
 * prints it from its scratch store, so that a reader can compare each
 * member's own head with the bundle's: a dropped tail shows there. And
 * the newest head of the feed that a member other than its own witnessed
 * (witnessed_seq, witnessed_by, witnessed_ms; NULL when none): past
 * seq, the history stops before what others saw (witness.h, rule b). */
const struct view view_heads = {
	"heads",
	"WITH h AS (SELECT coalesce(k.member, f.author) AS member, f.author AS author,"
	" f.seq AS seq, e.time AS time FROM feeds f LEFT JOIN keys k ON k.key = f.author"
	" LEFT JOIN entries e ON e.author = f.author AND e.seq = f.seq)"
	" SELECT m.name AS name, lower(hex(m.id)) AS member,"
	" CASE WHEN h.author IS NOT NULL THEN lower(hex(h.author)) END AS feed,"
	" coalesce(h.seq, 0) AS seq, h.time AS last_ms, w.seq AS witnessed_seq,"
	" (SELECT name FROM members x WHERE x.id = w.witness) AS witnessed_by,"
	" w.time AS witnessed_ms"
	" FROM members m LEFT JOIN h ON h.member = m.id"
	" LEFT JOIN witnessed_heads w ON w.feed = coalesce(h.author, m.id)"
	" ORDER BY m.name, m.id, h.author = m.id DESC, h.seq DESC"};

/* ?1 this member (hex), ?2 the federation id (hex), ?3 its name, ?4 this
 * member (id), ?5 the daemon's status (JSON text, 'null' when it is not
 * running). */
const struct view view_status = {
	"status",
	"SELECT ?1 AS member, (SELECT name FROM members WHERE id = ?4) AS name,"
	" ?2 AS federation, ?3 AS federation_name, (SELECT json_group_array("
	" json_object('name', name, 'member', member, 'seq', seq, 'head', head,"
	" 'forked_at', forked_at, 'faulty', faulty)) FROM (" FEEDS_SQL ")) AS feeds_json,"
	" (SELECT json_group_array(json_object('name', name, 'member', member, 'feed', feed,"
	" 'why', why, 'seq', seq, 'entries', entries, 'bytes', bytes, 'since', since,"
	" 'reopens', reopens)) FROM (" HOLDS_SQL ")) AS held_json,"
	" ?5 AS daemon_json"};

/* ?1 the daemon's status (daemon_status in tools/cmd_sync.c) */
const struct view view_daemon = {
	"daemon", "SELECT json_extract(?1, '$.node.pid') AS pid,"
		  " json_extract(?1, '$.node.listen') AS listen"};

const struct view view_daemon_peers = {
	"daemon peers",
	"SELECT json_extract(value, '$.name') AS peer,"
	" json_extract(value, '$.endpoint') AS endpoint,"
	" json_extract(value, '$.direction') AS dir,"
	" coalesce(json_extract(value, '$.why'), '') AS why,"
	" CASE WHEN json_extract(value, '$.parked') THEN 'inbound'"
	"  WHEN json_extract(value, '$.connected') THEN 'connected' ELSE 'down' END AS state,"
	" CASE WHEN json_extract(value, '$.last_contact') > 0 THEN"
	"  mutua_time(json_extract(value, '$.last_contact'), 'seconds') ELSE 'never' END"
	"  AS last_contact,"
	" json_extract(value, '$.received') AS received,"
	" json_extract(value, '$.rejected') AS rejected,"
	" json_extract(value, '$.error') AS error"
	" FROM json_each(?1, '$.peers')"};

const struct view view_feed_witnessed = {
	"witnessed by others",
	"SELECT coalesce(max(seq), 0) FROM witnessed WHERE feed = ?1 AND wauthor != ?1"};

/* SQLite's own check of the file: "ok", or the first problem found. */
const struct view view_integrity = {"store integrity", "PRAGMA integrity_check"};

/* ?1 this node's signing key: the seq its own feed is forked at (0 when
 * it is not), how many other feeds are forked, how many are faulty (a
 * checkpoint that does not match its feed), how many have two witnessed
 * roots for one size, and the smallest such size of its own feed (0:
 * none). */
const struct view view_doctor = {
	"health",
	"SELECT (SELECT coalesce(seq, 0) FROM fork_points WHERE author = ?1) AS own_fork,"
	" (SELECT count(*) FROM fork_points WHERE author != ?1) AS other_forks,"
	" (SELECT count(*) FROM faults) AS faults,"
	" (SELECT count(*) FROM witness_forks) AS witness_forks,"
	" (SELECT coalesce(min(size), 0) FROM witness_forks WHERE feed = ?1) AS own_witness_fork,"
	" (SELECT count(*) FROM (" HOLDS_SQL ")) AS held"};
