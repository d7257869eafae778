/* powercut.c - test tool: power cuts and I/O errors under the store.
 *
 * Usage: powercut [--cuts K] [--appends N] [--ioerr] [--unsafe] [--seed S] HOME
 *
 * HOME is a mutua home whose member belongs to a federation (mutua init,
 * mutua federation create). Its store is checkpointed into one file and
 * copied into HOME/powercut/, once per cut: the copies take the cuts.
 *
 * In the style of SQLite's own crash tests (src/test6.c), a VFS shim is
 * made the process's default VFS (sqlite3_vfs_register(&shim, 1)), so that
 * store_open goes through it. It wraps the unix VFS and records every write
 * and truncation of the database and its WAL since that file's last xSync,
 * with the bytes it replaced. A workload of N appends (store_append of an
 * offer, as the CLI and mutuad append) runs in a child process; each append
 * that returns 0 is "acknowledged": its (seq, id) goes down a pipe to the
 * parent at once, as mutuad would announce it to its peers. At the chosen
 * xSync call (the cut point) the power goes: the shim undoes every write
 * not yet synced, then, depending on the cut's mode, lets the disk keep
 * nothing of them ("drop"), a random subset with one write torn at a
 * 512-byte sector boundary ("torn"), or a random subset with one write's
 * range filled with garbage ("trash"); and the child dies on the spot
 * (_exit, no close, no checkpoint). Bytes outside what SQLite wrote are
 * never touched: the unix VFS reports POWERSAFE_OVERWRITE.
 *
 * The shim never calls the real fsync, in the workload or in the checks:
 * the simulated disk is the model of durability here, and skipping fsync
 * makes 1 000 cuts take minutes, not an hour.
 *
 * After each cut the parent checks, through the shim disarmed (a plain
 * pass-through to the unix VFS, recording nothing):
 *  - store_open succeeds and PRAGMA integrity_check says ok;
 *  - every acknowledged entry is there, at its seq, with the same id;
 *  - the feed has no gap (seq 1..max) and its head in feeds is its last;
 *  - store_reindex succeeds (every chain and signature checked again) and
 *    gives the same derived state (resources) as before;
 *  - three more appends take the seqs after the head, and every entry
 *    acknowledged before the cut still has its id: the node never re-signs
 *    a seq it published (DESIGN.md, invariant 8).
 *
 * Cut points: a dry run counts the workload's xSync calls S; K points are
 * spread evenly over 1..S (--cuts 0: every one of them).
 *
 * --ioerr: instead of a bare cut, the shim fails one call at each chosen
 * point (a write with SQLITE_IOERR_WRITE, or an xSync with
 * SQLITE_IOERR_FSYNC, making nothing durable); the workload goes on (the
 * failing append must return -1 and is not acknowledged) and the power is
 * cut after its last append, so what the error left behind is tested too.
 *
 * --unsafe: the child runs its connection with PRAGMA synchronous = NORMAL
 * (commits not synced in WAL mode): a self-test of this harness, which
 * must then report lost entries and exit 1.
 *
 * Prints one summary line; exit status 0 when every cut was sound, 1 when
 * one was not (each failure is described on stderr), 2 on usage.
 */
#include "entry.h"
#include "keys.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CUT_EXIT 99
#define SECTOR 512

/* --- the shim ------------------------------------------------------------ */

struct op {
	sqlite3_int64 off;  /* write: offset; truncate: new size */
	int len;            /* write: length; truncate: -1 */
	unsigned char *neu; /* write: the new bytes */
	unsigned char *old; /* the bytes replaced (write) or cut off (truncate) */
	int oldlen;
};

/* One file, by name: survives closes and reopens, as a disk does. */
struct frec {
	char *path;
	sqlite3_int64 synced_size;
	struct op *ops; /* since the last sync */
	int nops, cap;
	struct frec *next;
};

struct shim_file {
	sqlite3_file base;
	struct frec *rec; /* NULL: not tracked (temp files) */
	sqlite3_file *real;
};

