/* fuzz.h - what the fuzz targets share. Each target defines
 * LLVMFuzzerTestOneInput; built with clang -fsanitize=fuzzer it is a
 * libFuzzer binary (make fuzz), built with replay.c it runs the files of
 * the checked-in corpus and past crashers (make check). A target must
 * accept any bytes: no crash, no leak, no assert. */
#ifndef MUTUA_FUZZ_H
#define MUTUA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private temporary folder for targets that need files. */
const char *fuzz_tmpdir(void);
/* Writes data to a file in the temporary folder; returns its path. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size, int mode);

#endif
