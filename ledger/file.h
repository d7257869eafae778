/* file.h - whole files: bounded reads, atomic writes. */
#ifndef MUTUA_FILE_H
#define MUTUA_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file of at most max bytes; NULL with err_set otherwise.
 * The buffer is NUL-terminated (not counted in *len); caller frees. */
uint8_t *file_read(const char *path, size_t max, size_t *len);
/* Writes atomically: temporary file in the same folder, fsync, rename,
 * fsync of the folder. mode applies to the new file. */
int file_write_atomic(const char *path, const void *data, size_t len, int mode);
/* BLAKE2b-256 of a whole file of any size, read in blocks (a photo of a
 * condition report). 0, or -1 with err_set. */
int file_hash(const char *path, uint8_t out[32]);

#endif
