/*
 * symbol.h - interned identifiers that stay valid for the life of the process.
 *
 * Service and department ids appear in flows, tallies and Redis keys.  Rules can
 * be reloaded while flows and tallies made under the old rules are still in
 * memory, so those hold a symbol (a small integer naming the id string) instead
 * of an index into one version of the rules.  A symbol never changes meaning.
 *
 * symbol_intern() takes a lock and may allocate; call it when rules are loaded,
 * not per packet.  symbol_name() takes no lock and may be called from any thread.
 */
#ifndef SHADOWTAP_SYMBOL_H
#define SHADOWTAP_SYMBOL_H

#include <stdint.h>

#define SYMBOL_NONE 0u /* no symbol; symbol_name() returns "" */

/* Returns the symbol for name (creating it), or SYMBOL_NONE on allocation failure. */
uint32_t symbol_intern(const char *name);
/* Returns the symbol for name if it exists, else SYMBOL_NONE. */
uint32_t symbol_find(const char *name);
/* Returns the name of a symbol; "" for SYMBOL_NONE or an unknown symbol. */
const char *symbol_name(uint32_t sym);

#endif
