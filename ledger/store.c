/* store.c - the SQLite store. See store.h; the schema, its tables, views
 * and versions are specified in schema.c, whose steps migrate applies.
 */
#include "store.h"
#include "checkpoint.h"
#include "federation.h"
#include "fold.h"
#include "governance.h"
#include "lending.h"
#include "refusal.h"
#include "member.h"
#include "schema.h"
#include "sigcheck.h"
#include "search.h"
#include "staff.h"
#include "store_int.h"
#include "view.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define STMT_CACHE_FIRST 128 /* room for the statements of a command; grows */
#define WINDOW_STARTS 64 /* feeds whose budget window's start is remembered */

struct store {
	sqlite3 *db;
	/* every statement prepared once (store_stmt), by its text's address */
	struct stmt_slot {
		const char *sql;
		sqlite3_stmt *st;
	} *cache;
	int ncache, capcache;
	uint8_t fed_id[FED_ID_BYTES];
	Mutua__Genesis *genesis;
	struct checkpointer *ckpt;
	int autockpt;        /* WAL pages that make a commit checkpoint; 0 never */
	int wal_pages;       /* pages in the WAL after this connection's last commit */
	int wakes;           /* commits write to the wake FIFO (store_wake_path) */
	char wake[4096 + 8]; /* its path */
	int scratch; /* store_open_scratch */
	int gov_changed; /* a recount ran since the last settle */
	int refold_forced; /* a fold found the state it built on wrong */
	int budget_own;    /* store_append keeps the member's own budget */
	int wait_hold;     /* store_begin for a key waits out mutuad's hold */
	int64_t search_rows; /* store_set_search_rows */
	int budget_intake; /* store_insert_* hold feeds past their budget */
	/* where window_open last found a feed's window to start: a hint,
	 * checked before it is used (by the slot of the author's first byte) */
	struct window_start {
		uint8_t author[KEY_ID_BYTES];
		uint64_t lo;
	} wstart[WINDOW_STARTS];
	/* who opened the write transaction (store_begin), while it is open */
	const void *owner;
	const char *owner_name;
	/* a staff client's command (store_staff_hooks); outer: prepare's
	 * transaction is open (it is never committed) */
	struct store_staff_hooks staff;
	int outer;
	/* store_act_as: the staff person whose act every append carries
	 * (through the staff hooks' act), and the act it signed last */
	const struct key *act_key;
	uint8_t act_delegation[ENTRY_ID_BYTES];
	Mutua__StaffAct act;
	uint8_t act_sig[KEY_SIG_BYTES];
};

/* The WAL checkpointer thread (store_checkpoint_apart). */
struct checkpointer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop, kicked;
	sqlite3 *db; /* its own connection: SQLite connections are not shared */
};

/* The checkpointer copies the WAL once a commit leaves this many pages
 * in it (SQLite's own default), or each second: not after every commit,
 * whose fsync would then queue behind a checkpoint's. */
#define CHECKPOINT_PAGES 1000
#define CHECKPOINT_EVERY_MS 1000
/* a larger WAL between checkpoints than SQLite's 1000 pages: a sync writes
 * each page of the random-key indexes once per checkpoint */
#define AUTOCHECKPOINT_PAGES 10000
/* The last connection to close does not copy the WAL into the file nor
 * delete it (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE): a command that appends one
 * entry pays the commit's fsync and SQLite's sync of the directory, not
 * also the WAL's new header and the checkpoint's two. The WAL, synced at
 * each commit, is as durable as the file (invariant 8); the next opener
 * reads it back. A connection closing after a commit that left at least
 * this many pages in it copies them and empties it (a TRUNCATE checkpoint
 * that waits for no one: when another connection is there, mutuad's, its
 * checkpointer does it): the WAL a command reads back on open stays
 * small. (A checkpoint that leaves the WAL whole is no use here: the next
 * opener, reading it back, cannot know that it was copied.) */
#define CLOSE_CHECKPOINT_PAGES 64
/* ... only on a filesystem with room for the WAL at its largest
 * (journal_size_limit): near a full disk a WAL kept costs the appends
 * that would still fit, and SQLite's own way (the last connection to
 * close copies the WAL and deletes it) is kept there */
#define KEEP_WAL_ROOM (64ULL << 20)

/* SQLite calls this after each commit, once the write lock is released.
 * It does what PRAGMA wal_autocheckpoint would (setting a hook replaces
 * that), then wakes the daemon: a byte to the FIFO it reads, if one is
 * there (store_wake_path). A commit is only visible to others by then, so
 * the daemon, woken, finds it at once. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *s = arg;
	s->wal_pages = pages;
	/* with the checkpointer too: the WAL starts again from the top only
	 * when a write finds it all copied, which a thread of its own never
	 * ensures under a steady stream of writes; it has copied most of it */
	if (s->autockpt && pages >= s->autockpt)
		sqlite3_wal_checkpoint(db, name);
	if (s->ckpt && pages >= CHECKPOINT_PAGES) {
		pthread_mutex_lock(&s->ckpt->mu);
		s->ckpt->kicked = 1;
		pthread_cond_signal(&s->ckpt->cv);
		pthread_mutex_unlock(&s->ckpt->mu);
	}
	if (s->wakes) {
		int fd = open(s->wake, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
		struct stat st;
		if (fd >= 0) {
			/* only a FIFO (a full one has wakes pending already) */
			if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
				ssize_t w = write(fd, "", 1);
				(void)w;
			}
			close(fd);
		}
	}
	return SQLITE_OK;
}

const char *store_wake_path(struct store *s)
{
	return s->wake;
}

void store_wakes(struct store *s, int on)
{
	s->wakes = on;
}

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

int store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set("store: %s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
	for (int i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].st);
			sqlite3_clear_bindings(s->cache[i].st);
			return s->cache[i].st;
		}
	if (s->ncache == s->capcache) {
		int cap = s->capcache ? 2 * s->capcache : STMT_CACHE_FIRST;
		struct stmt_slot *more = realloc(s->cache, (size_t)cap * sizeof *more);
		if (!more) {
			err_set("out of memory");
			return NULL;
		}
		s->cache = more;
		s->capcache = cap;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)) {
		err_set("store: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache++].st = st;
	return st;
}

int store_db_error(struct store *s)
{
	return err_set("store: %s", sqlite3_errmsg(s->db));
}

int store_step_row(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return err_set("store: %s", sqlite3_errmsg(s->db));
}

int store_ids(struct store *s, sqlite3_stmt *st, uint8_t (**ids)[32], size_t *n)
{
	size_t cap = 0;
	int rc;
	*ids = NULL;
	*n = 0;
	while ((rc = store_step_row(s, st)) == 1) {
		if (sqlite3_column_bytes(st, 0) != 32)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			void *more = realloc(*ids, cap * 32);
			if (!more) {
				rc = err_set("out of memory");
				break;
			}
			*ids = more;
		}
		memcpy((*ids)[(*n)++], sqlite3_column_blob(st, 0), 32);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

int store_step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return err_set("store: %s", sqlite3_errmsg(s->db));
	return 0;
}

/* No write transaction open, as the callers see it: in prepare mode
 * (store_staff_hooks) the outer transaction stays open beneath them. */
static int txn_idle(struct store *s)
{
	return sqlite3_get_autocommit(s->db) || (s->outer && !s->owner);
}

void store_staff_hooks(struct store *s, const struct store_staff_hooks *h)
{
	static const struct store_staff_hooks off = {0};
	s->staff = h ? *h : off;
}

/* 0 when owner may write now: no transaction is open, or owner opened
 * it. SQLite may end a transaction on its own (an I/O error, a full
 * disk): then nobody holds it any more. */
static int check_owner(struct store *s, const void *owner)
{
	if (sqlite3_get_autocommit(s->db)) {
		s->owner = NULL;
		s->outer = 0;
		return 0;
	}
	if (s->outer && !s->owner)
		return 0;
	if (owner && s->owner == owner)
		return 0;
	return err_set("the store's write transaction is held by %s",
		       s->owner ? s->owner_name : "a caller that did not name itself");
}

int store_begin(struct store *s, const void *owner, const char *name)
{
	if (check_owner(s, owner))
		return -1;
	if (!txn_idle(s))
		return err_set("store: %s already holds the write transaction", name);
	if (s->outer) { /* prepare: nested in the transaction never committed */
		if (store_exec(s, "SAVEPOINT staff_txn"))
			return -1;
		s->owner = owner;
		s->owner_name = name;
		return 0;
	}
	for (int waited = 0;; waited = 1) {
		if (store_exec(s, "BEGIN IMMEDIATE"))
			return -1;
		if (!s->wait_hold || owner == s)
			break;
		/* under the write lock, so mutuad cannot set its hold between
		 * this look and the append (store_wait_hold) */
		int64_t until;
		int held = store_appends_held(s, &until);
		if (held == 0 && waited && until < 0) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return err_set("mutuad could not confirm this member's own feed with "
				       "any peer in time: see its peers with 'mutua status'; "
				       "appends are open now, run the command again");
		}
		if (held == 0)
			break;
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		if (held < 0)
			return -1;
		usleep(50 * 1000);
	}
	if (s->staff.prepare && owner != s) {
		/* prepare: this transaction is rolled back at the end, and what
		 * the command does inside it nests as savepoints */
		s->outer = 1;
		if (store_exec(s, "SAVEPOINT staff_txn")) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			s->outer = 0;
			return -1;
		}
	}
	s->owner = owner;
	s->owner_name = name;
	return 0;
}

