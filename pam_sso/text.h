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

/*
 * Called by sso_text_each_line() for each LINE, NUL-terminated and without
 * its '\n', which it may change.  Returns 0 to go on, or -1 after writing
 * the reason into REASON (REASON_SIZE bytes).
 */
typedef int (*sso_line_fn)(void *context, char *line, char *reason,
                           size_t reason_size);

/*
 * Split TEXT, LENGTH bytes that need not be NUL-terminated, into lines at
 * '\n' in a private copy, and call PARSE with CONTEXT for each, in order.
 * TEXT is not changed.  A NUL byte in TEXT is an error.  Returns 0, or -1
 * with "NAME:LINE: reason" (or "NAME: reason") in ERROR.
 */
int sso_text_each_line(const char *text, size_t length, const char *name,
                       sso_line_fn parse, void *context, char *error,
                       size_t error_size);

#endif
