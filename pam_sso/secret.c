/*
 * Wiping of secrets held in the module's own buffers.
 *
 * The access token, the secret access key and the session token pass
 * through several buffers of ours: the conversation reply, the HTTP header
 * list, the response body and the NAME=value strings given to pam_putenv.
 * Each of them goes through these helpers before it is freed.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"

void
sso_wipe(void *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return;

    /* glibc 2.25 and later; the call survives dead-store elimination. */
    explicit_bzero(buf, len);
}

void
sso_free_secret(char *s)
{
    if (s == NULL)
        return;

    sso_wipe(s, strlen(s));
    free(s);
}