void store_wait_hold(struct store *s, int on)
{
	s->wait_hold = on;
}

void store_set_search_rows(struct store *s, int64_t n)
{
	s->search_rows = n;
}

int64_t store_search_rows(struct store *s)
{
	return s->search_rows;
}

int store_commit(struct store *s, const void *owner)
{
	if (check_owner(s, owner))
		return -1;
	if (sqlite3_get_autocommit(s->db) || (s->outer && !s->owner))
		return err_set("store: no transaction to commit");
	if (s->outer) {
		if (store_exec(s, "RELEASE staff_txn"))
			return -1;
		s->owner = NULL;
		return 0;
	}
	if (store_exec(s, "COMMIT"))
		return -1; /* still open: the owner rolls it back */
	s->owner = NULL;
	return 0;
}

void store_rollback(struct store *s, const void *owner)
{
	if (sqlite3_get_autocommit(s->db) || s->owner != owner)
		return; /* nothing open, or not owner's to end */
	if (s->outer)
		sqlite3_exec(s->db, "ROLLBACK TO staff_txn; RELEASE staff_txn", NULL, NULL, NULL);
	else
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->owner = NULL;
}

static int load_genesis(struct store *s)
{
	if (s->genesis)
		return 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT value FROM meta WHERE key = 'genesis'");
	if (!st)
		return -1;
	int rc = store_step_row(s, st);
	if (rc == 1) {
		s->genesis = genesis_decode_adopted(sqlite3_column_blob(st, 0),
						    (size_t)sqlite3_column_bytes(st, 0), s->fed_id);
		rc = s->genesis ? 0 : err_set("store holds a damaged genesis: %s", err_msg());
	}
	sqlite3_reset(st);
	return rc;
}

/* Brings the store to SCHEMA_VERSION: the steps of schema.c above its
 * version, in order, in one transaction. *refold: the derived tables
 * must be rebuilt once it committed (a step said so, on a store that had
 * some: version 0 is an empty file). */
static int migrate(struct store *s, int *refold)
{
	sqlite3_stmt *st;
	int version;
	char sql[64];
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL))
		return err_set("store: %s", sqlite3_errmsg(s->db));
	if (store_step_row(s, st) != 1) {
		sqlite3_finalize(st);
		return err_set("store: cannot read the schema version: %s", err_msg());
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version == SCHEMA_VERSION)
		return 0;
	if (version > SCHEMA_VERSION)
		return err_set("store has schema version %d, newer than this program's "
			       "(%d): upgrade mutua", version, SCHEMA_VERSION);
	if (version >= 1 && version < SCHEMA_FORMAT2)
		return err_set("store holds format 1 entries, which this mutua cannot read "
			       "(there is no migration): keep it with the mutua that wrote it, "
			       "and start the federation again with format 2 (mutua init)");
	if (store_begin(s, s, "the schema migration"))
		return -1;
	for (int i = version; i < SCHEMA_VERSION; i++) {
		if (store_exec(s, schema_steps[i].sql)) {
			err_set("schema version %d: %s", schema_steps[i].version, err_msg());
			goto fail;
		}
		*refold |= version >= 1 && schema_steps[i].refold;
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (store_exec(s, sql) || store_commit(s, s))
		goto fail;
	return 0;
fail:
	*refold = 0;
	store_rollback(s, s);
	return -1;
}

/* "attempt to write a readonly database" says neither which file nor
 * why: a store shared by mutuad and the staff is written by both, and
 * SQLite writes the file and, for its WAL, the directory. */
static void readonly_why(const char *path)
{
	char dir[4096], who[64], file_who[128], dir_who[128];
	struct stat fs, ds;
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof dir, ".");
	struct passwd *me = getpwuid(geteuid());
	snprintf(who, sizeof who, "%s", me ? me->pw_name : "?");
	if (stat(path, &fs) || stat(dir, &ds)) {
		err_set("store '%s': cannot be written by user %s: %s", path, who, strerror(errno));
		return;
	}
	struct passwd *fo = getpwuid(fs.st_uid), *dow = getpwuid(ds.st_uid);
	struct group *fg = getgrgid(fs.st_gid), *dg = getgrgid(ds.st_gid);
	snprintf(file_who, sizeof file_who, "%s:%s", fo ? fo->pw_name : "?", fg ? fg->gr_name : "?");
	snprintf(dir_who, sizeof dir_who, "%s:%s", dow ? dow->pw_name : "?", dg ? dg->gr_name : "?");
	err_set("store '%s' cannot be written by user %s (uid %ld): the file is %s mode %04o, "
		"its directory %s mode %04o, and SQLite writes both; run mutua as %s "
		"(sudo -u %s mutua ...), or give %s write access to both (a group shared "
		"with mutuad, mode 0660 and 0770)",
		path, who, (long)geteuid(), file_who, (unsigned)(fs.st_mode & 07777), dir_who,
		(unsigned)(ds.st_mode & 07777), fo ? fo->pw_name : "the file's owner",
		fo ? fo->pw_name : "OWNER", who);
}

struct store *store_open(const char *path)
{
	struct store *s = calloc(1, sizeof *s);
	int refold = 0;
	if (!s) {
		err_set("out of memory");
		return NULL;
	}
	/* no memory statistics: they cost a mutex on every allocation; a sort
	 * (a listing's ORDER BY) in memory up to 4096 pages, 16 MiB, before
	 * it spills to a temporary file (the default is the page cache's
	 * 2 MB: 10 000 offers wrote 3.6 MB to /var/tmp to sort them). The
	 * memory is the sort's, freed with it */
	static int configured;
	if (!configured++) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		sqlite3_config(SQLITE_CONFIG_PMASZ, 4096);
	}
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		err_set("cannot open store '%s': %s", path,
			s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	sqlite3_extended_result_codes(s->db, 1);
	s->autockpt = AUTOCHECKPOINT_PAGES;
	s->budget_own = 1;
	s->wakes = *path && strlen(path) + 6 <= sizeof s->wake;
	snprintf(s->wake, sizeof s->wake, "%s-wake", path);
	sqlite3_wal_hook(s->db, on_commit, s);
	/* a store this user can only read (SQLite opens it so when a WAL is
	 * there to read) is refused as one it cannot open */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		readonly_why(path);
		goto fail;
	}
	struct statvfs fs;
	if (statvfs(path, &fs) == 0 && (unsigned long long)fs.f_bavail * fs.f_frsize >= KEEP_WAL_ROOM)
		sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	if (store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			  " PRAGMA journal_size_limit = 67108864;"
			  " PRAGMA foreign_keys = OFF; PRAGMA trusted_schema = OFF") ||
	    store_exec(s, schema_refold_sql) || migrate(s, &refold) || load_genesis(s) ||
	    lending_register_sql(s) || view_register_sql(s) || search_register_sql(s) ||
	    (refold && s->genesis && store_reindex(s))) {
		if ((sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_READONLY ||
		    strstr(err_msg(), "readonly database"))
			readonly_why(path);
		else
			err_set("store '%s': %s", path, err_msg());
		goto fail;
	}
	return s;
fail:
	store_close(&s);
	return NULL;
}

