/*
 * The user map file of user_match=map: which SSO user names may log in as
 * which local users.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_USER_MAP_H
#define PAM_SSO_USER_MAP_H

#include <stdbool.h>
#include <stddef.h>

/* Largest map file read, in bytes. */
#define SSO_USER_MAP_FILE_MAX (256 * 1024)

/* Longest SSO name pattern and longest local user name on a line. */
#define SSO_USER_MAP_FIELD_MAX 256

/* Room for one error message about the map. */
#define SSO_USER_MAP_ERROR_MAX 256

struct sso_user_map_entry {
    char *pattern;          /* shell glob over SSO user names */
    char *user;             /* local user name, literal */
};

struct sso_user_map {
    struct sso_user_map_entry *entries;
    size_t count;
};

/*
 * Parse TEXT, LENGTH bytes of map file text, into MAP.  Each line is blank,
 * or "PATTERN USER" with the two fields separated by spaces or tabs; '#'
 * starts a comment that runs to the end of the line.  PATTERN is a glob
 * whose '*', '?' and '[...]' have their shell meaning and whose other
 * characters, backslash included, stand for themselves.  NAME starts every
 * error message.  Returns 0, or -1 with the reason and the line number in
 * ERROR (ERROR_SIZE bytes) and MAP empty.
 */
int sso_user_map_parse(const char *text, size_t length, const char *name,
                       struct sso_user_map *map, char *error,
                       size_t error_size);

/* Whether a line of MAP lets the SSO user SSO_NAME log in as USER. */
bool sso_user_map_allows(const struct sso_user_map *map, const char *sso_name,
                         const char *user);

void sso_user_map_clear(struct sso_user_map *map);

#endif
