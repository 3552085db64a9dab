/*
 * Parsers for the SSO portal's JSON responses, into typed C structs.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_PORTAL_JSON_H
#define PAM_SSO_PORTAL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* Bounds on what one login keeps from the portal. */
#define SSO_ACCOUNTS_MAX 10000
#define SSO_ROLES_MAX 10000
#define SSO_NEXT_TOKEN_MAX 4096
#define SSO_ROLE_NAME_MAX 128
#define SSO_CREDENTIAL_MAX 4096
#define SSO_JSON_DEPTH_MAX 8

struct sso_account_list {
    char **ids;             /* 12-digit account ids */
    size_t count;
};

struct sso_role_list {
    struct sso_role_ref *roles;
    size_t count;
};

/* Role credentials; the three strings are secrets (except the key id)
 * and are wiped by sso_credentials_clear(). */
struct sso_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    int64_t expiration_ms;  /* Unix epoch in milliseconds */
};

/* Result of a parse: which part of the response was wrong, if any. */
enum sso_parse_result {
    SSO_PARSE_OK,
    SSO_PARSE_INVALID,      /* not strict JSON, wrong types, bad values */
    SSO_PARSE_LIMIT,        /* more entries than the bounds above */
    SSO_PARSE_NO_MEMORY,
};

/*
 * Parse one ListAccounts page of BODY (LENGTH bytes, NUL-terminated) and
 * append its account ids to ACCOUNTS.  *NEXT_TOKEN receives a new string or
 * NULL on the last page.  On failure ACCOUNTS keeps its earlier entries and
 * *NEXT_TOKEN is NULL.
 */
enum sso_parse_result sso_parse_account_page(const char *body, size_t length,
                                             struct sso_account_list *accounts,
                                             char **next_token);

/*
 * Parse one ListAccountRoles page for ACCOUNT_ID and append its roles to
 * ROLES.  An entry whose accountId differs from ACCOUNT_ID makes the whole
 * page invalid.  NEXT_TOKEN as above.
 */
enum sso_parse_result sso_parse_role_page(const char *body, size_t length,
                                          const char *account_id,
                                          struct sso_role_list *roles,
                                          char **next_token);

/* Parse a GetRoleCredentials response into CREDENTIALS (fields all set on
 * success, all NULL otherwise). */
enum sso_parse_result sso_parse_role_credentials(const char *body,
                                                 size_t length,
                                                 struct sso_credentials *creds);

/* Move every role of SRC to the end of DEST, leaving SRC empty.  Returns
 * 0, or -1 when out of memory with both lists unchanged. */
int sso_role_list_take(struct sso_role_list *dest, struct sso_role_list *src);

void sso_account_list_clear(struct sso_account_list *accounts);
void sso_role_list_clear(struct sso_role_list *roles);
void sso_credentials_clear(struct sso_credentials *creds);

#endif