static void *checkpointer_run(void *arg)
{
	struct checkpointer *c = arg;
	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += CHECKPOINT_EVERY_MS * 1000000L;
		t.tv_sec += t.tv_nsec / 1000000000L;
		t.tv_nsec %= 1000000000L;
		if (!c->kicked && pthread_cond_timedwait(&c->cv, &c->mu, &t) != ETIMEDOUT)
			continue;
		c->kicked = 0;
		pthread_mutex_unlock(&c->mu);
		/* PASSIVE: copies what is committed, never waits for the writer;
		 * a failure (a reader holding old frames) is tried again later */
		int log = 0, done = 0;
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static void checkpointer_stop(struct checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	sqlite3_close(c->db);
	free(c);
}

int store_checkpoint_apart(struct store *s)
{
	const char *path = sqlite3_db_filename(s->db, "main");
	if (s->ckpt)
		return 0;
	struct checkpointer *c = calloc(1, sizeof *c);
	if (!c || !path || !*path)
		goto fail;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(c->db, 100);
	/* a connection learns that the file is in WAL mode by reading it;
	 * until then its checkpoints do nothing (and say -1 frames). The
	 * header's schema cookie is enough: it never parses the schema,
	 * which a connection that only copies the WAL has no use for */
	if (sqlite3_exec(c->db, "PRAGMA schema_version", NULL, NULL, NULL))
		goto fail;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, checkpointer_run, c)) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		goto fail;
	}
	s->ckpt = c;
	return 0;
fail:
	err_set("store: no checkpointer thread: %s",
		c && c->db ? sqlite3_errmsg(c->db) : "out of memory");
	if (c)
		sqlite3_close(c->db);
	free(c);
	return -1;
}

int store_is_scratch(struct store *s)
{
	return s->scratch;
}

struct store *store_open_scratch(void)
{
	/* "": SQLite's private temporary database, held in its page cache
	 * and spilt to a file it deletes itself only past cache_size */
	struct store *s = store_open("");
	if (!s)
		return NULL;
	/* a quarter of the memory, at most 1 GiB: a million entries and
	 * their derived rows fit, and nothing is written out */
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	long long kib = pages > 0 && size > 0 ? (long long)pages / 4 * (size / 1024) : 0;
	char sql[160];
	snprintf(sql, sizeof sql, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		 " PRAGMA cache_size = -%lld", kib > 65536 ? (kib < 1048576 ? kib : 1048576) : 65536);
	if (store_exec(s, sql)) {
		store_close(&s);
		return NULL;
	}
	s->scratch = 1;
	return s;
}

void store_close(struct store **sp)
{
	struct store *s = sp ? *sp : NULL;
	if (!s)
		return;
	int had_ckpt = s->ckpt != NULL;
	checkpointer_stop(s->ckpt);
	if (s->outer) /* prepare: nothing it did is kept */
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	for (int i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	free(s->cache);
	if (s->genesis)
		mutua__genesis__free_unpacked(s->genesis, NULL);
	/* mutuad's (it had a checkpointer) empties it whatever its size: a
	 * node stopped leaves the whole store in the file */
	if ((s->wal_pages >= CLOSE_CHECKPOINT_PAGES || had_ckpt) && sqlite3_get_autocommit(s->db)) {
		sqlite3_busy_timeout(s->db, 0);
		sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	sqlite3_close(s->db);
	free(s);
	*sp = NULL;
}

int store_has_federation(struct store *s)
{
	return s->genesis != NULL;
}

const uint8_t *store_fed_id(struct store *s)
{
	return s->genesis ? s->fed_id : NULL;
}

const Mutua__Genesis *store_genesis(struct store *s)
{
	return s->genesis;
}

int store_adopt_genesis(struct store *s, const uint8_t *bytes, size_t len)
{
	uint8_t id[FED_ID_BYTES];
	Mutua__Genesis *g = genesis_decode(bytes, len, id);
	if (!g)
		return -1;
	if (store_begin(s, s, "adopting a genesis"))
		goto fail;
	/* re-read under the write lock: another process may have adopted one */
	if (s->genesis)
		mutua__genesis__free_unpacked(s->genesis, NULL);
	s->genesis = NULL;
	if (load_genesis(s))
		goto fail;
	if (s->genesis) {
		err_set("this node already belongs to a federation");
		goto fail;
	}
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO meta(key, value) VALUES ('genesis', ?)");
	if (!st)
		goto fail;
	sqlite3_bind_blob(st, 1, bytes, (int)len, SQLITE_STATIC);
	if (store_step_done(s, st) || fold_genesis(s, g) || store_commit(s, s))
		goto fail;
	s->genesis = g;
	memcpy(s->fed_id, id, sizeof id);
	return 0;
fail:
	store_rollback(s, s);
	mutua__genesis__free_unpacked(g, NULL);
	return -1;
}

int store_is_member(struct store *s, const uint8_t id[KEY_ID_BYTES])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM members WHERE id = ? AND active");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return err_set("store: %s", sqlite3_errmsg(s->db));
	return rc == SQLITE_ROW;
}

int store_member_of(struct store *s, const uint8_t key[KEY_ID_BYTES],
		    uint8_t member[KEY_ID_BYTES], uint64_t *last)
{
	/* the member's id as a constant subquery: the join's coalesce(k.member,
	 * ?1), the same for every row, kept SQLite from the members' primary
	 * key (a scan of every member, a tenth of a reindex) */
	sqlite3_stmt *st = store_stmt(s, "SELECT m.id, min(coalesce(k.rotated, ?2),"
					 " coalesce(k.cut, ?2)) FROM members m"
					 " LEFT JOIN keys k ON k.key = ?1"
					 " WHERE m.id = coalesce((SELECT member FROM keys WHERE key = ?1), ?1)"
					 " AND m.active");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, key, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, INT64_MAX);
	int rc = sqlite3_step(st), found = 0;
	/* an aggregate: one row, with a NULL id when none matched */
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KEY_ID_BYTES) {
		found = 1;
		if (member)
			memcpy(member, sqlite3_column_blob(st, 0), KEY_ID_BYTES);
		if (last)
			*last = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return err_set("store: %s", sqlite3_errmsg(s->db));
	return found;
}

int store_excluded_at(struct store *s, const uint8_t id[KEY_ID_BYTES], int64_t *at)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT excluded FROM members WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	int64_t t = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (at)
		*at = t;
	return t != 0;
}

int store_feed_head(struct store *s, const uint8_t author[KEY_ID_BYTES],
		    struct feed_head *h)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT seq, id, link, time FROM feeds"
					 " WHERE author = ?");
	if (!st)
		return -1;
	memset(h, 0, sizeof *h);
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	if (rc == 1) {
		if (sqlite3_column_bytes(st, 1) != ENTRY_ID_BYTES ||
		    sqlite3_column_bytes(st, 2) != ENTRY_ID_BYTES) {
			sqlite3_reset(st);
			return err_set("store: a feed's head is damaged: run 'mutua reindex'");
		}
		h->seq = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(h->id, sqlite3_column_blob(st, 1), ENTRY_ID_BYTES);
		memcpy(h->link, sqlite3_column_blob(st, 2), ENTRY_ID_BYTES);
		h->time = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_head(struct store *s, const uint8_t author[KEY_ID_BYTES], uint64_t *seq,
	       uint8_t id[ENTRY_ID_BYTES])
{
	struct feed_head h;
	if (store_feed_head(s, author, &h))
		return -1;
	*seq = h.seq;
	if (id)
		memcpy(id, h.id, ENTRY_ID_BYTES);
	return 0;
}

/* Moves a feed's head to e. */
static int set_head(struct store *s, const struct entry *e)
{
	uint8_t link[ENTRY_ID_BYTES];
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO feeds(author, seq, id, link, time)"
					 " VALUES (?, ?, ?, ?, ?) ON CONFLICT(author) DO UPDATE"
					 " SET seq = excluded.seq, id = excluded.id,"
					 " link = excluded.link, time = excluded.time");
	if (!st)
		return -1;
	entry_link(link, e->id, e->sig);
	sqlite3_bind_blob(st, 1, e->b->author.data, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e->b->seq);
	sqlite3_bind_blob(st, 3, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, link, ENTRY_ID_BYTES, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, e->b->time);
	return store_step_done(s, st);
}

/* Inserts a checked entry, folds it and moves its feed's head. */
/* Inserts a checked entry and folds it; moves its feed's head when
 * move_head (a run of entries moves it once, at its last). */
static int put_entry(struct store *s, const struct entry *e, int verified, int move_head)
{
	const Mutua__Body *b = e->b;
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO entries(author, seq, id, type, time, body, sig, verified, cum)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 + coalesce((SELECT cum"
		" FROM entries WHERE author = ?1 AND seq = ?2 - 1), 0))");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, b->author.data, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)b->seq);
	sqlite3_bind_blob(st, 3, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, entry_type_name(b->payload_case), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, b->time);
	/* the scratch store keeps them too: a refold reads them (settle) */
	sqlite3_bind_blob(st, 6, e->body, (int)e->body_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, e->sig, KEY_SIG_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, verified);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)e->body_len + KEY_SIG_BYTES);
	if (store_step_done(s, st))
		return -1;
	if (move_head && set_head(s, e))
		return -1;
	return fold_entry(s, e);
}

