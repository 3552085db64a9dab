/*
 * Reading the configuration file and the CA bundle safely.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_CONFIG_FILE_H
#define PAM_SSO_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Largest configuration file read, in bytes. */
#define SSO_CONFIG_FILE_MAX (64 * 1024)

/* Largest CA bundle read; Debian's whole system bundle is about 220 KiB. */
#define SSO_CA_FILE_MAX (4 * 1024 * 1024)

/*
 * Called for each setting: KEY, and VALUE or NULL for a bare word.  Returns 0
 * to go on, or -1 after writing the reason into ERROR.
 */
typedef int (*sso_setting_fn)(void *context, const char *key,
                              const char *value, char *error,
                              size_t error_size);

/*
 * Read the file at PATH and call APPLY for each "key = value" line, in file
 * order.  The file must be an absolute path to a regular file owned by root
 * and not writable by group or others.  Symbolic links are not followed.
 * A missing file is accepted only when MUST_EXIST is false.  Returns 0, or
 * -1 with the reason, including the line number, in ERROR.
 */
int sso_config_file_read(const char *path, bool must_exist,
                         sso_setting_fn apply, void *context,
                         char *error, size_t error_size);

/*
 * Parse TEXT, LENGTH bytes of configuration file text that need not be
 * NUL-terminated, and call APPLY for each "key = value" line, in order.
 * Blank lines and lines whose first non-blank character is '#' are skipped.
 * NAME (the file's path) starts every error message.  TEXT is not changed.
 * Returns 0, or -1 with the reason, including the line number, in ERROR.
 * A NUL byte in TEXT is an error.
 */
int sso_config_text_parse(const char *text, size_t length, const char *name,
                          sso_setting_fn apply, void *context, char *error,
                          size_t error_size);

/*
 * Read the file at PATH, of at most MAX bytes and without NUL bytes, under
 * the same trust checks, into *TEXT (NUL-terminated, *LENGTH bytes before
 * the NUL; free it).  Returns 0, or -1 with the reason in ERROR.
 */
int sso_trusted_file_read(const char *path, size_t max, char **text,
                          size_t *length, char *error, size_t error_size);

#endif