static sqlite3_vfs *real_vfs;
static struct frec *files;
static int armed;          /* tracking (in the workload child only) */
static long n_sync, n_write; /* calls seen while armed */
static long cut_sync;      /* cut the power at this xSync (0: never) */
static long err_sync, err_write; /* fail this xSync / xWrite (0: never) */
static int cut_mode;       /* 0 drop, 1 torn, 2 trash */
static unsigned rng_state = 1;

static unsigned rnd(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 16) & 0x7fff;
}

static void die(const char *what)
{
	fprintf(stderr, "powercut: %s: %s\n", what, strerror(errno));
	_exit(3);
}

static void op_push(struct frec *r, struct op o)
{
	if (r->nops == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->ops = realloc(r->ops, (size_t)r->cap * sizeof *r->ops);
		if (!r->ops)
			die("out of memory");
	}
	r->ops[r->nops++] = o;
}

static void ops_clear(struct frec *r)
{
	for (int i = 0; i < r->nops; i++) {
		free(r->ops[i].neu);
		free(r->ops[i].old);
	}
	r->nops = 0;
}

static void pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const unsigned char *p = buf;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0)
			die("pwrite");
		p += n, len -= (size_t)n, off += n;
	}
}

/* The power goes: what reaches the disk of the writes since each file's
 * last sync depends on cut_mode (see the head of this file). */
static void power_cut(void)
{
	for (struct frec *r = files; r; r = r->next) {
		if (r->nops == 0)
			continue;
		int fd = open(r->path, O_RDWR);
		if (fd < 0)
			die(r->path);
		/* back to the synced image */
		for (int i = r->nops - 1; i >= 0; i--) {
			struct op *o = &r->ops[i];
			/* a write's old bytes, or the tail a truncation cut off */
			if (o->oldlen > 0)
				pwrite_all(fd, o->old, (size_t)o->oldlen, o->off);
		}
		if (ftruncate(fd, r->synced_size))
			die("ftruncate");
		if (cut_mode > 0) {
			/* a random subset reaches the disk, in order; one write of
			 * it is torn (mode 1) or garbage (mode 2) */
			int victim = (int)(rnd() % (unsigned)r->nops);
			for (int i = 0; i < r->nops; i++) {
				struct op *o = &r->ops[i];
				if (i != victim && rnd() % 2)
					continue;
				if (o->len < 0) {
					if (ftruncate(fd, o->off))
						die("ftruncate");
				} else if (i != victim) {
					pwrite_all(fd, o->neu, (size_t)o->len, o->off);
				} else if (cut_mode == 1) {
					/* whole sectors of the file, from the start of the write */
					sqlite3_int64 end = o->off + o->len;
					sqlite3_int64 keep_end = (o->off / SECTOR + 1 +
								  rnd() % (o->len / SECTOR + 1)) * SECTOR;
					if (keep_end > end)
						keep_end = end - (end - o->off > 1 ? 1 : 0);
					if (keep_end > o->off)
						pwrite_all(fd, o->neu, (size_t)(keep_end - o->off), o->off);
				} else {
					unsigned char *junk = malloc((size_t)o->len);
					if (!junk)
						die("out of memory");
					for (int b = 0; b < o->len; b++)
						junk[b] = (unsigned char)rnd();
					pwrite_all(fd, junk, (size_t)o->len, o->off);
					free(junk);
				}
			}
		}
		close(fd);
	}
	_exit(CUT_EXIT);
}

static struct frec *frec_get(const char *path)
{
	for (struct frec *r = files; r; r = r->next)
		if (strcmp(r->path, path) == 0)
			return r;
	struct frec *r = calloc(1, sizeof *r);
	if (!r || !(r->path = strdup(path)))
		die("out of memory");
	struct stat st;
	r->synced_size = stat(path, &st) == 0 ? st.st_size : 0;
	r->next = files;
	files = r;
	return r;
}

static int x_close(sqlite3_file *f)
{
	struct shim_file *p = (struct shim_file *)f;
	/* a file closed with unsynced writes keeps them pending: the disk has
	 * not seen them any more than before the close */
	return p->real->pMethods->xClose(p->real);
}

static int x_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xRead(p->real, buf, amt, off);
}