/* The one reader of the view fork_points (schema.c). */
int store_fork_point(struct store *s, const uint8_t author[KEY_ID_BYTES], uint64_t *seq)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT seq FROM fork_points WHERE author = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && seq)
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return err_set("store: is the feed forked? %s", sqlite3_errmsg(s->db));
	return rc == SQLITE_ROW;
}

/* The lowest seq at which a feed is forked, 0 when it is not, -1. */
static int64_t fork_seq(struct store *s, const uint8_t *author)
{
	uint64_t seq;
	int rc = store_fork_point(s, author, &seq);
	return rc <= 0 ? rc : (int64_t)seq;
}

void store_governance_changed(struct store *s)
{
	s->gov_changed = 1;
}

/* ---- cuts: what a passed rekey or exclusion leaves out -----------------
 *
 * A cut (a rekey's upto, an exclusion's tally) or a member whose
 * admission no longer holds leaves entries in the store that have no
 * effect: those past the last seq their key keeps (store_member_of), all
 * of a key that is no member's. An entry that arrives once the cut is
 * known is refused (insert_run); one that arrived before was folded, so
 * the derived tables are folded again without it: the refold. void_feeds
 * holds the feeds the latest refold left entries out of, and where; a
 * refold runs whenever the feeds that should be left out differ from it,
 * so the derived state is the same whatever the order of arrival. */
#define VOID_NOW_SQL \
	"SELECT f.author AS author, coalesce((SELECT min(coalesce(k.rotated, 9223372036854775807)," \
	" coalesce(k.cut, 9223372036854775807)) FROM members m LEFT JOIN keys k ON k.key = f.author" \
	" WHERE m.id = coalesce(k.member, f.author) AND m.active), 0) AS last" \
	" FROM entries_heads f WHERE f.seq > last"

/* The feeds with entries left out, as one text (author:last, ...): what
 * should be left out now (now = 1), or what the latest refold left out. */
static char *void_text(struct store *s, int now)
{
	sqlite3_stmt *st = store_stmt(s, now
		? "WITH entries_heads AS (SELECT author, max(seq) AS seq FROM entries"
		  " GROUP BY author) SELECT coalesce(group_concat(hex(author) || ':' || last,"
		  " ','), '') FROM (" VOID_NOW_SQL " ORDER BY f.author)"
		: "SELECT coalesce(group_concat(hex(author) || ':' || last, ','), '')"
		  " FROM (SELECT author, last FROM void_feeds ORDER BY author)");
	if (!st)
		return NULL;
	char *text = NULL;
	if (store_step_row(s, st) == 1 &&
	    !(text = strdup((const char *)sqlite3_column_text(st, 0))))
		err_set("out of memory");
	sqlite3_reset(st);
	return text;
}

/* Folds every stored entry again, in arrival order, leaving out what the
 * cuts known now leave out (written to void_feeds first). */
static int refold(struct store *s)
{
	if (store_exec(s, "DELETE FROM temp.refold_void; DELETE FROM temp.refold_admitted;"
			  " INSERT INTO temp.refold_admitted SELECT DISTINCT target FROM proposals"
			  " WHERE kind = 'admit' AND target IS NOT NULL;"
			  " WITH entries_heads AS (SELECT author, max(seq) AS seq FROM entries"
			  " GROUP BY author) INSERT INTO temp.refold_void " VOID_NOW_SQL ";") ||
	    fold_clear(s) || fold_genesis(s, s->genesis) ||
	    store_exec(s, "INSERT INTO void_feeds SELECT author, last FROM temp.refold_void"))
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT e.body, e.sig, coalesce(v.last, -1) FROM entries e"
			       " LEFT JOIN temp.refold_void v ON v.author = e.author ORDER BY e.n",
			       -1, &st, NULL))
		return err_set("store: %s", sqlite3_errmsg(s->db));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct entry e;
		if (entry_decode(&e, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
				 sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))) {
			err_set("a stored entry does not decode again: %s", err_msg());
			rc = -1;
			break;
		}
		const Mutua__Body *b = e.b;
		int64_t cut = sqlite3_column_int64(st, 2);
		uint64_t last;
		int m = store_member_of(s, b->author.data, e.member, &last);
		int fold = m == 1 && b->seq <= last && (cut < 0 || b->seq <= (uint64_t)cut);
		if (m < 0 || set_head(s, &e) || (fold && fold_entry(s, &e))) {
			entry_free(&e);
			rc = -1;
			break;
		}
		entry_free(&e);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc == -1 ? -1 : err_set("store: %s", sqlite3_errmsg(s->db));
	if (governance_feed_grew(s, NULL) < 0)
		return -1;
	return store_exec(s, "DELETE FROM temp.refold_void; DELETE FROM temp.refold_admitted");
}

/* After folds that changed the governance: refolds until what the cuts
 * leave out is what the latest refold left out. */
void store_refold_wanted(struct store *s)
{
	s->gov_changed = 1;
	s->refold_forced = 1;
}

static int settle(struct store *s, int check)
{
	int forced = s->refold_forced;
	s->refold_forced = 0;
	for (int pass = 0; pass < 4 && (check || forced || s->gov_changed); pass++) {
		char *now = void_text(s, 1), *was = now ? void_text(s, 0) : NULL;
		int same = was && strcmp(now, was) == 0;
		free(now);
		free(was);
		if (!was)
			return -1;
		s->gov_changed = 0;
		if (same && !forced)
			return 0;
		check = forced = 0;
		if (refold(s))
			return -1;
		/* the replay asks again for what it just did: once is enough */
		s->refold_forced = 0;
	}
	return 0;
}

int store_hold_appends(struct store *s, int64_t until_ms)
{
	if (check_owner(s, NULL))
		return -1;
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO meta(key, value) VALUES"
					 " ('hold_appends_until', ?) ON CONFLICT(key)"
					 " DO UPDATE SET value = excluded.value");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, until_ms);
	return store_step_done(s, st);
}

int store_appends_held(struct store *s, int64_t *until)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT value FROM meta WHERE key = 'hold_appends_until'");
	if (!st)
		return -1;
	int rc = store_step_row(s, st);
	*until = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	return *until > clock_now_ms();
}


/* ---- budgets: what a node takes of one feed in 24 h ---------------------
 *
 * entries-per-day and bytes-per-day (governance.h), the values in force
 * now, bound the entries of one feed (a signing key) whose own times fall
 * in any 24 h: an entry is taken when, with the entries of its feed timed
 * in the 24 h up to its own time, it stays within both. A transport
 * decision (like an entry dated too far ahead, invariant 9): a feed past
 * it is held (neither stored nor relayed: the rest of the batch with
 * it), and since the rule reads the entries' times, not this node's
 * clock, every node holds the same feed at the same seq. No derived
 * state depends on it: what is stored folds the same everywhere. A node
 * never signs past it (store_append); a patched node's feed stops there
 * on every node, until the federation raises the budget. An operator can
 * stop taking a member's feeds too (store_feed_stop).
 *
 * The budget is the member's, not its key's: the window also counts the
 * entries of the member's earlier feeds (up to where each was rotated or
 * cut) timed after the window's start, later ones included, so that a
 * rotation does not open a fresh budget (nor a new feed dated back
 * escape it). A new key is known only from its rotation, the old feed's
 * last entry, or a passed rekey, so those entries are held already and
 * every node counts the same. */
#define BUDGET_WINDOW_MS 86400000LL

static sqlite3_stmt *at_seq(struct store *s, const char *sql, const uint8_t *author,
			    uint64_t seq);

/* Runs sql with one 32-byte blob bound to ?1. */
static int store_exec_bound(struct store *s, const char *sql, const uint8_t *id)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, KEY_ID_BYTES, SQLITE_STATIC);
	return store_step_done(s, st);
}

void store_set_budgets(struct store *s, int own, int intake)
{
	s->budget_own = own;
	s->budget_intake = intake;
}

struct window {
	const uint8_t *author;
	uint64_t head, lo;   /* stored up to head; the window starts at seq lo */
	uint64_t last;       /* and ends at seq last */
	const struct entry *batch; /* seqs head + 1 ...: not stored yet */
	int64_t n, bytes, max_n, max_bytes;
	/* the member's earlier feeds' entries in the window, by time: those
	 * from prev_lo on are counted in n and bytes */
	int64_t (*prev)[2]; /* time, size */
	size_t n_prev, prev_lo;
};

static void window_close(struct window *w)
{
	free(w->prev);
	w->prev = NULL;
	w->n_prev = w->prev_lo = 0;
}

/* The entries of member's earlier feeds (other than author's, up to
 * where each was rotated or cut) timed after since, in time order. */
