/*
 * Shared declarations of the fuzz targets.  Each fuzz_*.c file defines
 * LLVMFuzzerTestOneInput; libFuzzer calls it when the target is built with
 * clang -fsanitize=fuzzer, and replay.c calls it for the files of the seed
 * corpus and the regression inputs in the normal test suite.
 *
 * A target returns normally for every input that the code under test
 * handles within its contract, and calls abort() through FUZZ_CHECK when
 * it detects a broken contract, so that both libFuzzer and the replay report
 * it as a crash.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_FUZZ_H
#define PAM_SSO_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with the failed condition and its place when CONDITION is false. */
#define FUZZ_CHECK(condition)                                              \
    do {                                                                   \
        if (!(condition)) {                                                \
            fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__,      \
                    __LINE__, #condition);                                 \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* Copy SIZE bytes of DATA into a new NUL-terminated string, or return NULL
 * when out of memory.  The copy gives ASan exact bounds for the string. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (text == NULL)
        return NULL;
    if (size > 0)
        memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif
