/*
 * Logging through pam_syslog, with sanitising of untrusted text.
 *
 * Everything goes to pam_syslog, so the lines land in the auth facility
 * with the service name in front, where operators look for PAM modules.
 * Nothing is written to stderr: inside sshd that text is lost or reaches
 * the client.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "logging.h"

void
sso_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    pam_vsyslog(pamh, priority, fmt, args);
    va_end(args);
}

void
sso_debug(pam_handle_t *pamh, bool debug, const char *fmt, ...)
{
    va_list args;

    if (!debug)
        return;

    va_start(args, fmt);
    pam_vsyslog(pamh, LOG_DEBUG, fmt, args);
    va_end(args);
}

char *
sso_sanitize(char *dst, size_t dst_size, const char *src)
{
    size_t i;
    size_t room = dst_size - 1;

    if (src == NULL)
        src = "(none)";

    for (i = 0; src[i] != '\0' && i < room; i++) {
        unsigned char c = (unsigned char) src[i];

        dst[i] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
    }
    dst[i] = '\0';

    /* Mark a cut so that a reader does not take a prefix for the value. */
    if (src[i] != '\0' && room >= 3)
        memcpy(dst + room - 3, "...", 3);

    return dst;
}
