/*
 * Binding a login to the person who owns the token.
 *
 * The portal's responses do not identify the token's owner, but STS does:
 * credentials for an Identity Center role belong to an assumed role whose
 * session name is the person's Identity Center user name.  That name is
 * compared with the PAM user under the operator's user_match mode.  Every
 * comparison is on bytes or on ASCII case, never on the locale, because su
 * and login set the locale of the process the module runs in.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "user_binding.h"

#define ARN_PREFIX "arn:"
#define ROLE_PREFIX "AWSReservedSSO_"
#define ACCOUNT_ID_LENGTH 12

/* STS accepts role session names of 2 to 64 of these characters. */
#define SESSION_NAME_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-"

int
sso_user_match_parse(struct sso_user_match *match, const char *value,
                     const char **reason)
{
    const char *path;

    sso_user_match_clear(match);
    if (strcmp(value, "exact") == 0) {
        match->mode = SSO_USER_MATCH_EXACT;
        return 0;
    }
    if (strcmp(value, "localpart") == 0) {
        match->mode = SSO_USER_MATCH_LOCALPART;
        return 0;
    }
    if (strcmp(value, "none") == 0) {
        match->mode = SSO_USER_MATCH_NONE;
        return 0;
    }
    if (strncmp(value, "map=", 4) != 0) {
        *reason = "expected exact, localpart, map=PATH or none";
        return -1;
    }

    path = value + 4;
    if (path[0] != '/' || !sso_is_printable(path, strlen(path), false)) {
        *reason = "map= needs an absolute path";
        return -1;
    }
    match->map_path = strdup(path);
    if (match->map_path == NULL) {
        *reason = "out of memory";
        return -1;
    }
    match->mode = SSO_USER_MATCH_MAP;
    return 0;
}

void
sso_user_match_clear(struct sso_user_match *match)
{
    free(match->map_path);
    match->map_path = NULL;
    match->mode = SSO_USER_MATCH_EXACT;
}

bool
sso_user_domain_valid(const char *domain)
{
    size_t length = strlen(domain);
    size_t i;

    if (length == 0 || length > SSO_DOMAIN_MAX)
        return false;
    if (strspn(domain, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789.-") != length)
        return false;
    if (domain[0] == '.' || domain[length - 1] == '.')
        return false;
    for (i = 1; i < length; i++)
        if (domain[i] == '.' && domain[i - 1] == '.')
            return false;
    return true;
}

/* Whether TEXT starts with PREFIX.  On success *REST points past it. */
static bool
take_prefix(const char *text, const char *prefix, const char **rest)
{
    size_t length = strlen(prefix);

    if (strncmp(text, prefix, length) != 0)
        return false;
    *rest = text + length;
    return true;
}

/* Check "PARTITION:sts::ACCOUNT_ID:" at *CURSOR and move past it. */
static bool
take_arn_head(const char **cursor, const char *account_id)
{
    const char *p = *cursor;
    size_t partition = strspn(p, "abcdefghijklmnopqrstuvwxyz-");

    if (partition == 0 || p[partition] != ':')
        return false;
    p += partition + 1;

    if (!take_prefix(p, "sts::", &p))
        return false;
    if (strspn(p, "0123456789") != ACCOUNT_ID_LENGTH
        || strncmp(p, account_id, ACCOUNT_ID_LENGTH) != 0
        || strlen(account_id) != ACCOUNT_ID_LENGTH
        || p[ACCOUNT_ID_LENGTH] != ':')
        return false;

    *cursor = p + ACCOUNT_ID_LENGTH + 1;
    return true;
}

/* Check "AWSReservedSSO_ROLE_NAME_SUFFIX/" at *CURSOR and move past it.
 * The suffix is letters and digits, and the role name may itself
 * contain '_', so the suffix is the part after the last '_'. */
static bool
take_reserved_role(const char **cursor, const char *role_name)
{
    const char *p = *cursor;
    const char *slash;
    size_t name_length = strlen(role_name);
    size_t suffix;

    if (!take_prefix(p, ROLE_PREFIX, &p))
        return false;
    slash = strchr(p, '/');
    if (slash == NULL)
        return false;

    if (strncmp(p, role_name, name_length) != 0 || p[name_length] != '_')
        return false;
    p += name_length + 1;

    suffix = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789");
    if (suffix == 0 || p + suffix != slash)
        return false;

    *cursor = slash + 1;
    return true;
}

int
sso_caller_session_name(const char *arn, const char *account_id,
                        const char *role_name, char *name,
                        const char **reason)
{
    const char *p = arn;
    size_t length;

    name[0] = '\0';
    if (!take_prefix(p, ARN_PREFIX, &p) || !take_arn_head(&p, account_id)) {
        *reason = "the caller ARN is not an STS ARN of the role's account";
        return -1;
    }
    if (!take_prefix(p, "assumed-role/", &p)
        || !take_reserved_role(&p, role_name)) {
        *reason = "the caller is not the Identity Center role that was "
                  "chosen";
        return -1;
    }

    length = strlen(p);
    if (length < 2 || length > SSO_SESSION_NAME_MAX
        || strspn(p, SESSION_NAME_CHARS) != length) {
        *reason = "the role session name is not one STS gives";
        return -1;
    }
    memcpy(name, p, length + 1);
    return 0;
}

static char
ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* Whether the LENGTH bytes at A equal the NUL-terminated B, ignoring
 * ASCII case. */
static bool
equal_ignoring_case(const char *a, size_t length, const char *b)
{
    size_t i;

    if (strlen(b) != length)
        return false;
    for (i = 0; i < length; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/* localpart: NAME is LOCAL@DOMAIN, split at the first '@'. */
static bool
localpart_matches(const char *name, const char *domain, const char *user)
{
    const char *at = strchr(name, '@');

    if (at == NULL || at == name || domain == NULL)
        return false;
    return equal_ignoring_case(name, (size_t) (at - name), user)
           && equal_ignoring_case(at + 1, strlen(at + 1), domain);
}

enum sso_binding_result
sso_user_binding_check(const struct sso_user_match *match, const char *domain,
                       const struct sso_user_map *map,
                       const char *session_name, const char *user)
{
    bool matches = false;

    if (match->mode == SSO_USER_MATCH_NONE)
        return SSO_BINDING_OK;

    /* Identity Center user names may be longer than a session name can
     * be, so a name at the limit may be a cut one that two people share.
     * No mode can tell them apart. */
    if (strlen(session_name) >= SSO_SESSION_NAME_MAX)
        return SSO_BINDING_TRUNCATED;

    switch (match->mode) {
    case SSO_USER_MATCH_EXACT:
        matches = strcmp(session_name, user) == 0;
        break;
    case SSO_USER_MATCH_LOCALPART:
        matches = localpart_matches(session_name, domain, user);
        break;
    case SSO_USER_MATCH_MAP:
        matches = map != NULL && sso_user_map_allows(map, session_name, user);
        break;
    default:
        break;
    }
    return matches ? SSO_BINDING_OK : SSO_BINDING_MISMATCH;
}
