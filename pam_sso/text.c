/*
 * Checks on text from the user, the configuration and the network.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "text.h"

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
