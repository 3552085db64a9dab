/*
 * Logging through pam_syslog, with sanitising of untrusted text.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_LOGGING_H
#define PAM_SSO_LOGGING_H

#include <stdbool.h>
#include <stddef.h>

#include <security/pam_modules.h>

/* Size of a buffer for one sanitised value in a log line. */
#define SSO_LOG_VALUE_MAX 256

/*
 * Log a line at PRIORITY (a LOG_* level; libpam adds the auth facility and
 * the "pam_sso(service:type):" prefix).  Callers pass untrusted text only
 * after sso_sanitize().
 */
void sso_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Log at LOG_DEBUG when DEBUG is set, else do nothing. */
void sso_debug(pam_handle_t *pamh, bool debug, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Copy SRC into DST (of DST_SIZE bytes, at least 4) with every byte outside
 * printable ASCII replaced by '?', cut with "..." when it does not fit.
 * A NULL SRC becomes "(none)".  Returns DST.
 */
char *sso_sanitize(char *dst, size_t dst_size, const char *src);

#endif