static int x_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	struct shim_file *p = (struct shim_file *)f;
	if (armed && p->rec) {
		n_write++;
		if (n_write == err_write)
			return SQLITE_IOERR_WRITE;
		sqlite3_int64 size;
		if (p->real->pMethods->xFileSize(p->real, &size) != SQLITE_OK)
			return SQLITE_IOERR_FSTAT;
		struct op o = {.off = off, .len = amt};
		o.oldlen = size > off ? (int)(size - off < amt ? size - off : amt) : 0;
		o.neu = malloc((size_t)amt);
		o.old = malloc(o.oldlen > 0 ? (size_t)o.oldlen : 1);
		if (!o.neu || !o.old)
			die("out of memory");
		memcpy(o.neu, buf, (size_t)amt);
		if (o.oldlen > 0 &&
		    p->real->pMethods->xRead(p->real, o.old, o.oldlen, off) != SQLITE_OK)
			return SQLITE_IOERR_READ;
		op_push(p->rec, o);
	}
	return p->real->pMethods->xWrite(p->real, buf, amt, off);
}

static int x_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct shim_file *p = (struct shim_file *)f;
	if (armed && p->rec) {
		sqlite3_int64 cur;
		if (p->real->pMethods->xFileSize(p->real, &cur) != SQLITE_OK)
			return SQLITE_IOERR_FSTAT;
		struct op o = {.off = size, .len = -1};
		o.oldlen = cur > size ? (int)(cur - size) : 0;
		o.old = malloc(o.oldlen > 0 ? (size_t)o.oldlen : 1);
		if (!o.old)
			die("out of memory");
		if (o.oldlen > 0 &&
		    p->real->pMethods->xRead(p->real, o.old, o.oldlen, size) != SQLITE_OK)
			return SQLITE_IOERR_READ;
		op_push(p->rec, o);
	}
	return p->real->pMethods->xTruncate(p->real, size);
}

static int x_sync(sqlite3_file *f, int flags)
{
	struct shim_file *p = (struct shim_file *)f;
	(void)flags;
	if (!armed || !p->rec)
		return SQLITE_OK; /* no real fsync in this process (see the head) */
	n_sync++;
	if (n_sync == cut_sync)
		power_cut();
	if (n_sync == err_sync)
		return SQLITE_IOERR_FSYNC;
	sqlite3_int64 size;
	if (p->real->pMethods->xFileSize(p->real, &size) != SQLITE_OK)
		return SQLITE_IOERR_FSTAT;
	ops_clear(p->rec);
	p->rec->synced_size = size;
	return SQLITE_OK;
}

static int x_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xFileSize(p->real, size);
}

static int x_lock(sqlite3_file *f, int l)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xLock(p->real, l);
}

static int x_unlock(sqlite3_file *f, int l)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xUnlock(p->real, l);
}

static int x_check_reserved(sqlite3_file *f, int *out)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xCheckReservedLock(p->real, out);
}

static int x_file_control(sqlite3_file *f, int op, void *arg)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xFileControl(p->real, op, arg);
}

static int x_sector_size(sqlite3_file *f)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xSectorSize(p->real);
}

static int x_device_characteristics(sqlite3_file *f)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xDeviceCharacteristics(p->real);
}

/* The wal-index (-shm) is shared memory, rebuilt from the WAL by the first
 * connection after the crash: passed through untouched. */
static int x_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xShmMap(p->real, pg, pgsz, extend, pp);
}

static int x_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xShmLock(p->real, offset, n, flags);
}

static void x_shm_barrier(sqlite3_file *f)
{
	struct shim_file *p = (struct shim_file *)f;
	p->real->pMethods->xShmBarrier(p->real);
}

static int x_shm_unmap(sqlite3_file *f, int del)
{
	struct shim_file *p = (struct shim_file *)f;
	return p->real->pMethods->xShmUnmap(p->real, del);
}

/* version 2: shared memory, no memory-mapped I/O (xFetch), so that every
 * change of the files goes through x_write */
