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
               const char *proxy, uint64_t deadline_ms, unsigned int lanes)
{
    struct sso_portal *portal = calloc(1, sizeof(*portal));

    if (portal == NULL)
        return NULL;

    portal->base_url = strdup(base_url);
    portal->http = sso_http_new(ca_pem, ca_length, proxy, deadline_ms, lanes);
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

/* One listing in progress: ListAccounts, or ListAccountRoles of one
 * account.  Its pages are requested one after another. */
struct listing {
    char *account_id;               /* NULL for ListAccounts */
    char *page_token;               /* next_token of the page in flight */
    unsigned int pages;
    bool done;                      /* every page arrived, or none will */
    struct sso_role_list found;     /* this account's roles so far */
    struct listing *next;           /* every listing, for the clean-up */
};

/* A search for the roles visible to one token. */
struct search {
    struct sso_portal *portal;
    const char *token;
    sso_account_filter wanted;
    sso_search_settled settled;
    void *context;
    bool accounts_known;            /* ListAccounts is over, or skipped */
    bool finished;                  /* the roles found settle the choice */
    struct sso_role_list *roles;    /* the result */
    struct sso_account_list listed; /* every id ListAccounts returned */
    char **started;                 /* sorted ids whose roles are listed */
    size_t started_count;
    struct listing *listings;
};

static const char *
operation_of(const struct listing *listing)
{
    return listing->account_id == NULL ? "ListAccounts" : "ListAccountRoles";
}

/* Request the next page of LISTING. */
static enum sso_status
request_page(struct search *search, struct listing *listing)
{
    char page_size[8];
    char *url;
    enum sso_http_result result;

    if (listing->pages == SSO_PAGES_MAX) {
        set_error(search->portal, "%s: more than %d pages",
                  operation_of(listing), SSO_PAGES_MAX);
        return SSO_BAD_RESPONSE;
    }
    listing->pages++;

    snprintf(page_size, sizeof(page_size), "%d", SSO_PAGE_SIZE);
    url = listing->account_id == NULL
          ? build_url(search->portal, "/assignment/accounts", "max_result",
                      page_size, "next_token", listing->page_token, NULL)
          : build_url(search->portal, "/assignment/roles", "account_id",
                      listing->account_id, "max_result", page_size,
                      "next_token", listing->page_token, NULL);
    if (url == NULL) {
        set_error(search->portal, "%s: out of memory", operation_of(listing));
        return SSO_NO_MEMORY;
    }

    /* ListAccounts pages go first: every account they name may start a
     * role listing, so they are the search's critical path. */
    result = sso_http_start(search->portal->http, SSO_HTTP_GET, url,
                            search->token, listing,
                            listing->account_id == NULL);
    free(url);
    if (result != SSO_HTTP_OK) {
        set_error(search->portal, "%s: out of memory", operation_of(listing));
        return SSO_NO_MEMORY;
    }
    return SSO_OK;
}

/* Start a listing, for ACCOUNT_ID's roles or, when NULL, of the accounts. */
static enum sso_status
start_listing(struct search *search, const char *account_id)
{
    struct listing *listing = calloc(1, sizeof(*listing));

    if (listing == NULL
        || (account_id != NULL
            && (listing->account_id = strdup(account_id)) == NULL)) {
        free(listing);
        set_error(search->portal, "out of memory");
        return SSO_NO_MEMORY;
    }
    listing->next = search->listings;
    search->listings = listing;
    return request_page(search, listing);
}

/*
 * Record ID among the accounts whose roles are listed, keeping the array
 * sorted.  Returns 1 when it is new, 0 when it was there already, -1 when
 * out of memory.  At most SSO_ACCOUNTS_MAX ids ever arrive.
 */
static int
remember_account(struct search *search, char *id)
{
    size_t low = 0;
    size_t high = search->started_count;
    char **grown;

    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = strcmp(search->started[middle], id);

        if (order == 0)
            return 0;
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }

    grown = realloc(search->started,
                    (search->started_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return -1;
    search->started = grown;
    memmove(&grown[low + 1], &grown[low],
            (search->started_count - low) * sizeof(*grown));
    grown[low] = id;
    search->started_count++;
    return 1;
}

/* Start the role listing of every new, wanted account from index FIRST of
 * the accounts listed so far. */
static enum sso_status
start_role_listings(struct search *search, size_t first)
{
    size_t i;

    for (i = first; i < search->listed.count; i++) {
        char *id = search->listed.ids[i];
        int fresh;

        if (!search->wanted(search->context, id))
            continue;
        fresh = remember_account(search, id);
        if (fresh < 0) {
            set_error(search->portal, "out of memory");
            return SSO_NO_MEMORY;
        }
        if (fresh == 1 && start_listing(search, id) != SSO_OK)
            return SSO_NO_MEMORY;
    }
    return SSO_OK;
}

/* Take the roles LISTING found into the result, once every page came. */
static enum sso_status
keep_roles(struct search *search, struct listing *listing)
{
    if (listing->found.count > SSO_ROLES_MAX - search->roles->count) {
        set_error(search->portal, "ListAccountRoles: more entries than the "
                  "module keeps");
        return SSO_BAD_RESPONSE;
    }
    if (sso_role_list_take(search->roles, &listing->found) != 0) {
        set_error(search->portal, "ListAccountRoles: out of memory");
        return SSO_NO_MEMORY;
    }
    return SSO_OK;
}

/* Parse one page of LISTING from BODY, then request the next page or
 * finish the listing. */
static enum sso_status
take_page(struct search *search, struct listing *listing,
          const struct sso_http_response *response)
{
    const char *operation = operation_of(listing);
    size_t before = search->listed.count;
    char *next_token = NULL;
    enum sso_status status;

    status = parse_status(search->portal, operation,
                          listing->account_id == NULL
                          ? sso_parse_account_page(response->body,
                                                   response->length,
                                                   &search->listed,
                                                   &next_token)
                          : sso_parse_role_page(response->body,
                                                response->length,
                                                listing->account_id,
                                                &listing->found,
                                                &next_token));
    if (status == SSO_OK && listing->account_id == NULL)
        status = start_role_listings(search, before);
    if (status != SSO_OK || next_token == NULL)
        goto done;

    if (listing->page_token != NULL
        && strcmp(listing->page_token, next_token) == 0) {
        set_error(search->portal, "%s: the same nextToken came back twice",
                  operation);
        status = SSO_BAD_RESPONSE;
        goto done;
    }
    free(listing->page_token);
    listing->page_token = next_token;
    next_token = NULL;
    return request_page(search, listing);

done:
    free(next_token);
    if (status == SSO_OK && listing->account_id != NULL)
        status = keep_roles(search, listing);
    listing->done = status == SSO_OK;
    return status;
}

/* After LISTING ended, ask whether the roles found settle the choice. */
static enum sso_status
check_settled(struct search *search, const struct listing *listing)
{
    const struct listing *other;
    char **pending;
    size_t count = 0;

    if (listing->account_id == NULL)
        search->accounts_known = true;
    if (!search->accounts_known || search->settled == NULL)
        return SSO_OK;

    pending = malloc((search->started_count + SSO_RULES_MAX + 1)
                     * sizeof(*pending));
    if (pending == NULL) {
        set_error(search->portal, "out of memory");
        return SSO_NO_MEMORY;
    }
    for (other = search->listings; other != NULL; other = other->next)
        if (!other->done && other->account_id != NULL)
            pending[count++] = other->account_id;

    search->finished = search->settled(search->context, search->roles,
                                       pending, count);
    free(pending);
    return SSO_OK;
}

/* Handle the outcome of one page request. */
static enum sso_status
take_outcome(struct search *search, struct sso_http_done *done)
{
    struct listing *listing = done->tag;
    enum sso_status status;

    status = classify(search->portal, operation_of(listing), done->result,
                      &done->response, done->error);

    /* 403 or 404 on ListAccounts names no account: the endpoint is wrong.
     * On one account's roles it means none are visible there, and what
     * earlier pages found counts for nothing. */
    if (status == SSO_NOT_VISIBLE && listing->account_id == NULL)
        status = SSO_BAD_RESPONSE;
    if (status == SSO_NOT_VISIBLE) {
        sso_role_list_clear(&listing->found);
        listing->done = true;
        status = SSO_OK;
    } else if (status == SSO_OK) {
        status = take_page(search, listing, &done->response);
    }
    sso_http_response_clear(&done->response);

    if (status == SSO_OK && listing->done)
        status = check_settled(search, listing);
    return status;
}

static void
search_clear(struct search *search)
{
    struct listing *listing;

    while ((listing = search->listings) != NULL) {
        search->listings = listing->next;
        sso_role_list_clear(&listing->found);
        free(listing->page_token);
        free(listing->account_id);
        free(listing);
    }
    free(search->started);
    sso_account_list_clear(&search->listed);
}

enum sso_status
sso_find_roles(struct sso_portal *portal, const char *token,
               char *const *exact_ids, size_t exact_count,
               sso_account_filter wanted, sso_search_settled settled,
               void *context, struct sso_role_list *roles)
{
    struct search search;
    struct sso_http_done done;
    enum sso_status status = SSO_OK;
    size_t i;

    memset(&search, 0, sizeof(search));
    search.portal = portal;
    search.token = token;
    search.wanted = wanted;
    search.settled = settled;
    search.context = context;
    search.roles = roles;
    search.accounts_known = exact_ids != NULL;

    if (exact_ids == NULL)
        status = start_listing(&search, NULL);
    for (i = 0; exact_ids != NULL && i < exact_count && status == SSO_OK; i++)
        status = start_listing(&search, exact_ids[i]);

    while (status == SSO_OK && !search.finished
           && sso_http_wait(portal->http, &done))
        status = take_outcome(&search, &done);

    /* Nothing of an abandoned search may run on, or count, and listings
     * that cannot change the choice need not finish. */
    sso_http_cancel(portal->http);
    search_clear(&search);
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
