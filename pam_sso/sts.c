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

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "sts.h"

#define GET_CALLER_IDENTITY_FORM "Action=GetCallerIdentity&Version=2011-06-15"

/* STS reports throttling as HTTP 400 with one of these codes: a busy
 * service, not a rejection. */
static bool
is_throttling(const char *code)
{
    return strcmp(code, "Throttling") == 0
           || strcmp(code, "ThrottlingException") == 0
           || strcmp(code, "RequestLimitExceeded") == 0;
}

/* Classify a non-200 RESPONSE and describe it in ERROR. */
static enum sso_status
classify_error(const struct sso_http_response *response, char *error,
               size_t error_size)
{
    char code[SSO_STS_CODE_MAX];

    if (sso_parse_sts_error(response->body, response->length, code)
            != SSO_PARSE_OK)
        snprintf(code, sizeof(code), "no readable error code");
    snprintf(error, error_size, "STS answered HTTP %ld: %s",
             response->status, code);

    if ((response->status == 400 || response->status == 403)
        && !is_throttling(code))
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
    struct sso_http_response response = { 0, NULL, 0, "" };
    char http_error[SSO_HTTP_CALL_ERROR_MAX];
    struct sso_http *http;
    enum sso_status status;

    memset(identity, 0, sizeof(*identity));
    error[0] = '\0';

    http = sso_http_new(target->ca_pem, target->ca_length, target->proxy,
                        target->deadline_ms, 1);
    if (http == NULL) {
        snprintf(error, error_size, "the HTTP client could not be set up");
        return SSO_NO_MEMORY;
    }

    switch (sso_http_post_signed(http, target->url, GET_CALLER_IDENTITY_FORM,
                                 &signer, &response, http_error,
                                 sizeof(http_error))) {
    case SSO_HTTP_OK:
        status = response.status == 200
                 ? read_identity(&response, identity, error, error_size)
                 : classify_error(&response, error, error_size);
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
    sso_http_free(http);
    return status;
}
