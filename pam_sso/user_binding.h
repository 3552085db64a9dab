/*
 * Binding a login to the person who owns the token: the user_match modes,
 * the caller ARN that STS returns for an IAM Identity Center role, and the
 * comparison of its role session name with the PAM user.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_USER_BINDING_H
#define PAM_SSO_USER_BINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "user_map.h"

/* STS role session names are at most this long.  Identity Center user
 * names may be longer, so a name of exactly this length may be cut. */
#define SSO_SESSION_NAME_MAX 64

/* Maximum length of a caller ARN in the STS API model. */
#define SSO_ARN_MAX 2048

/* Maximum length of user_domain, that of a DNS name. */
#define SSO_DOMAIN_MAX 253

enum sso_user_match_mode {
    SSO_USER_MATCH_EXACT,       /* the default */
    SSO_USER_MATCH_LOCALPART,
    SSO_USER_MATCH_MAP,
    SSO_USER_MATCH_NONE,
};

struct sso_user_match {
    enum sso_user_match_mode mode;
    char *map_path;             /* for SSO_USER_MATCH_MAP */
};

/*
 * Parse a user_match value ("exact", "localpart", "map=/PATH" or "none")
 * into MATCH, replacing what it held.  Returns 0, or -1 with *REASON.
 */
int sso_user_match_parse(struct sso_user_match *match, const char *value,
                         const char **reason);

void sso_user_match_clear(struct sso_user_match *match);

/* Whether DOMAIN is a DNS name usable as user_domain. */
bool sso_user_domain_valid(const char *domain);

/*
 * Take the role session name out of ARN, the caller ARN of credentials
 * for the Identity Center role ROLE_NAME in ACCOUNT_ID:
 * "arn:PARTITION:sts::ACCOUNT_ID:assumed-role/AWSReservedSSO_ROLE_NAME_SUFFIX/
 * SESSION".  Any other shape, another account or another role is refused.
 * NAME receives SESSION (SSO_SESSION_NAME_MAX + 1 bytes).  Returns 0, or -1
 * with *REASON.
 */
int sso_caller_session_name(const char *arn, const char *account_id,
                            const char *role_name, char *name,
                            const char **reason);

/* Decision of the binding. */
enum sso_binding_result {
    SSO_BINDING_OK,
    SSO_BINDING_MISMATCH,       /* the name does not lead to this user */
    SSO_BINDING_TRUNCATED,      /* the name may have been cut at 64 */
};

/*
 * Decide whether the SSO user whose role session name is SESSION_NAME may
 * log in as the PAM user USER under MATCH.  DOMAIN is user_domain (for
 * localpart) and MAP the parsed map file (for map).
 */
enum sso_binding_result sso_user_binding_check(
    const struct sso_user_match *match, const char *domain,
    const struct sso_user_map *map, const char *session_name,
    const char *user);

#endif