static int window_prev(struct store *s, struct window *w, const uint8_t *member, int64_t since)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT e.time, length(e.body) + length(e.sig)"
		" FROM keys k JOIN entries e ON e.author = k.key"
		" AND e.seq <= min(coalesce(k.rotated, 9223372036854775807),"
		" coalesce(k.cut, 9223372036854775807))"
		" WHERE k.member = ?1 AND k.key != ?2 AND coalesce(k.rotated, k.cut) IS NOT NULL"
		" AND e.time > ?3 ORDER BY e.time");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, w->author, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	size_t cap = 0;
	int rc;
	while ((rc = store_step_row(s, st)) == 1) {
		if (w->n_prev == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			void *p = realloc(w->prev, ncap * sizeof *w->prev);
			if (!p) {
				sqlite3_reset(st);
				return err_set("out of memory");
			}
			w->prev = p;
			cap = ncap;
		}
		w->prev[w->n_prev][0] = sqlite3_column_int64(st, 0);
		w->prev[w->n_prev][1] = sqlite3_column_int64(st, 1);
		w->n += 1;
		w->bytes += w->prev[w->n_prev][1];
		w->n_prev++;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* The time and size of seq (stored, or in the batch). */
static int window_entry(struct store *s, const struct window *w, uint64_t seq, int64_t *time,
			int64_t *size)
{
	if (seq > w->head) {
		const struct entry *e = &w->batch[seq - w->head - 1];
		*time = e->b->time;
		*size = (int64_t)e->body_len + KEY_SIG_BYTES;
		return 0;
	}
	sqlite3_stmt *st = at_seq(s, "SELECT time, length(body) + length(sig) FROM entries"
				     " WHERE author = ?1 AND seq = ?2", w->author, seq);
	if (!st)
		return -1;
	int rc = store_step_row(s, st);
	if (rc == 1) {
		*time = sqlite3_column_int64(st, 0);
		*size = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == 1 ? 0 : rc < 0 ? -1 : err_set("store: seq %llu of a feed is missing",
						   (unsigned long long)seq);
}

/* The window of member's feed author (held up to head), with its earlier
 * feeds, before an entry at t. Closed with window_close. */
static int window_open(struct store *s, struct window *w, const uint8_t *member,
		       const uint8_t *author, uint64_t head, const struct entry *batch, int64_t t)
{
	memset(w, 0, sizeof *w);
	w->author = author;
	w->head = w->last = head;
	w->batch = batch;
	if (governance_param_get(s, "entries-per-day", &w->max_n) ||
	    governance_param_get(s, "bytes-per-day", &w->max_bytes))
		return -1;
	/* the first seq timed after since: times grow with seq, so it is
	 * past any seq timed before since. Where it was found last for this
	 * feed is such a seq when its predecessor is still timed before since
	 * (one look): the window's start moves little from one entry to the
	 * next, found by galloping from there, then halving */
	int64_t since = t - BUDGET_WINDOW_MS, time, size;
	uint64_t lo = 1, hi = head + 1;
	struct window_start *hint = &s->wstart[author[0] % WINDOW_STARTS];
	if (memcmp(hint->author, author, KEY_ID_BYTES) == 0 && hint->lo > 1 && hint->lo <= hi) {
		if (window_entry(s, w, hint->lo - 1, &time, &size))
			return -1;
		if (time <= since)
			lo = hint->lo;
	}
	for (uint64_t step = 1; lo < hi; step *= 2) {
		uint64_t probe = hi - lo > step ? lo + step - 1 : hi - 1;
		if (window_entry(s, w, probe, &time, &size))
			return -1;
		if (time > since) {
			hi = probe;
			break;
		}
		lo = probe + 1;
	}
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (window_entry(s, w, mid, &time, &size))
			return -1;
		if (time > since)
			hi = mid;
		else
			lo = mid + 1;
	}
	memcpy(hint->author, author, KEY_ID_BYTES);
	hint->lo = lo;
	w->lo = lo;
	/* the feed is held without gap: lo .. head, and their bytes the
	 * difference of two running totals (entries.cum) */
	if (lo <= head) {
		sqlite3_stmt *st = store_stmt(s, "SELECT coalesce((SELECT cum FROM entries"
						 " WHERE author = ?1 AND seq = ?3), 0) -"
						 " coalesce((SELECT cum FROM entries"
						 " WHERE author = ?1 AND seq = ?2 - 1), 0)");
		if (!st)
			return -1;
		sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)lo);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)head);
		int rc = store_step_row(s, st);
		if (rc == 1) {
			w->n = (int64_t)(head - lo + 1);
			w->bytes = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
		if (rc != 1)
			return -1;
	}
	return window_prev(s, w, member, since);
}

/* May the next entry (seq, at t, size bytes) be taken? 1 yes (it is then
 * in the window), 0 no, -1. Entries leave the window as t moves on. */
static int window_take(struct store *s, struct window *w, uint64_t seq, int64_t t, int64_t size)
{
	while (w->lo < seq) {
		int64_t time, sz;
		if (window_entry(s, w, w->lo, &time, &sz))
			return -1;
		if (time > t - BUDGET_WINDOW_MS)
			break;
		w->n--;
		w->bytes -= sz;
		w->lo++;
	}
	while (w->prev_lo < w->n_prev && w->prev[w->prev_lo][0] <= t - BUDGET_WINDOW_MS) {
		w->n--;
		w->bytes -= w->prev[w->prev_lo][1];
		w->prev_lo++;
	}
	if (w->n + 1 > w->max_n || w->bytes + size > w->max_bytes)
		return 0;
	w->n++;
	w->bytes += size;
	w->last = seq;
	return 1;
}

/* When an entry at t fits again in the window w: the time its oldest
 * entries leave it (at most 24 h after the oldest). */
static int64_t window_reopens(struct store *s, struct window *w, int64_t size)
{
	int64_t n = w->n, bytes = w->bytes;
	uint64_t seq = w->lo;
	size_t p = w->prev_lo;
	/* the feed's and the earlier feeds' entries leave in time order */
	while (seq <= w->last || p < w->n_prev) {
		int64_t time = 0, sz = 0;
		if (seq <= w->last && window_entry(s, w, seq, &time, &sz))
			return 0;
		if (p < w->n_prev && (seq > w->last || w->prev[p][0] < time)) {
			time = w->prev[p][0];
			sz = w->prev[p][1];
			p++;
		} else {
			seq++;
		}
		n--;
		bytes -= sz;
		if (n + 1 <= w->max_n && bytes + size <= w->max_bytes)
			return time + BUDGET_WINDOW_MS;
	}
	return 0;
}

int store_feed_stop(struct store *s, const uint8_t member[KEY_ID_BYTES], int stop)
{
	sqlite3_stmt *st = store_stmt(s, stop ? "INSERT OR IGNORE INTO feed_stops(member, since)"
						" VALUES (?1, ?2)"
					      : "DELETE FROM feed_stops WHERE member = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	if (stop)
		sqlite3_bind_int64(st, 2, clock_now_ms());
	if (store_step_done(s, st))
		return -1;
	int changed = sqlite3_changes(s->db) > 0;
	if (!stop && store_exec_bound(s, "DELETE FROM feed_holds WHERE member = ?1", member))
		return -1;
	return changed;
}

int store_feed_held(struct store *s, const uint8_t author[KEY_ID_BYTES])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM feed_holds WHERE author = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	sqlite3_reset(st);
	return rc;
}

int store_feed_stopped(struct store *s, const uint8_t member[KEY_ID_BYTES])
{
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM feed_stops WHERE member = ?1");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, member, KEY_ID_BYTES, SQLITE_STATIC);
	int rc = store_step_row(s, st);
	sqlite3_reset(st);
	return rc;
}

/* Records what a batch held of author's feed (why: "budget" or
 * "stopped"), or that it took some again (why NULL). */
