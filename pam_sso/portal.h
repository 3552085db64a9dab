/*
 * Client of the SSO portal API: ListAccounts, ListAccountRoles,
 * GetRoleCredentials and Logout.  Free of PAM types.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_PORTAL_H
#define PAM_SSO_PORTAL_H

#include <stdbool.h>
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
 * all end by DEADLINE_MS (see sso_http_now_ms()), with at most LANES
 * requests in flight.  CA_PEM, CA_LENGTH and PROXY as for sso_http_new().
 * Returns NULL when out of memory or libcurl fails to start.
 */
struct sso_portal *sso_portal_new(const char *base_url, const char *ca_pem,
                                  size_t ca_length, const char *proxy,
                                  uint64_t deadline_ms, unsigned int lanes);

void sso_portal_free(struct sso_portal *portal);

/* Why the last call failed, printable ASCII without secrets or bodies. */
const char *sso_portal_error(const struct sso_portal *portal);

/* Whether the roles of ACCOUNT_ID are worth listing. */
typedef bool (*sso_account_filter)(void *context, const char *account_id);

/* Whether ROLES, found so far, already settle the choice, whatever the
 * COUNT accounts in PENDING hold.  Asked only once every account is known. */
typedef bool (*sso_search_settled)(void *context,
                                   const struct sso_role_list *roles,
                                   char *const *pending, size_t count);

/*
 * Append to ROLES every role visible to TOKEN in the accounts of interest,
 * listing the accounts' roles in parallel.  With EXACT_IDS (EXACT_COUNT
 * account ids) those accounts are the ones of interest and ListAccounts is
 * not called.  Otherwise every page of ListAccounts is read, and each
 * listed account that WANTED accepts (called with CONTEXT) is of interest;
 * its roles are listed as soon as its page arrives.  A 403 or 404 on one account
 * means no role is visible there.  Each account's roles count only when
 * all their pages arrived; any other failure fails the whole search.  The
 * search ends early, dropping the listings still running, once SETTLED
 * (called with CONTEXT) says the roles found decide the choice.
 */
enum sso_status sso_find_roles(struct sso_portal *portal, const char *token,
                               char *const *exact_ids, size_t exact_count,
                               sso_account_filter wanted,
                               sso_search_settled settled, void *context,
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
