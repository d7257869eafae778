/* hex.h - ids in hex, and id prefixes typed by people. */
#ifndef MUTUA_HEX_H
#define MUTUA_HEX_H

#include <stddef.h>
#include <stdint.h>

#define HEX_ID_LEN 64 /* hex of a 32-byte id, without the NUL */

void hex_encode(char *out, const uint8_t *in, size_t len); /* out: 2*len+1 */
/* Decodes exactly 2*len hex characters; -1 on any other input. */
int hex_decode(uint8_t *out, size_t len, const char *in);
/* Is s a run of hex digits of length min..max? */
int hex_is_prefix(const char *s, size_t min, size_t max);

#endif
