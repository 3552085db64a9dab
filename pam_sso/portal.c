/*
 * Client of the SSO portal API: ListAccounts, ListAccountRoles,
 * GetRoleCredentials and Logout.
 *
 * Paths, query names and JSON field names are those of the botocore service
 * model "sso" 2019-06-10.  The HTTP status decides the outcome.  The
 * x-amzn-ErrorType header only adds detail to the log, because a 401 is a
 * rejected token whatever type the header names.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"
#include "portal.h"

struct sso_portal {
    char *base_url;
    struct sso_http *http;
    char error[SSO_PORTAL_ERROR_MAX];
};

/* The parse of one listing page: appends to the caller's list. */
typedef enum sso_parse_result (*page_parser)(const char *body, size_t length,
                                             void *list,
                                             const char *account_id,
                                             char **next_token);

static void
set_error(struct sso_portal *portal, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vsnprintf(portal->error, sizeof(portal->error), fmt, args);
    va_end(args);
}

struct sso_portal *
sso_portal_new(const char *base_url, const char *ca_pem, size_t ca_length,
               const char *proxy, uint64_t deadline_ms)
{
    struct sso_portal *portal = calloc(1, sizeof(*portal));

    if (portal == NULL)
        return NULL;

    portal->base_url = strdup(base_url);
    portal->http = sso_http_new(ca_pem, ca_length, proxy, deadline_ms);
    if (portal->base_url == NULL || portal->http == NULL) {
        sso_portal_free(portal);
        return NULL;
    }
    return portal;
}

void
sso_portal_free(struct sso_portal *portal)
{
    if (portal == NULL)
        return;

    sso_http_free(portal->http);
    free(portal->base_url);
    free(portal);
}

const char *
sso_portal_error(const struct sso_portal *portal)
{
    return portal->error;
}

/* Append "&NAME=VALUE" (or "?NAME=VALUE" first) to *URL, VALUE escaped. */
static int
append_query(char **url, const char *name, const char *value)
{
    char *escaped = curl_easy_escape(NULL, value, 0);
    char *longer = NULL;
    int written;

    if (escaped == NULL)
        return -1;
    written = asprintf(&longer, "%s%c%s=%s", *url,
                       strchr(*url, '?') == NULL ? '?' : '&', name, escaped);
    curl_free(escaped);
    if (written < 0)
        return -1;

    free(*url);
    *url = longer;
    return 0;
}

/* Build BASE_URL + PATH with the NULL-terminated NAME, VALUE pairs that
 * follow; a NULL value skips its pair. */
static char *
build_url(const struct sso_portal *portal, const char *path, ...)
{
    char *url = NULL;
    const char *name;
    va_list args;

    if (asprintf(&url, "%s%s", portal->base_url, path) < 0)
        return NULL;

    va_start(args, path);
    while ((name = va_arg(args, const char *)) != NULL) {
        const char *value = va_arg(args, const char *);

        if (value != NULL && append_query(&url, name, value) != 0) {
            free(url);
            url = NULL;
            break;
        }
    }
    va_end(args);
    return url;
}

/* Map a finished exchange to a status, describing failures for OPERATION. */
static enum sso_status
classify(struct sso_portal *portal, const char *operation,
         enum sso_http_result result, const struct sso_http_response *response,
         const char *transport_error)
{
    long status = response->status;
    const char *type = response->error_type[0] != '\0'
                       ? response->error_type : "no error type";

    if (result == SSO_HTTP_NO_MEMORY) {
        set_error(portal, "%s: out of memory", operation);
        return SSO_NO_MEMORY;
    }
    if (result != SSO_HTTP_OK) {
        set_error(portal, "%s: %s", operation, transport_error);
        return SSO_UNAVAILABLE;
    }
    if (status == 200)
        return SSO_OK;

    set_error(portal, "%s: HTTP %ld (%s)", operation, status, type);
    if (status == 401)
        return SSO_UNAUTHORIZED;
    if (status == 403 || status == 404)
        return SSO_NOT_VISIBLE;
    if (status == 400)
        return SSO_BAD_REQUEST;
    if (status == 429 || status >= 500)
        return SSO_UNAVAILABLE;
    return SSO_BAD_RESPONSE;
}

/* Send one request.  On SSO_OK, RESPONSE contains a 200 body that the
 * caller clears. */
static enum sso_status
call(struct sso_portal *portal, enum sso_http_method method,
     const char *operation, const char *url, const char *token,
     struct sso_http_response *response)
{
    char transport_error[256];
    enum sso_http_result result;
    enum sso_status status;

    if (url == NULL) {
        set_error(portal, "%s: out of memory", operation);
        return SSO_NO_MEMORY;
    }

    result = sso_http_request(portal->http, method, url, token, response,
                              transport_error, sizeof(transport_error));
    status = classify(portal, operation, result, response, transport_error);
    if (status != SSO_OK && result == SSO_HTTP_OK)
        sso_http_response_clear(response);
    return status;
}

