/* util.h - the small modules every part of Mutua uses, in one include:
 * err (the reason of a failure), hex, text, clock, amount and file. */
#ifndef MUTUA_UTIL_H
#define MUTUA_UTIL_H

#include "amount.h"
#include "clock.h"
#include "err.h"
#include "file.h"
#include "hex.h"
#include "text.h"

#endif
