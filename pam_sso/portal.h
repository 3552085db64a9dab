/*
 * Client of the SSO portal API: ListAccounts, ListAccountRoles,
 * GetRoleCredentials and Logout.  Free of PAM types.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_PORTAL_H
#define PAM_SSO_PORTAL_H

#include <stdint.h>

#include "portal_json.h"
#include "policy.h"

/* Most pages read from one listing; with 100 entries a page that is more
 * than the portal's own limits on accounts and roles. */
#define SSO_PAGES_MAX 200

/* Entries asked for per page: the API's maximum for max_result. */
#define SSO_PAGE_SIZE 100

/* Room for the description of the last failure. */
#define SSO_PORTAL_ERROR_MAX 512

enum sso_status {
    SSO_OK,
    SSO_UNAUTHORIZED,   /* HTTP 401: the token was rejected */
    SSO_NOT_VISIBLE,    /* HTTP 403 or 404: account or role not assigned */
    SSO_BAD_REQUEST,    /* HTTP 400 */
    SSO_UNAVAILABLE,    /* network, TLS, timeout, 429 or 5xx after retries */
    SSO_BAD_RESPONSE,   /* malformed, unexpected or oversized response */
    SSO_NO_MEMORY,
};

struct sso_portal;

/*
 * Create a client for BASE_URL ("https://host[:port][/prefix]") whose calls
 * all end by DEADLINE_MS (see sso_http_now_ms()).  CA_PEM, CA_LENGTH and
 * PROXY as for sso_http_new().  Returns NULL when out of memory or libcurl
 * fails to start.
 */
struct sso_portal *sso_portal_new(const char *base_url, const char *ca_pem,
                                  size_t ca_length, const char *proxy,
                                  uint64_t deadline_ms);

void sso_portal_free(struct sso_portal *portal);

/* Why the last call failed, printable ASCII without secrets or bodies. */
const char *sso_portal_error(const struct sso_portal *portal);

/* All pages of ListAccounts.  ACCOUNTS must be empty on entry. */
enum sso_status sso_list_accounts(struct sso_portal *portal,
                                  const char *token,
                                  struct sso_account_list *accounts);

/* All pages of ListAccountRoles for ACCOUNT_ID, appended to ROLES only when
 * every page arrived. */
enum sso_status sso_list_account_roles(struct sso_portal *portal,
                                       const char *token,
                                       const char *account_id,
                                       struct sso_role_list *roles);

/* GetRoleCredentials for ROLE into CREDS. */
enum sso_status sso_get_role_credentials(struct sso_portal *portal,
                                         const char *token,
                                         const struct sso_role_ref *role,
                                         struct sso_credentials *creds);

/* Logout: revoke TOKEN at the portal.  SSO_UNAUTHORIZED means the portal
 * no longer accepts the token, so nothing is left to revoke. */
enum sso_status sso_logout(struct sso_portal *portal, const char *token);

#endif
