/*
 * Wiping of secrets held in the module's own buffers.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_SECRET_H
#define PAM_SSO_SECRET_H

#include <stddef.h>

/* Overwrite LEN bytes at BUF with zeros in a way the compiler keeps. */
void sso_wipe(void *buf, size_t len);

/* Wipe the NUL-terminated string S and free it.  NULL is allowed. */
void sso_free_secret(char *s);

#endif