static const sqlite3_io_methods shim_io = {
	2, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock,
	x_unlock, x_check_reserved, x_file_control, x_sector_size,
	x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap,
	NULL, NULL,
};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
		  int *out_flags)
{
	(void)vfs;
	struct shim_file *p = (struct shim_file *)f;
	p->real = (sqlite3_file *)(p + 1);
	p->rec = NULL;
	int rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out_flags);
	if (rc != SQLITE_OK || !p->real->pMethods) {
		f->pMethods = NULL;
		return rc;
	}
	if (name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)))
		p->rec = frec_get(name);
	f->pMethods = &shim_io;
	return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	for (struct frec *r = files; r; r = r->next)
		if (strcmp(r->path, name) == 0) {
			ops_clear(r);
			r->synced_size = 0;
		}
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int v_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int v_current_time(sqlite3_vfs *vfs, double *t)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, t);
}

static int v_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int v_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, t);
}

static sqlite3_vfs shim_vfs = {
	.iVersion = 2,
	.mxPathname = 512,
	.zName = "powercut",
	.xOpen = v_open,
	.xDelete = v_delete,
	.xAccess = v_access,
	.xFullPathname = v_full_pathname,
	.xRandomness = v_randomness,
	.xSleep = v_sleep,
	.xCurrentTime = v_current_time,
	.xGetLastError = v_last_error,
	.xCurrentTimeInt64 = v_current_time64,
};

static int shim_install(void)
{
	if (!(real_vfs = sqlite3_vfs_find("unix")))
		return -1;
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
	shim_vfs.mxPathname = real_vfs->mxPathname;
	return sqlite3_vfs_register(&shim_vfs, 1) == SQLITE_OK ? 0 : -1;
}

/* --- the workload (child) -------------------------------------------------- */

struct ack {
	uint64_t seq; /* 0: the end record, counts in id */
	uint8_t id[ENTRY_ID_BYTES];
};

static const char *home;
static char work_db[4200], base_db[4200];
static int n_appends = 1000, unsafe;

static int append_offer(struct store *s, const struct key *k, long i, uint8_t id[32])
{
	char title[128];
	/* titles of several lengths: WAL frames and pages of several shapes */
	snprintf(title, sizeof title, "Offer %ld %.*s", i,
		 (int)(i * 37 % 90), "................................................"
				      "..........................................");
	Mutua__Offer o = MUTUA__OFFER__INIT;
	Mutua__Body b = MUTUA__BODY__INIT;
	o.kind = MUTUA__KIND__KIND_EQUIPMENT;
	o.title = title;
	o.unit = MUTUA__UNIT__UNIT_DAY;
	o.capacity = 1 + (uint64_t)(i % 3);
	o.rate = (uint64_t)(i % 7) * 100;
	b.payload_case = MUTUA__BODY__PAYLOAD_OFFER;
	b.offer = &o;
	return store_append(s, k, &b, id);
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write to parent");
		p += n, len -= (size_t)n;
	}
}

/* Runs the workload, armed; acknowledges each append down fd. At the end,
 * cuts the power when cut_at_end, else sends the counts and exits 0. */
static void child(int fd, int cut_at_end)
{
	char kp[4200];
	snprintf(kp, sizeof kp, "%s/key", home);
	struct key *k = key_load(kp, getenv("MUTUA_PASSPHRASE"));
	if (!k) {
		fprintf(stderr, "powercut: %s\n", err_msg());
		_exit(3);
	}
	/* the disk as this run finds it: what the parent's own opens left in
	 * the records (sizes of earlier copies) does not apply */
	for (struct frec *r = files; r; r = r->next) {
		struct stat st;
		ops_clear(r);
		r->synced_size = stat(r->path, &st) == 0 ? st.st_size : 0;
	}
	armed = 1;
	struct store *s = store_open(work_db);
	if (!s) {
		/* an I/O error injected into the open itself */
		if (err_sync || err_write) {
			if (cut_at_end)
				power_cut();
			_exit(0);
		}
		fprintf(stderr, "powercut: child: %s\n", err_msg());
		_exit(3);
	}
	/* NORMAL syncs the WAL only at checkpoints: keep them frequent, so
	 * that the cut points (sync points) fall inside the run */
	if (unsafe)
		sqlite3_exec(store_db(s), "PRAGMA synchronous = NORMAL;"
			     " PRAGMA wal_autocheckpoint = 100", NULL, NULL, NULL);
	long failed = 0;
	for (long i = 1; i <= n_appends; i++) {
		struct ack a = {0};
		if (append_offer(s, k, i, a.id)) {
			if (!err_sync && !err_write) {
				fprintf(stderr, "powercut: child: append %ld: %s\n", i, err_msg());
				_exit(3);
			}
			failed++;
			continue;
		}
		uint64_t seq;
		if (store_head(s, k->id, &seq, NULL))
			_exit(3);
		a.seq = seq;
		write_all(fd, &a, sizeof a); /* published */
	}
	if (cut_at_end)
		power_cut();
	struct ack end = {0};
	memcpy(end.id, &n_sync, sizeof n_sync);
	memcpy(end.id + 8, &n_write, sizeof n_write);
	memcpy(end.id + 16, &failed, sizeof failed);
	write_all(fd, &end, sizeof end);
	_exit(0);
}

