/*
 * Client of STS GetCallerIdentity.
 *
 * The call is signed with the role credentials the portal just issued, so
 * STS returns the identity of their owner.  No IAM permission is
 * needed for it.  It runs on its own connection, under the portal's TLS
 * rules, proxy and deadline.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "sts.h"

#define GET_CALLER_IDENTITY_FORM "Action=GetCallerIdentity&Version=2011-06-15"

/* A throttled call is tried again up to this many times, after the HTTP
 * layer's backoff.  botocore's retry rules also count STS's HTTP 400
 * Throttling as retryable.  The HTTP layer retries 429 and 5xx itself, but
 * only the error code in the body marks a 400 as throttling. */
#define THROTTLE_RETRIES_MAX 3

/* Room left for the request itself after a wait. */
#define REQUEST_ROOM_MS 100

/* STS reports throttling as HTTP 400 with one of these codes: a busy
 * service, not a rejection. */
static bool
is_throttling(const char *code)
{
    return strcmp(code, "Throttling") == 0
           || strcmp(code, "ThrottlingException") == 0
           || strcmp(code, "RequestLimitExceeded") == 0;
}

/* Classify a non-200 RESPONSE, describe it in ERROR, and set *THROTTLED
 * when STS throttled the call. */
static enum sso_status
classify_error(const struct sso_http_response *response, bool *throttled,
               char *error, size_t error_size)
{
    char code[SSO_STS_CODE_MAX];

    if (sso_parse_sts_error(response->body, response->length, code)
            != SSO_PARSE_OK)
        snprintf(code, sizeof(code), "no readable error code");
    snprintf(error, error_size, "STS answered HTTP %ld: %s",
             response->status, code);

    *throttled = response->status == 400 && is_throttling(code);
    if ((response->status == 400 || response->status == 403)
        && !*throttled)
        return SSO_UNAUTHORIZED;
    if (response->status == 400 || response->status == 429
        || response->status >= 500)
        return SSO_UNAVAILABLE;
    return SSO_BAD_RESPONSE;
}

/* Read a 200 RESPONSE into IDENTITY. */
static enum sso_status
read_identity(const struct sso_http_response *response,
              struct sso_caller_identity *identity, char *error,
              size_t error_size)
{
    switch (sso_parse_caller_identity(response->body, response->length,
                                      identity)) {
    case SSO_PARSE_OK:
        return SSO_OK;
    case SSO_PARSE_NO_MEMORY:
        snprintf(error, error_size, "out of memory");
        return SSO_NO_MEMORY;
    default:
        snprintf(error, error_size,
                 "malformed GetCallerIdentity response from STS");
        return SSO_BAD_RESPONSE;
    }
}

/* Call GetCallerIdentity once on HTTP, as sso_sts_get_caller_identity()
 * describes, and set *THROTTLED when STS throttled it. */
static enum sso_status
call_once(struct sso_http *http, const char *url,
          const struct sso_http_signer *signer,
          struct sso_caller_identity *identity, bool *throttled, char *error,
          size_t error_size)
{
    struct sso_http_response response = { 0, NULL, 0, "" };
    char http_error[SSO_HTTP_CALL_ERROR_MAX];
    enum sso_status status;

    *throttled = false;
    switch (sso_http_post_signed(http, url, GET_CALLER_IDENTITY_FORM, signer,
                                 &response, http_error, sizeof(http_error))) {
    case SSO_HTTP_OK:
        status = response.status == 200
                 ? read_identity(&response, identity, error, error_size)
                 : classify_error(&response, throttled, error, error_size);
        break;
    case SSO_HTTP_NO_MEMORY:
        snprintf(error, error_size, "out of memory");
        status = SSO_NO_MEMORY;
        break;
    default:
        snprintf(error, error_size, "STS request failed: %s", http_error);
        status = SSO_UNAVAILABLE;
        break;
    }

    sso_http_response_clear(&response);
    return status;
}

/* Wait before retry number RETRY (from 1) of a throttled call.  Returns
 * false, without waiting, when the wait and a request would pass
 * DEADLINE_MS. */
static bool
wait_before_retry(unsigned int retry, uint64_t deadline_ms)
{
    uint64_t wait = sso_http_backoff_ms(retry);
    struct timespec pause;

    if (sso_http_now_ms() + wait + REQUEST_ROOM_MS >= deadline_ms)
        return false;

    pause.tv_sec = (time_t) (wait / 1000);
    pause.tv_nsec = (long) (wait % 1000) * 1000000L;
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
        continue;
    return true;
}

enum sso_status
sso_sts_get_caller_identity(const struct sso_sts_target *target,
                            const struct sso_credentials *creds,
                            struct sso_caller_identity *identity,
                            char *error, size_t error_size)
{
    const struct sso_http_signer signer = {
        target->region, "sts", creds->access_key_id,
        creds->secret_access_key, creds->session_token,
    };
    struct sso_http *http;
    enum sso_status status;
    unsigned int retry;
    bool throttled = false;

    memset(identity, 0, sizeof(*identity));
    error[0] = '\0';

    http = sso_http_new(target->ca_pem, target->ca_length, target->proxy,
                        target->deadline_ms, 1);
    if (http == NULL) {
        snprintf(error, error_size, "the HTTP client could not be set up");
        return SSO_NO_MEMORY;
    }

    for (retry = 0;; retry++) {
        status = call_once(http, target->url, &signer, identity, &throttled,
                           error, error_size);
        if (!throttled || retry == THROTTLE_RETRIES_MAX
            || !wait_before_retry(retry + 1, target->deadline_ms))
            break;
    }

    sso_http_free(http);
    return status;
}
