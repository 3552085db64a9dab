/*
 * Checks on text from the user, the configuration and the network.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Room for the reason a line callback gives. */
#define LINE_REASON_MAX 256

bool
sso_is_printable(const char *text, size_t length, bool spaces)
{
    size_t i;

    for (i = 0; i < length; i++) {
        unsigned char c = (unsigned char) text[i];

        if (c == ' ' && spaces)
            continue;
        if (c <= 0x20 || c >= 0x7f)
            return false;
    }
    return true;
}

int
sso_text_each_line(const char *text, size_t length, const char *name,
                   sso_line_fn parse, void *context, char *error,
                   size_t error_size)
{
    char reason[LINE_REASON_MAX];
    char *copy = NULL;
    char *line;
    char *next;
    unsigned int number = 0;
    int status = -1;

    if (memchr(text, '\0', length) != NULL) {
        snprintf(error, error_size, "%s: contains a NUL byte", name);
        goto done;
    }

    copy = malloc(length + 1);
    if (copy == NULL) {
        snprintf(error, error_size, "%s: out of memory", name);
        goto done;
    }
    memcpy(copy, text, length);
    copy[length] = '\0';

    for (line = copy; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        number++;

        reason[0] = '\0';
        if (parse(context, line, reason, sizeof(reason)) != 0) {
            snprintf(error, error_size, "%s:%u: %s", name, number, reason);
            goto done;
        }
    }
    status = 0;

done:
    free(copy);
    return status;
}
