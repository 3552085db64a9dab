/*
 * Checks on text from the user, the configuration and the network.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_TEXT_H
#define PAM_SSO_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the LENGTH bytes at TEXT are all printable ASCII (0x21 to 0x7e),
 * with spaces allowed only when SPACES is set.  Such text cannot split an
 * HTTP header, a log line or an environment entry.
 */
bool sso_is_printable(const char *text, size_t length, bool spaces);

#endif