/* --- the parent ------------------------------------------------------------ */

static int copy_file(const char *from, const char *to)
{
	size_t len;
	uint8_t *data = file_read(from, (size_t)1 << 30, &len);
	if (!data)
		return -1;
	FILE *f = fopen(to, "wb");
	int rc = f && fwrite(data, 1, len, f) == len ? 0 : -1;
	if (f && fclose(f))
		rc = -1;
	free(data);
	return rc ? err_set("cannot write %s", to) : 0;
}

static int fresh_copy(void)
{
	char p[4300];
	snprintf(p, sizeof p, "%s-wal", work_db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", work_db);
	unlink(p);
	return copy_file(base_db, work_db);
}

/* Runs one child; collects the acknowledged entries. Returns the child's
 * exit status (CUT_EXIT after a cut), -1 on a harness error. */
static int run_child(int cut_at_end, struct ack **acks, long *nacks, struct ack *end)
{
	int pfd[2];
	if (fresh_copy() || pipe(pfd))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		child(pfd[1], cut_at_end);
	}
	close(pfd[1]);
	*nacks = 0;
	memset(end, 0, sizeof *end);
	size_t cap = 0;
	for (;;) {
		struct ack a;
		size_t got = 0;
		while (got < sizeof a) {
			ssize_t n = read(pfd[0], (char *)&a + got, sizeof a - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got < sizeof a)
			break;
		if (a.seq == 0) {
			*end = a;
			continue;
		}
		if ((size_t)*nacks == cap) {
			cap = cap ? cap * 2 : 1024;
			*acks = realloc(*acks, cap * sizeof **acks);
			if (!*acks)
				return -1;
		}
		(*acks)[(*nacks)++] = a;
	}
	close(pfd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "powercut: child killed by signal %d\n", WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

static long long scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Is (seq, id) the entry held at seq of the feed? 1 yes, 0 no. */
static int holds(sqlite3 *db, const uint8_t *author, const struct ack *a, uint8_t got[32])
{
	sqlite3_stmt *st;
	int ok = 0;
	memset(got, 0, 32);
	if (sqlite3_prepare_v2(db, "SELECT id FROM entries WHERE author = ? AND seq = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a->seq);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		memcpy(got, sqlite3_column_blob(st, 0), 32);
		ok = memcmp(got, a->id, 32) == 0;
	}
	sqlite3_finalize(st);
	return ok;
}

#define FAIL(...) do { fprintf(stderr, "powercut: %s: ", label); \
		       fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); goto out; } while (0)

/* The checks after a cut (see the head of this file). 0 sound, -1 not. */
static int check(const char *label, const struct key *k, const struct ack *acks, long nacks)
{
	int rc = -1;
	uint8_t got[32];
	char hex[65];
	struct store *s = store_open(work_db);
	if (!s) {
		fprintf(stderr, "powercut: %s: the store does not open: %s\n", label, err_msg());
		return -1;
	}
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		FAIL("integrity_check: %s", sqlite3_errmsg(db));
	int r = sqlite3_step(st);
	char ic[200] = "";
	if (r == SQLITE_ROW)
		snprintf(ic, sizeof ic, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (strcmp(ic, "ok"))
		FAIL("integrity_check: %s", r == SQLITE_ROW ? ic : sqlite3_errmsg(db));
	for (long i = 0; i < nacks; i++)
		if (!holds(db, k->id, &acks[i], got)) {
			hex_encode(hex, acks[i].id, 32);
			FAIL("acknowledged entry seq %llu (%.16s) lost%s", (unsigned long long)acks[i].seq,
			     hex, got[0] || got[1] ? ": another entry holds its seq" : "");
		}
	long long cnt = scalar(db, "SELECT count(*) FROM entries");
	long long maxseq = scalar(db, "SELECT max(seq) FROM entries");
	long long minseq = scalar(db, "SELECT min(seq) FROM entries");
	long long head = scalar(db, "SELECT seq FROM feeds");
	if (cnt != maxseq || minseq != 1 || head != maxseq)
		FAIL("feed not contiguous: %lld entries, seq %lld..%lld, head %lld", cnt, minseq,
		     maxseq, head);
	if (scalar(db, "SELECT count(*) FROM feeds f JOIN entries e ON e.author = f.author"
		       " AND e.seq = f.seq AND e.id = f.id") != 1)
		FAIL("the head in feeds is not the last entry");
	long long res = scalar(db, "SELECT count(*) FROM resources");
	if (store_reindex(s))
		FAIL("reindex: %s", err_msg());
	if (scalar(db, "SELECT count(*) FROM resources") != res ||
	    res != scalar(db, "SELECT count(*) FROM entries WHERE type = 'offer'"))
		FAIL("derived state differs after reindex (%lld resources before)", res);
	/* back to work: appends take the next seqs; nothing published moves */
	for (int i = 0; i < 3; i++) {
		uint8_t id[32];
		uint64_t seq;
		if (append_offer(s, k, 100000 + i, id) || store_head(s, k->id, &seq, NULL))
			FAIL("append after the cut: %s", err_msg());
		if ((long long)seq != maxseq + 1 + i)
			FAIL("append after the cut took seq %llu, expected %lld",
			     (unsigned long long)seq, maxseq + 1 + i);
	}
	for (long i = 0; i < nacks; i++)
		if (!holds(db, k->id, &acks[i], got)) {
			hex_encode(hex, acks[i].id, 32);
			FAIL("self-fork: seq %llu was published as %.16s, the store now holds %.16s",
			     (unsigned long long)acks[i].seq, hex, got[0] ? "another" : "nothing");
		}
	if (scalar(db, "SELECT count(*) FROM pragma_quick_check WHERE quick_check != 'ok'") != 0)
		FAIL("quick_check after the appends");
	rc = 0;
out:
	store_close(&s);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: powercut [--cuts K] [--appends N] [--ioerr] [--unsafe] "
			"[--seed S] HOME\n");
	return 2;
}

int main(int argc, char **argv)
{
	long cuts = 50;
	unsigned seed = 1;
	int ioerr = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cuts") && i + 1 < argc)
			cuts = atol(argv[++i]);
		else if (!strcmp(argv[i], "--appends") && i + 1 < argc)
			n_appends = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = (unsigned)atol(argv[++i]);
		else if (!strcmp(argv[i], "--ioerr"))
			ioerr = 1;
		else if (!strcmp(argv[i], "--unsafe"))
			unsafe = 1;
		else if (argv[i][0] == '-' || home)
			return usage();
		else
			home = argv[i];
	}
	if (!home || cuts < 0 || n_appends < 1 || n_appends > 100000)
		return usage();
	if (sodium_init() < 0 || shim_install()) {
		fprintf(stderr, "powercut: cannot initialise\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	/* the base: HOME's store, checkpointed into one file, in HOME/powercut */
	char dir[4096], p[4300];
	snprintf(dir, sizeof dir, "%s/powercut", home);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	snprintf(base_db, sizeof base_db, "%s/base.db", dir);
	snprintf(work_db, sizeof work_db, "%s/store.db", dir);
	snprintf(p, sizeof p, "%s/store.db", home);
	struct store *s = store_open(p);
	if (!s || !store_has_federation(s) ||
	    sqlite3_exec(store_db(s), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL)) {
		fprintf(stderr, "powercut: %s: %s\n", p, s ? "no federation or no checkpoint"
							   : err_msg());
		return 1;
	}
	store_close(&s);
	if (copy_file(p, base_db)) {
		fprintf(stderr, "powercut: %s\n", err_msg());
		return 1;
	}
	snprintf(p, sizeof p, "%s/key", home);
	struct key *k = key_load(p, getenv("MUTUA_PASSPHRASE"));
	if (!k) {
		fprintf(stderr, "powercut: %s\n", err_msg());
		return 1;
	}

	int64_t t0 = clock_now_ms();
	struct ack *acks = NULL, end;
	long nacks;
	/* dry run: how many xSync and xWrite calls the workload makes */
	int st = run_child(0, &acks, &nacks, &end);
	long total_sync, total_write;
	memcpy(&total_sync, end.id, sizeof total_sync);
	memcpy(&total_write, end.id + 8, sizeof total_write);
	if (st != 0 || nacks != n_appends || total_sync <= 0) {
		fprintf(stderr, "powercut: the dry run failed (status %d, %ld appends)\n", st,
			nacks);
		return 1;
	}
	if (cuts == 0 || cuts > total_sync)
		cuts = total_sync;

	long done = 0, bad = 0, not_reached = 0, acked = 0, failed_appends = 0, absorbed = 0;
	long modes[3] = {0};
	for (long j = 0; j < cuts; j++) {
		char label[128];
		long point = cuts == 1 ? total_sync : 1 + j * (total_sync - 1) / (cuts - 1);
		rng_state = seed * 2654435761u + (unsigned)j * 40503u + 1;
		cut_mode = (int)(j % 3);
		cut_sync = err_sync = err_write = 0;
		if (!ioerr) {
			cut_sync = point;
			snprintf(label, sizeof label, "cut %ld/%ld at sync %ld of %ld (%s)", j + 1,
				 cuts, point, total_sync,
				 (const char *[]){"drop", "torn", "trash"}[cut_mode]);
		} else if (j % 2 == 0) {
			err_sync = point;
			snprintf(label, sizeof label, "I/O error %ld/%ld at sync %ld of %ld, "
				 "cut at the end (%s)", j + 1, cuts, point, total_sync,
				 (const char *[]){"drop", "torn", "trash"}[cut_mode]);
		} else {
			err_write = 1 + j * (total_write - 1) / cuts;
			snprintf(label, sizeof label, "I/O error %ld/%ld at write %ld of %ld, "
				 "cut at the end (%s)", j + 1, cuts, err_write, total_write,
				 (const char *[]){"drop", "torn", "trash"}[cut_mode]);
		}
		st = run_child(ioerr, &acks, &nacks, &end);
		if (st != CUT_EXIT) {
			if (st == 0 && !ioerr) {
				not_reached++; /* the run made fewer syncs than the dry run */
			} else {
				fprintf(stderr, "powercut: %s: the workload exited with status %d\n",
					label, st);
				bad++;
				continue;
			}
		}
		if (ioerr && nacks >= n_appends)
			absorbed++; /* the error hit a checkpoint: nothing to refuse */
		failed_appends += n_appends - nacks;
		done++;
		modes[cut_mode]++;
		acked += nacks;
		if (check(label, k, acks, nacks))
			bad++;
	}
	int64_t ms = clock_now_ms() - t0;
	printf("%s%ld %s over %ld sync points of %d appends (%ld drop, %ld torn, %ld trash; "
	       "%ld acknowledged entries checked): %s in %.1f s\n",
	       unsafe ? "UNSAFE (synchronous=NORMAL) " : "", done,
	       ioerr ? "I/O errors then cuts" : "cut points", total_sync, n_appends, modes[0],
	       modes[1], modes[2], acked, bad ? "FAILED" : "all sound",
	       ms / 1000.0);
	if (ioerr)
		printf("%ld appends refused by the injected errors; %ld errors hit a checkpoint "
		       "and refused none\n", failed_appends, absorbed);
	if (not_reached)
		printf("%ld cut points beyond the run's last sync\n", not_reached);
	free(acks);
	key_destroy(&k);
	return bad ? 1 : 0;
}
