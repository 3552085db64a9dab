/*
 * HTTPS requests to the portal with libcurl: TLS, time budget, bounded
 * response bodies and retries.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_HTTP_H
#define PAM_SSO_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Largest response body kept; a longer one fails the request. */
#define SSO_HTTP_BODY_MAX (1024 * 1024)

/* Room for the error type the portal names in x-amzn-ErrorType. */
#define SSO_HTTP_ERROR_TYPE_MAX 64

struct sso_http;

enum sso_http_result {
    SSO_HTTP_OK,            /* a response arrived; see its status */
    SSO_HTTP_UNAVAILABLE,   /* connection, TLS, timeout or size failure */
    SSO_HTTP_NO_MEMORY,
};

struct sso_http_response {
    long status;
    char *body;             /* NUL-terminated, LENGTH bytes before the NUL */
    size_t length;
    char error_type[SSO_HTTP_ERROR_TYPE_MAX];  /* cleaned, may be empty */
};

/*
 * Create a client whose requests all end by DEADLINE_MS (CLOCK_MONOTONIC,
 * from sso_http_now_ms()).  CA_PEM, if not NULL, is a PEM bundle of
 * CA_LENGTH bytes that replaces the system's CA store; it is copied.
 * PROXY, if not NULL, is the http:// proxy to tunnel through; without it
 * no proxy is used, whatever the process environment says.  Returns NULL
 * when out of memory or libcurl fails to start.
 */
struct sso_http *sso_http_new(const char *ca_pem, size_t ca_length,
                              const char *proxy, uint64_t deadline_ms);

void sso_http_free(struct sso_http *http);

/* Milliseconds on the monotonic clock. */
uint64_t sso_http_now_ms(void);

enum sso_http_method {
    SSO_HTTP_GET,
    SSO_HTTP_POST,          /* with an empty body */
};

/*
 * Send a METHOD request for URL with the access TOKEN in the
 * x-amz-sso_bearer_token header.  HTTP 429, 500, 502, 503, 504 and 509
 * are retried with capped exponential backoff and full jitter while the
 * deadline allows, and Retry-After is honoured.  A refused or reset
 * connection is retried once, without waiting.  On SSO_HTTP_OK, RESPONSE
 * contains the final status and body; clear it with
 * sso_http_response_clear().  On failure ERROR (ERROR_SIZE bytes) describes
 * the cause, without secrets.
 */
enum sso_http_result sso_http_request(struct sso_http *http,
                                      enum sso_http_method method,
                                      const char *url, const char *token,
                                      struct sso_http_response *response,
                                      char *error, size_t error_size);

/* Wipe and free the body.  The body may hold credentials. */
void sso_http_response_clear(struct sso_http_response *response);

#endif
