/*
 * HTTPS requests to the portal and to STS with libcurl: TLS, time
 * budget, bounded response bodies, retries and request signing.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_HTTP_H
#define PAM_SSO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest response body kept; a longer one fails the request. */
#define SSO_HTTP_BODY_MAX (1024 * 1024)

/* Room for the error type the portal names in x-amzn-ErrorType. */
#define SSO_HTTP_ERROR_TYPE_MAX 64

/* Room for the description of one failed request. */
#define SSO_HTTP_CALL_ERROR_MAX 256

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
 * no proxy is used, whatever the process environment contains.  At most LANES
 * requests are in flight at once, each lane keeping its connection alive
 * between requests.  Returns NULL when out of memory or libcurl fails to
 * start.
 */
struct sso_http *sso_http_new(const char *ca_pem, size_t ca_length,
                              const char *proxy, uint64_t deadline_ms,
                              unsigned int lanes);

void sso_http_free(struct sso_http *http);

/* Milliseconds on the monotonic clock. */
uint64_t sso_http_now_ms(void);

/*
 * Return the wait before retry number ATTEMPT (from 1): full jitter over
 * 200 ms * 2^ATTEMPT, capped at 5 s, as for 429 and 5xx responses.
 */
uint64_t sso_http_backoff_ms(unsigned int attempt);

enum sso_http_method {
    SSO_HTTP_GET,
    SSO_HTTP_POST,          /* with an empty body */
};

/* The outcome of one request started with sso_http_start(). */
struct sso_http_done {
    void *tag;                          /* as given to sso_http_start() */
    enum sso_http_result result;
    struct sso_http_response response;  /* on SSO_HTTP_OK; clear it */
    char error[SSO_HTTP_CALL_ERROR_MAX];  /* on failure, without secrets */
};

/*
 * Queue a METHOD request for URL with TOKEN, under the retry rules of
 * sso_http_request(), to run in parallel with the others queued.  TAG is
 * handed back with the outcome.  An URGENT request takes the next free
 * lane before the others waiting.  Returns SSO_HTTP_OK or
 * SSO_HTTP_NO_MEMORY.
 */
enum sso_http_result sso_http_start(struct sso_http *http,
                                    enum sso_http_method method,
                                    const char *url, const char *token,
                                    void *tag, bool urgent);

/*
 * Run the queued requests until one has its final outcome, and move it
 * into DONE.  Returns false when nothing is queued or in flight.  Outcomes
 * come in the order they arrive, not the order of the starts.
 */
bool sso_http_wait(struct sso_http *http, struct sso_http_done *done);

/* Drop every request queued, in flight or finished but not yet waited for. */
void sso_http_cancel(struct sso_http *http);

/*
 * Send a METHOD request for URL with the access TOKEN in the
 * x-amz-sso_bearer_token header.  HTTP 429, 500, 502, 503, 504 and 509
 * are retried with capped exponential backoff and full jitter while the
 * deadline allows, and Retry-After is honoured.  A refused or reset
 * connection is retried once, without waiting.  On SSO_HTTP_OK, RESPONSE
 * contains the final status and body; clear it with
 * sso_http_response_clear().  On failure ERROR (ERROR_SIZE bytes) describes
 * the cause, without secrets.  Nothing else may be queued at the time.
 */
enum sso_http_result sso_http_request(struct sso_http *http,
                                      enum sso_http_method method,
                                      const char *url, const char *token,
                                      struct sso_http_response *response,
                                      char *error, size_t error_size);

/* The temporary credentials and scope with which sso_http_post_signed()
 * signs a request (AWS Signature Version 4). */
struct sso_http_signer {
    const char *region;             /* signing region, e.g. us-east-1 */
    const char *service;            /* signing name, e.g. sts */
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;      /* sent, and signed, as
                                       X-Amz-Security-Token */
};

/*
 * POST FORM (application/x-www-form-urlencoded text, which must outlive
 * the call) to URL, signed by libcurl's SigV4 for SIGNER, under the retry
 * rules and with the results of sso_http_request().  Each retry is signed
 * again, with its own date.  Nothing else may be queued at the time.
 */
enum sso_http_result sso_http_post_signed(struct sso_http *http,
                                          const char *url, const char *form,
                                          const struct sso_http_signer *signer,
                                          struct sso_http_response *response,
                                          char *error, size_t error_size);

/* Wipe and free the body.  The body may hold credentials. */
void sso_http_response_clear(struct sso_http_response *response);

#endif