static int note_hold(struct store *s, const uint8_t *author, const uint8_t *member,
		     const char *why, uint64_t seq, int64_t entries, int64_t bytes,
		     int64_t reopens)
{
	if (!why)
		return store_exec_bound(s, "DELETE FROM feed_holds WHERE author = ?1", author);
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO feed_holds(author, member, why, seq,"
					 " entries, bytes, since, reopens) VALUES (?1, ?2, ?3, ?4,"
					 " ?5, ?6, ?7, ?8) ON CONFLICT(author) DO UPDATE SET"
					 " why = excluded.why, seq = excluded.seq,"
					 " entries = excluded.entries, bytes = excluded.bytes,"
					 " reopens = excluded.reopens,"
					 " since = iif(why = excluded.why AND seq = excluded.seq,"
					 " since, excluded.since)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, member, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 5, entries);
	sqlite3_bind_int64(st, 6, bytes);
	sqlite3_bind_int64(st, 7, clock_now_ms());
	if (reopens)
		sqlite3_bind_int64(st, 8, reopens);
	return store_step_done(s, st);
}

/* Refuses while the daemon holds appends (see store_hold_appends). */
static int check_hold(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT value FROM meta WHERE key = 'hold_appends_until'");
	if (!st)
		return -1;
	int rc = store_step_row(s, st);
	int64_t until = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	int64_t now = clock_now_ms();
	if (until > now)
		return err_set("mutuad is confirming this member's own feed with its peers "
			       "after a start: try again in %lld s",
			       (long long)((until - now) / 1000 + 1));
	return 0;
}

int store_append(struct store *s, const struct key *k, Mutua__Body *b,
		 uint8_t id_out[ENTRY_ID_BYTES])
{
	uint64_t seq;
	struct feed_head head;
	struct entry e = {0};

	if (!s->genesis)
		return err_set("this node has no federation yet: run 'mutua federation "
			       "create' or 'mutua federation join'");
	/* joins only a transaction that k's holder opened (store_begin with
	 * k), never one that another writer holds open (the sync round) */
	if (check_owner(s, k))
		return -1;
	int own_txn = txn_idle(s);
	if (own_txn ? store_begin(s, k, "an append") : store_exec(s, "SAVEPOINT append"))
		return -1;
	if (check_hold(s) || store_feed_head(s, k->id, &head))
		goto fail;
	seq = head.seq;
	uint64_t last;
	uint8_t member_id[KEY_ID_BYTES];
	int member = store_member_of(s, k->id, member_id, &last);
	if (member <= 0) {
		if (member == 0)
			err_set("this member is not (or not yet) a member of the federation: "
				"its entries would be refused");
		goto fail;
	}
	int current = member_is_current(s, member_id);
	if (current <= 0) {
		if (current == 0) /* a member all the same: store_member_of found it */
			err_set("this member was excluded from the federation");
		goto fail;
	}
	if (seq >= last) {
		err_set("this key was replaced at seq %llu of its feed: its entries would "
			"be refused", (unsigned long long)last);
		goto fail;
	}
	int64_t forked = fork_seq(s, k->id);
	if (forked < 0)
		goto fail;
	if (forked) {
		err_set("this member's own feed is forked at seq %lld: refusing to "
			"append (run 'mutua doctor')", (long long)forked);
		goto fail;
	}
	b->federation.data = s->fed_id;
	b->federation.len = FED_ID_BYTES;
	b->author.data = (uint8_t *)k->id;
	b->author.len = KEY_ID_BYTES;
	b->seq = seq + 1;
	b->has_prev = seq > 0;
	b->prev.data = seq > 0 ? head.link : NULL;
	b->prev.len = seq > 0 ? ENTRY_ID_BYTES : 0;
	/* the clock, or the later time the caller asked for (a loan's step
	 * is not before the step it cites: lending_append), and never before
	 * the feed's previous entry: a clock set back does not make an entry
	 * every node refuses */
	int64_t now = clock_now_ms();
	b->time = b->time > now ? b->time : now;
	b->time = b->time > head.time ? b->time : head.time;
	/* a staff person's act for this append: signed beforehand by a staff
	 * client (its commit), or now by the person signed in (store_act_as) */
	Mutua__StaffAct *given = b->staff;
	if (s->staff.act && s->staff.act(s->staff.arg, b)) {
		b->staff = given;
		goto fail;
	}
	/* invariant 11: a vote the count would not take is refused (decided
	 * before this vote is folded: the count may pass the proposal on it) */
	/* what this node signs keeps the text rule of today (text.h) */
	int sealed = entry_check_new(b) || entry_seal(&e, k, b);
	b->staff = given; /* a hook's act was this call's: the body is left as given */
	if (sealed)
		goto fail;
	if (b->payload_case == MUTUA__BODY__PAYLOAD_VOTE &&
	    governance_vote_check(s, b->vote->proposal.data, b->time))
		goto fail;
	if (s->budget_own) {
		/* the member's own budget: never sign what every node would hold */
		struct window w;
		int64_t size = (int64_t)e.body_len + KEY_SIG_BYTES;
		int take;
		if (window_open(s, &w, member_id, k->id, seq, NULL, b->time) ||
		    (take = window_take(s, &w, b->seq, b->time, size)) < 0) {
			window_close(&w);
			goto fail;
		}
		int64_t reopens = take ? 0 : window_reopens(s, &w, size);
		window_close(&w);
		if (!take) {
			char when[CLOCK_BUF];
			clock_format(when, reopens);
			err_set("this member has signed its budget of the last 24 hours (%lld "
				"entries, %lld bytes; the federation's entries-per-day and "
				"bytes-per-day): appends reopen at %s",
				(long long)w.n, (long long)w.bytes, when);
			goto fail;
		}
	}
	memcpy(e.member, member_id, KEY_ID_BYTES);
	/* invariant 11: an entry the fold ignores is refused, with its reason,
	 * before it leaves the transaction */
	if (put_entry(s, &e, 1, 1) || settle(s, 0) || staff_refusal(s, &e) ||
	    lending_refusal(s, &e) || governance_refusal(s, &e) ||
	    (s->staff.capture && s->staff.capture(s->staff.arg, b)) ||
	    (own_txn ? store_commit(s, k) : store_exec(s, "RELEASE append")))
		goto fail;
	if (id_out)
		memcpy(id_out, e.id, ENTRY_ID_BYTES);
	entry_free(&e);
	return 0;
fail:
	/* inside a caller's transaction, undo this append alone */
	if (own_txn)
		store_rollback(s, k);
	else
		sqlite3_exec(s->db, "ROLLBACK TO append; RELEASE append", NULL, NULL, NULL);
	entry_free(&e);
	return -1;
}

/* store_act_as's act hook: the person's act over the payload as it
 * stands, for this feed, a fresh nonce each time. */
static int act_as_sign(void *arg, Mutua__Body *b)
{
	struct store *s = arg;
	b->staff = NULL;
	return staff_act_sign(b, s->act_key, s->act_delegation, 0, &s->act, s->act_sig);
}

void store_act_as(struct store *s, const struct key *staff,
		  const uint8_t delegation[ENTRY_ID_BYTES])
{
	struct store_staff_hooks h = {.act = act_as_sign, .arg = s};
	s->act_key = staff;
	if (staff)
		memcpy(s->act_delegation, delegation, ENTRY_ID_BYTES);
	store_staff_hooks(s, staff ? &h : NULL);
}

/* The cached statement sql with (author, seq) bound to ?1 and ?2. */
static sqlite3_stmt *at_seq(struct store *s, const char *sql, const uint8_t *author,
			    uint64_t seq)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (st) {
		sqlite3_bind_blob(st, 1, author, KEY_ID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	}
	return st;
}

/* Keeps e as one side of a fork. 1 new, 0 already kept, -1. */
static int put_fork(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO forks(author, seq, id, body,"
					 " sig, found) VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, b->author.data, KEY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)b->seq);
	sqlite3_bind_blob(st, 3, e->id, ENTRY_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, e->body, (int)e->body_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, e->sig, KEY_SIG_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, clock_now_ms());
	if (store_step_done(s, st))
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int store_held_id(struct store *s, const uint8_t *author, uint64_t seq,
		  uint8_t id[ENTRY_ID_BYTES], int *checked)
{
	sqlite3_stmt *st = at_seq(s, "SELECT id, verified FROM entries WHERE author = ?1"
				     " AND seq = ?2", author, seq);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memcpy(id, sqlite3_column_blob(st, 0), ENTRY_ID_BYTES);
		if (checked)
			*checked = sqlite3_column_int(st, 1) == 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return err_set("store: %s", sqlite3_errmsg(s->db));
	return rc == SQLITE_ROW;
}

/* e conflicts with what we hold at its (author, seq): keep it as a fork
 * proof when both are validly signed. 1 fork recorded, 0 rejected, -1. */
static int record_fork(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	uint8_t id[ENTRY_ID_BYTES];
	if (entry_verify(e)) {
		err_set("conflicting entry at seq %llu has a bad signature",
			(unsigned long long)b->seq);
		return 0;
	}
	/* ours is authenticated: its signature, or a later one's through the
	 * chain, was checked when it was stored */
	int rc = store_held_id(s, b->author.data, b->seq, id, NULL);
	if (rc <= 0)
		return rc;
	return put_fork(s, e);
}

#define WHY_LEN 256

/* Inserts decoded entries of one feed in ascending seq (see
 * store_insert_batch). sigs_ok: every signature was checked already. */
static int insert_run(struct store *s, struct entry *e, size_t ne, int sigs_ok,
		      struct batch_result *r, char *why)
{
	size_t i, own_txn = sqlite3_get_autocommit(s->db);
	uint64_t head;
	struct feed_head fh;
	struct window w = {0};

	memcpy(r->author, e[0].b->author.data, KEY_ID_BYTES);

	if (own_txn && store_begin(s, s, "a batch of received entries"))
		goto fail;
	uint8_t member_id[KEY_ID_BYTES];
	uint64_t last;
	int member = store_member_of(s, r->author, member_id, &last);
	if (member < 0)
		goto fail;
	if (!member) {
		err_fmt(why, WHY_LEN, "author is not a member of this federation");
		r->rejected += ne;
		goto commit;
	}
	if (store_feed_head(s, r->author, &fh))
		goto fail;
	head = fh.seq;

	/* entries at seqs we hold: duplicates, or fork proofs */
	for (i = 0; i < ne && e[i].b->seq <= head; i++) {
		uint8_t held[ENTRY_ID_BYTES];
		int found = store_held_id(s, r->author, e[i].b->seq, held, NULL);
		if (found < 0)
			goto fail;
		if (found && memcmp(held, e[i].id, ENTRY_ID_BYTES) == 0) {
			r->duplicates++;
			continue;
		}
		int f = record_fork(s, &e[i]);
		if (f < 0)
			goto fail;
		if (f)
			r->forks++;
		else {
			r->rejected++;
			if (!*why)
				snprintf(why, WHY_LEN, "%s", err_msg());
		}
	}

	int64_t forked = fork_seq(s, r->author);
	if (forked < 0)
		goto fail;
	/* past an exclusion's cut, or a rotation's or a rekey's end */
	int excluded = store_excluded_at(s, member_id, NULL);
	if (excluded < 0)
		goto fail;
	size_t start = i, end = i;
	/* budgets (above): a stopped feed is held whole; else the window of
	 * its 24 h is opened at the first new entry */
	int budget = s->budget_intake && start < ne, wopen = 0, stopped = 0;
	int64_t reopens = 0;
	if (budget && (stopped = store_feed_stopped(s, member_id)) < 0)
		goto fail;
	if (forked && start < ne && e[start].b->seq >= (uint64_t)forked) {
		err_fmt(why, WHY_LEN, "feed is forked at seq %lld: not extended",
			 (long long)forked);
	} else {
		/* the run that extends our head, linked by prev */
		int64_t ahead = clock_now_ms() + ENTRY_AHEAD_MAX_MS;
		for (end = start; end < ne; end++) {
			const Mutua__Body *b = e[end].b;
			/* below a fork point (known from a proof) the feed is sound */
			if (forked && b->seq >= (uint64_t)forked) {
				err_fmt(why, WHY_LEN, "feed is forked at seq %lld: not extended",
					 (long long)forked);
				break;
			}
			if (b->seq > last) {
				err_fmt(why, WHY_LEN, excluded ? REFUSAL_EXCLUDED : REFUSAL_KEY_ENDED,
					 (unsigned long long)last, (unsigned long long)b->seq);
				break;
			}
			if (entry_extends(&e[end], fh.seq, fh.link, fh.time, why, WHY_LEN))
				break;
			/* invariant 9: held until the clock catches up, not refused */
			if (b->time > ahead) {
				r->held = ne - end;
				r->held_why = BATCH_HELD_AHEAD;
				break;
			}
			if (budget) {
				int64_t size = (int64_t)e[end].body_len + KEY_SIG_BYTES;
				int take = !stopped;
				if (take && !wopen) {
					if (window_open(s, &w, member_id, r->author, head, &e[start],
							b->time))
						goto fail;
					wopen = 1;
				}
				if (take && (take = window_take(s, &w, b->seq, b->time, size)) < 0)
					goto fail;
				if (!take) {
					r->held = ne - end;
					r->held_why = stopped ? BATCH_HELD_STOPPED : BATCH_HELD_BUDGET;
					reopens = stopped ? 0 : window_reopens(s, &w, size);
					break;
				}
			}
			fh.seq = b->seq;
			entry_link(fh.link, e[end].id, e[end].sig);
			fh.time = b->time;
			/* a rotation is its key's last entry: what follows it in
			 * the same batch is past the key's end */
			if (b->payload_case == MUTUA__BODY__PAYLOAD_ROTATE && b->seq < last)
				last = b->seq;
		}
	}
	/* the newest signature vouches for the run, signatures included: the
	 * chain covers them (entry_link) */
	size_t good = end;
	if (end > start && !sigs_ok) {
		if (entry_verify(&e[end - 1]) != 0) {
			/* the chain does not vouch: check each, keep the valid prefix */
			for (good = start; good < end && entry_verify(&e[good]) == 0; good++)
				;
			err_fmt(why, WHY_LEN, REFUSAL_BAD_SIGNATURE,
				 (unsigned long long)e[good].b->seq);
		}
	}
	for (i = start; i < good; i++)
		memcpy(e[i].member, member_id, KEY_ID_BYTES);
	for (i = start; i < good; i++)
		if (put_entry(s, &e[i], 1, i == good - 1))
			goto fail;
	if (good > start && (governance_feed_grew(s, r->author) < 0 || settle(s, 0)))
		goto fail;
	r->added = good - start;
	r->rejected += ne - good - r->held;
	if (budget && (r->held_why == BATCH_HELD_BUDGET || r->held_why == BATCH_HELD_STOPPED)) {
		int64_t bytes = 0;
		for (size_t j = end; j < ne; j++)
			bytes += (int64_t)e[j].body_len + KEY_SIG_BYTES;
		if (note_hold(s, r->author, member_id, stopped ? "stopped" : "budget",
			      e[end].b->seq, (int64_t)(ne - end), bytes, reopens))
			goto fail;
	} else if (budget && good > start && note_hold(s, r->author, member_id, NULL, 0, 0, 0, 0)) {
		goto fail;
	}
commit:
	window_close(&w);
	if (own_txn && store_commit(s, s))
		goto fail;
	return store_head(s, r->author, &r->author_seq, NULL);
fail:
	window_close(&w);
	if (own_txn)
		store_rollback(s, s);
	return -1;
}

int store_insert_batch(struct store *s, const struct raw_entry *v, size_t n,
		       struct batch_result *r)
{
	struct entry *e = NULL;
	size_t ne = 0, i;
	char why[WHY_LEN] = "";
	int rc = 0;

	memset(r, 0, sizeof *r);
	if (!s->genesis)
		return err_set("this node has no federation");
	if (n == 0)
		return 0;
	if (n > STORE_BATCH_MAX)
		return err_set("batch of %zu entries is too large", n);
	if (!(e = calloc(n, sizeof *e)))
		return err_set("out of memory");

	/* decode the longest valid prefix: what follows a bad entry cannot
	 * link to anything we would keep */
	for (ne = 0; ne < n; ne++) {
		if (entry_decode(&e[ne], v[ne].body, v[ne].body_len, v[ne].sig, v[ne].sig_len))
			break;
		const Mutua__Body *b = e[ne].b;
		if (memcmp(b->federation.data, s->fed_id, FED_ID_BYTES) != 0) {
			err_set(REFUSAL_OTHER_FEDERATION);
			entry_free(&e[ne]);
			break;
		}
		if (ne > 0 && (memcmp(b->author.data, e[0].b->author.data, KEY_ID_BYTES) ||
			       b->seq <= e[ne - 1].b->seq)) {
			err_set("batch mixes feeds or is out of order");
			entry_free(&e[ne]);
			break;
		}
	}
	if (ne < n)
		snprintf(why, sizeof why, "%s", err_msg());
	r->rejected = n - ne;
	if (ne > 0)
		rc = insert_run(s, e, ne, 0, r, why);
	for (i = 0; i < ne; i++)
		entry_free(&e[i]);
	free(e);
	if (rc == 0 && *why)
		err_set("%s", why);
	return rc;
}

int store_insert_entries(struct store *s, struct entry *e, size_t n, int sigs_ok,
			 struct batch_result *r)
{
	char why[WHY_LEN] = "";
	memset(r, 0, sizeof *r);
	if (!s->genesis)
		return err_set("this node has no federation");
	for (size_t i = 0; i < n; i++)
		if (memcmp(e[i].b->federation.data, s->fed_id, FED_ID_BYTES) ||
		    memcmp(e[i].b->author.data, e[0].b->author.data, KEY_ID_BYTES) ||
		    (i > 0 && e[i].b->seq <= e[i - 1].b->seq))
			return err_set("entries of another federation, several feeds or out of order");
	if (n == 0)
		return 0;
	int rc = insert_run(s, e, n, sigs_ok, r, why);
	if (rc == 0 && *why)
		err_set("%s", why);
	return rc;
}

/* Folds the entries of a chunk whose signatures are checked, in order:
 * each must extend its feed and be signed by a member's key. */
static int reindex_take(struct store *s, struct sigcheck_chunk *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct entry *e = &c->e[i];
		const Mutua__Body *b = e->b;
		struct feed_head fh;
		char why[WHY_LEN], hex[HEX_ID_LEN + 1];
		uint64_t last;
		if (!c->ok[i] || store_feed_head(s, b->author.data, &fh) ||
		    entry_extends(e, fh.seq, fh.link, fh.time, why, sizeof why)) {
			hex_encode(hex, b->author.data, KEY_ID_BYTES);
			return err_set("stored entry #%lld (member %.12s, seq %llu) is corrupted",
				       (long long)c->tag[i], hex, (unsigned long long)b->seq);
		}
		/* in store order, a key's rotation or rekey precedes its use */
		if (store_member_of(s, b->author.data, e->member, &last) != 1) {
			hex_encode(hex, b->author.data, KEY_ID_BYTES);
			return err_set("stored entry #%lld is signed by %.12s, not a member's key",
				       (long long)c->tag[i], hex);
		}
		/* put_entry would re-insert: fold and move the head only. An
		 * entry past its key's end (stored by other means than
		 * insert_run, which refuses it) is kept as evidence, unfolded */
		if (set_head(s, e) || (b->seq <= last && fold_entry(s, e)))
			return -1;
	}
	return 0;
}

int store_reindex(struct store *s)
{
	sqlite3_stmt *st = NULL;
	struct sigcheck *pool = NULL;
	struct sigcheck_chunk *checked;
	if (!s->genesis)
		return err_set("this node has no federation yet");
	if (!(pool = sigcheck_start(0)))
		return -1;
	if (store_begin(s, s, "reindex") || fold_clear(s) || fold_genesis(s, s->genesis))
		goto fail;
	/* a plain statement: put_entry uses the cache while this one runs */
	if (sqlite3_prepare_v2(s->db, "SELECT n, author, seq, id, body, sig FROM entries"
				      " ORDER BY n", -1, &st, NULL)) {
		err_set("store: %s", sqlite3_errmsg(s->db));
		goto fail;
	}
	/* decoded here, their signatures checked by the workers while the
	 * previous chunk is folded (sigcheck.h). An entry that cannot be
	 * decoded, or is not the row it is stored as, ends the reading; the
	 * entries before it are folded first, so that the error names the
	 * first corrupted entry in store order whichever check finds it */
	char corrupt[512] = "";
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sigcheck_chunk *filling = sigcheck_filling(pool);
		size_t i = filling->n;
		struct entry *e = &filling->e[i];
		int64_t n = sqlite3_column_int64(st, 0);
		if (entry_decode(e, sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4),
				 sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5))) {
			err_fmt(corrupt, sizeof corrupt, "stored entry #%lld is corrupted: %s",
				(long long)n, err_msg());
			break;
		}
		const Mutua__Body *b = e->b;
		if (sqlite3_column_bytes(st, 3) != ENTRY_ID_BYTES ||
		    memcmp(sqlite3_column_blob(st, 3), e->id, ENTRY_ID_BYTES) ||
		    sqlite3_column_bytes(st, 1) != KEY_ID_BYTES ||
		    memcmp(sqlite3_column_blob(st, 1), b->author.data, KEY_ID_BYTES) ||
		    (uint64_t)sqlite3_column_int64(st, 2) != b->seq ||
		    memcmp(b->federation.data, s->fed_id, FED_ID_BYTES)) {
			char hex[HEX_ID_LEN + 1];
			hex_encode(hex, b->author.data, KEY_ID_BYTES);
			err_fmt(corrupt, sizeof corrupt,
				"stored entry #%lld (member %.12s, seq %llu) is corrupted",
				(long long)n, hex, (unsigned long long)b->seq);
			entry_free(e);
			break;
		}
		filling->decoded[i] = 1;
		filling->tag[i] = n;
		if (++filling->n == SIGCHECK_CHUNK && (checked = sigcheck_next(pool))) {
			if (reindex_take(s, checked))
				goto fail;
			sigcheck_clear(checked);
		}
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		err_set("store: %s", sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	while ((checked = sigcheck_drain(pool))) {
		if (reindex_take(s, checked))
			goto fail;
		sigcheck_clear(checked);
	}
	sigcheck_stop(&pool);
	if (*corrupt) {
		err_set("%s", corrupt);
		goto fail;
	}
	if (governance_feed_grew(s, NULL) < 0 || settle(s, 1) ||
	    store_exec(s, "UPDATE entries SET verified = 1 WHERE verified = 0") ||
	    store_commit(s, s))
		goto fail;
	return 0;
fail:
	sqlite3_finalize(st);
	sigcheck_stop(&pool);
	store_rollback(s, s);
	return -1;
}

int store_add_fork_proof(struct store *s, const struct raw_entry *a,
			 const struct raw_entry *b)
{
	struct entry e[2];
	int rc = -1, own_txn = sqlite3_get_autocommit(s->db);
	if (!s->genesis)
		return err_set("this node has no federation");
	if (entry_decode(&e[0], a->body, a->body_len, a->sig, a->sig_len))
		return -1;
	if (entry_decode(&e[1], b->body, b->body_len, b->sig, b->sig_len)) {
		entry_free(&e[0]);
		return -1;
	}
	if (memcmp(e[0].b->author.data, e[1].b->author.data, KEY_ID_BYTES) ||
	    e[0].b->seq != e[1].b->seq || !memcmp(e[0].id, e[1].id, ENTRY_ID_BYTES)) {
		err_set("not a fork: the entries differ in author or seq, or are the same");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		if (memcmp(e[i].b->federation.data, s->fed_id, FED_ID_BYTES)) {
			err_set("fork proof of another federation");
			goto out;
		}
		if (entry_verify(&e[i]))
			goto out;
	}
	if (own_txn && store_begin(s, s, "a batch of entries"))
		goto out;
	int member = store_member_of(s, e[0].b->author.data, NULL, NULL);
	if (member <= 0) {
		if (member == 0)
			err_set("fork proof of a non-member");
		goto fail;
	}
	int added = 0;
	for (int i = 0; i < 2; i++) {
		/* the branch we hold stays in entries; record the other ones */
		uint8_t id[ENTRY_ID_BYTES];
		int held = store_held_id(s, e[i].b->author.data, e[i].b->seq, id, NULL);
		if (held < 0)
			goto fail;
		if (held && memcmp(id, e[i].id, ENTRY_ID_BYTES) == 0)
			continue;
		int put = put_fork(s, &e[i]);
		if (put < 0)
			goto fail;
		added += put;
	}
	if (own_txn && store_commit(s, s))
		goto fail;
	rc = added > 0;
	goto out;
fail:
	if (own_txn)
		store_rollback(s, s);
out:
	entry_free(&e[0]);
	entry_free(&e[1]);
	return rc;
}

int store_add_fork(struct store *s, const struct entry *e)
{
	const Mutua__Body *b = e->b;
	uint8_t id[ENTRY_ID_BYTES];
	int checked = 0, rc = -1, own_txn = sqlite3_get_autocommit(s->db);
	if (!s->genesis)
		return err_set("this node has no federation");
	if (memcmp(b->federation.data, s->fed_id, FED_ID_BYTES))
		return err_set("fork proof of another federation");
	if (entry_verify(e))
		return -1;
	if (own_txn && store_begin(s, s, "a fork proof"))
		return -1;
	int member = store_member_of(s, b->author.data, NULL, NULL);
	if (member <= 0) {
		if (member == 0)
			err_set("fork proof of a non-member");
		goto out;
	}
	int held = store_held_id(s, b->author.data, b->seq, id, &checked);
	if (held < 0)
		goto out;
	if (!held || !memcmp(id, e->id, ENTRY_ID_BYTES)) {
		err_set("not a fork: no other entry is held at seq %llu",
			(unsigned long long)b->seq);
		goto out;
	}
	if (!checked) {
		err_set("the entry held at seq %llu was stored unchecked",
			(unsigned long long)b->seq);
		goto out;
	}
	rc = put_fork(s, e);
out:
	if (own_txn && (rc < 0 || store_commit(s, s))) {
		store_rollback(s, s);
		rc = -1;
	}
	return rc;
}
