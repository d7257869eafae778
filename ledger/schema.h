/* schema.h - the store's SQL schema and its versions. See schema.c, whose
 * header comment is the schema's specification.
 *
 * Private to ledger/: nothing outside it speaks SQL (DESIGN.md, invariant
 * 11). The store (store.c) applies the steps; the audit creates its
 * scratch tables.
 */
#ifndef MUTUA_SCHEMA_H
#define MUTUA_SCHEMA_H

/* The version of a store this program writes: PRAGMA user_version. A
 * store of a newer version is refused; an older one is migrated, step by
 * step, when it is opened. */
#define SCHEMA_VERSION 19
/* The first version whose entries are in format 2 (entry.h): a store of
 * an older version (1..SCHEMA_FORMAT2 - 1) holds format 1 entries, and is
 * refused, not migrated. */
#define SCHEMA_FORMAT2 6

/* One forward migration: the SQL that takes a store of version - 1 to
 * version (an empty file is version 0). A step once released is never
 * edited: a change to the schema is a new step and a new version. */
struct schema_step {
	int version;
	const char *sql;
	/* the derived tables are rebuilt (store_reindex) once the migration
	 * committed: the step added derived columns that only a refold fills */
	int refold;
};

/* schema_steps[i].version is i + 1; SCHEMA_VERSION of them. */
extern const struct schema_step schema_steps[];

/* The audit's scratch tables (audit.c), created in its private scratch
 * store only: never in a node's store, and not versioned. */
extern const char schema_audit_sql[];
/* The refold's TEMP table (store.c). */
extern const char schema_refold_sql[];

#endif
