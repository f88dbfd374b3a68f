/*
 * flush_script.c - print the flush script exactly as the sensor loads it.
 *
 *     flush-script
 *
 * The script (report/store/store_script.lua) names keys only through the
 * schema's Lua preamble (report/store/schema.c), so the .lua file alone does
 * not run; tests that call the script with EVAL take its text from here.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store.h"

int main(void)
{
    char *script = store_script_source();
    if (!script || fputs(script, stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "flush-script: %s\n", script ? "cannot write" : "out of memory");
        free(script);
        return 1;
    }
    free(script);
    return 0;
}