static enum sso_status
parse_status(struct sso_portal *portal, const char *operation,
             enum sso_parse_result result)
{
    switch (result) {
    case SSO_PARSE_OK:
        return SSO_OK;
    case SSO_PARSE_NO_MEMORY:
        set_error(portal, "%s: out of memory", operation);
        return SSO_NO_MEMORY;
    case SSO_PARSE_LIMIT:
        set_error(portal, "%s: more entries than the module keeps",
                  operation);
        return SSO_BAD_RESPONSE;
    default:
        set_error(portal, "%s: malformed response", operation);
        return SSO_BAD_RESPONSE;
    }
}

/*
 * Walk every page of a listing at PATH.  ACCOUNT_ID, when set, is sent as
 * account_id.  The walk ends when nextToken is absent; a repeated token or
 * more than SSO_PAGES_MAX pages is a malformed response, never a partial
 * success.
 */
static enum sso_status
walk_pages(struct sso_portal *portal, const char *operation, const char *path,
           const char *token, const char *account_id, page_parser parse,
           void *list)
{
    char *next_token = NULL;
    char *page_token = NULL;
    char page_size[8];
    enum sso_status status = SSO_OK;
    unsigned int pages;

    snprintf(page_size, sizeof(page_size), "%d", SSO_PAGE_SIZE);

    for (pages = 0; status == SSO_OK; pages++) {
        struct sso_http_response response;
        char *url;

        if (pages == SSO_PAGES_MAX) {
            set_error(portal, "%s: more than %d pages", operation,
                      SSO_PAGES_MAX);
            status = SSO_BAD_RESPONSE;
            break;
        }

        url = build_url(portal, path, "account_id", account_id, "max_result",
                        page_size, "next_token", page_token, NULL);
        status = call(portal, SSO_HTTP_GET, operation, url, token,
                      &response);
        free(url);
        if (status != SSO_OK)
            break;

        status = parse_status(portal, operation,
                              parse(response.body, response.length, list,
                                    account_id, &next_token));
        sso_http_response_clear(&response);
        if (status != SSO_OK || next_token == NULL)
            break;

        if (page_token != NULL && strcmp(page_token, next_token) == 0) {
            set_error(portal, "%s: the same nextToken came back twice",
                      operation);
            status = SSO_BAD_RESPONSE;
            break;
        }
        free(page_token);
        page_token = next_token;
        next_token = NULL;
    }

    free(page_token);
    free(next_token);
    return status;
}

static enum sso_parse_result
parse_account_page(const char *body, size_t length, void *list,
                   const char *account_id, char **next_token)
{
    (void) account_id;
    return sso_parse_account_page(body, length, list, next_token);
}

static enum sso_parse_result
parse_role_page(const char *body, size_t length, void *list,
                const char *account_id, char **next_token)
{
    return sso_parse_role_page(body, length, account_id, list, next_token);
}

enum sso_status
sso_list_accounts(struct sso_portal *portal, const char *token,
                  struct sso_account_list *accounts)
{
    return walk_pages(portal, "ListAccounts", "/assignment/accounts", token,
                      NULL, parse_account_page, accounts);
}

enum sso_status
sso_list_account_roles(struct sso_portal *portal, const char *token,
                       const char *account_id, struct sso_role_list *roles)
{
    struct sso_role_list found = { NULL, 0 };
    enum sso_status status;

    /* Collected apart and merged only when every page arrived, so that a
     * listing cut short by an error never counts as the account's roles. */
    status = walk_pages(portal, "ListAccountRoles", "/assignment/roles", token,
                        account_id, parse_role_page, &found);
    if (status == SSO_OK && found.count > SSO_ROLES_MAX - roles->count) {
        set_error(portal, "ListAccountRoles: more entries than the module "
                  "keeps");
        status = SSO_BAD_RESPONSE;
    }
    if (status == SSO_OK && sso_role_list_take(roles, &found) != 0) {
        set_error(portal, "ListAccountRoles: out of memory");
        status = SSO_NO_MEMORY;
    }

    sso_role_list_clear(&found);
    return status;
}

enum sso_status
sso_get_role_credentials(struct sso_portal *portal, const char *token,
                         const struct sso_role_ref *role,
                         struct sso_credentials *creds)
{
    struct sso_http_response response;
    enum sso_status status;
    char *url;

    url = build_url(portal, "/federation/credentials", "role_name",
                    role->role_name, "account_id", role->account_id, NULL);
    status = call(portal, SSO_HTTP_GET, "GetRoleCredentials", url, token,
                  &response);
    free(url);
    if (status != SSO_OK)
        return status;

    status = parse_status(portal, "GetRoleCredentials",
                          sso_parse_role_credentials(response.body,
                                                     response.length, creds));
    sso_http_response_clear(&response);
    return status;
}


enum sso_status
sso_logout(struct sso_portal *portal, const char *token)
{
    struct sso_http_response response;
    enum sso_status status;
    char *url;

    /* Logout has no output; whatever body comes back is ignored. */
    url = build_url(portal, "/logout", NULL);
    status = call(portal, SSO_HTTP_POST, "Logout", url, token, &response);
    free(url);
    if (status == SSO_OK)
        sso_http_response_clear(&response);
    return status;
}
