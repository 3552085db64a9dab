/*
 * HTTPS requests to the portal with libcurl: TLS, time budget, bounded
 * response bodies and retries.
 *
 * One easy handle serves every request of a login, so the TLS connection
 * is set up once and kept alive.  The settings below are fixed: nothing a
 * user controls (proxy variables, redirects, other URL schemes) can steer a
 * request that carries the access token.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "secret.h"

#define TOKEN_HEADER "x-amz-sso_bearer_token: "

/* Backoff for 429 and 5xx: full jitter over BASE * 2^attempt, capped. */
#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 5000
#define ATTEMPTS_MAX 8

/* Connection set-up gets at most this share of the remaining budget, so a
 * black-holed address leaves time to report the failure. */
#define CONNECT_MAX_MS 5000

struct sso_http {
    CURL *curl;
    uint64_t deadline_ms;
    char curl_error[CURL_ERROR_SIZE];
};

struct body_buffer {
    char *data;
    size_t length;
    size_t capacity;
    bool too_large;
};

struct reply_headers {
    char error_type[SSO_HTTP_ERROR_TYPE_MAX];
    long retry_after;          /* seconds, or -1 */
};

uint64_t
sso_http_now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t) now.tv_sec * 1000 + (uint64_t) now.tv_nsec / 1000000;
}

static void
body_clear(struct body_buffer *body)
{
    sso_wipe(body->data, body->capacity);
    free(body->data);
    memset(body, 0, sizeof(*body));
}

/* Grow BODY to hold NEEDED bytes plus a NUL, wiping the old copy, because
 * realloc() may leave a credential-bearing copy behind unwiped. */
static bool
body_reserve(struct body_buffer *body, size_t needed)
{
    size_t capacity = body->capacity == 0 ? 4096 : body->capacity;
    char *grown;

    if (needed < body->capacity)
        return true;
    while (capacity <= needed)
        capacity *= 2;

    grown = malloc(capacity);
    if (grown == NULL)
        return false;
    if (body->length > 0)
        memcpy(grown, body->data, body->length);
    sso_wipe(body->data, body->capacity);
    free(body->data);
    body->data = grown;
    body->capacity = capacity;
    return true;
}

/* libcurl 7.88's CURLOPT_MAXFILESIZE ignores chunked bodies, so the size
 * cap is enforced here: returning less than offered aborts the transfer. */
static size_t
write_body(char *data, size_t size, size_t count, void *context)
{
    struct body_buffer *body = context;
    size_t length = size * count;

    if (length > SSO_HTTP_BODY_MAX - body->length) {
        body->too_large = true;
        return 0;
    }
    if (!body_reserve(body, body->length + length))
        return 0;

    memcpy(body->data + body->length, data, length);
    body->length += length;
    body->data[body->length] = '\0';
    return length;
}

/* Keep the error type as botocore reads it: the text before the first ':'
 * and after the last '#', printable characters only. */
static void
store_error_type(struct reply_headers *headers, const char *value,
                 size_t length)
{
    const char *end = memchr(value, ':', length);
    const char *start = value;
    const char *p;
    size_t out = 0;

    if (end == NULL)
        end = value + length;
    for (p = value; p < end; p++)
        if (*p == '#')
            start = p + 1;

    for (p = start; p < end && out + 1 < sizeof(headers->error_type); p++) {
        unsigned char c = (unsigned char) *p;

        if (c > 0x20 && c < 0x7f)
            headers->error_type[out++] = (char) c;
    }
    headers->error_type[out] = '\0';
}

static size_t
read_header(char *data, size_t size, size_t count, void *context)
{
    struct reply_headers *headers = context;
    size_t length = size * count;
    const char *colon = memchr(data, ':', length);
    const char *value;
    size_t name_length;
    size_t value_length;

    if (colon == NULL)
        return length;

    name_length = (size_t) (colon - data);
    value = colon + 1;
    value_length = length - name_length - 1;
    while (value_length > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        value_length--;
    }
    while (value_length > 0
           && (value[value_length - 1] == '\r'
               || value[value_length - 1] == '\n'
               || value[value_length - 1] == ' '))
        value_length--;

    if (name_length == 16 && strncasecmp(data, "x-amzn-ErrorType", 16) == 0)
        store_error_type(headers, value, value_length);

    if (name_length == 11 && strncasecmp(data, "Retry-After", 11) == 0) {
        char digits[12];

        /* Only the delta-seconds form; an HTTP date is ignored.  VALUE is
         * not NUL-terminated, so it is copied before strspn looks at it. */
        if (value_length > 0 && value_length < sizeof(digits)) {
            memcpy(digits, value, value_length);
            digits[value_length] = '\0';
            if (strspn(digits, "0123456789") == value_length)
                headers->retry_after = strtol(digits, NULL, 10);
        }
    }
    return length;
}

/* Settings that apply to every request of this handle. */
static bool
set_fixed_options(struct sso_http *http, const char *ca_pem, size_t ca_length,
                  const char *proxy)
{
    CURL *c = http->curl;
    bool ok = true;

    ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https")
          == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    /* Only the operator's proxy: an explicit CURLOPT_PROXY ("" for none)
     * and CURLOPT_NOPROXY make libcurl ignore http_proxy, https_proxy,
     * all_proxy and no_proxy, which a user can set through pam_env or su. */
    ok &= curl_easy_setopt(c, CURLOPT_PROXY, proxy != NULL ? proxy : "")
          == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_NOPROXY, "") == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_HTTPPROXYTUNNEL, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_SSLVERSION,
                           (long) CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE "/" VERSION)
          == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, http->curl_error)
          == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, read_header)
          == CURLE_OK;

    /* The bundle is passed in memory, as read after the trust checks, so
     * the file cannot change between the check and the use.  Clearing
     * CAINFO and CAPATH drops the built-in system store. */
    if (ca_pem != NULL) {
        /* struct curl_blob has no const member, but CURL_BLOB_COPY makes
         * libcurl copy the bytes without writing to them. */
        struct curl_blob blob = { (void *) (uintptr_t) ca_pem, ca_length,
                                  CURL_BLOB_COPY };

        ok &= curl_easy_setopt(c, CURLOPT_CAINFO, NULL) == CURLE_OK;
        ok &= curl_easy_setopt(c, CURLOPT_CAPATH, NULL) == CURLE_OK;
        ok &= curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob) == CURLE_OK;
    }
    return ok;
}

/*
 * Initialise libcurl without letting the caller's environment pick a TLS
 * key log file.  Debian's libcurl opens $SSLKEYLOGFILE for appending during
 * the first curl_global_init(), and su or sudo run this module as root with
 * the caller's environment: a user could make root create a file anywhere
 * and write TLS secrets into it.  The variable is hidden during the call and
 * put back afterwards, so the caller's environment is unchanged.
 */
static CURLcode
global_init_without_key_log(void)
{
    const char *value = getenv("SSLKEYLOGFILE");
    char *saved = NULL;
    CURLcode code;

    if (value != NULL) {
        saved = strdup(value);
        if (saved == NULL)
            return CURLE_OUT_OF_MEMORY;
        unsetenv("SSLKEYLOGFILE");
    }

    /* NOTE: setenv and unsetenv are not thread-safe; a host process that
     * reads its environment from another thread at this moment may miss
     * the variable. */
    code = curl_global_init(CURL_GLOBAL_DEFAULT);

    if (saved != NULL) {
        setenv("SSLKEYLOGFILE", saved, 1);
        free(saved);
    }
    return code;
}

struct sso_http *
sso_http_new(const char *ca_pem, size_t ca_length, const char *proxy,
             uint64_t deadline_ms)
{
    struct sso_http *http = calloc(1, sizeof(*http));

    if (http == NULL)
        return NULL;
    http->deadline_ms = deadline_ms;

    /* Reference-counted and thread-safe in libcurl 7.84 and later; the
     * matching cleanup is in sso_http_free(). */
    if (global_init_without_key_log() != CURLE_OK) {
        free(http);
        return NULL;
    }

    http->curl = curl_easy_init();
    if (http->curl == NULL
        || !set_fixed_options(http, ca_pem, ca_length, proxy)) {
        sso_http_free(http);
        return NULL;
    }
    return http;
}

void
sso_http_free(struct sso_http *http)
{
    if (http == NULL)
        return;

    if (http->curl != NULL)
        curl_easy_cleanup(http->curl);
    curl_global_cleanup();
    free(http);
}

void
sso_http_response_clear(struct sso_http_response *response)
{
    if (response->body != NULL) {
        sso_wipe(response->body, response->length);
        free(response->body);
    }
    memset(response, 0, sizeof(*response));
}

/* Wipe each header line before libcurl frees the list, because one of
 * them contains the token. */
static void
free_header_list(struct curl_slist *list)
{
    struct curl_slist *item;

    for (item = list; item != NULL; item = item->next)
        sso_wipe(item->data, strlen(item->data));
    curl_slist_free_all(list);
}

/* The token header, and for a POST an empty Content-Type line, which
 * makes libcurl leave out its form type as the AWS SDKs do. */
static struct curl_slist *
make_header_list(const char *token, enum sso_http_method method)
{
    size_t length = strlen(TOKEN_HEADER) + strlen(token) + 1;
    char *line = malloc(length);
    struct curl_slist *list = NULL;
    struct curl_slist *longer;

    if (line == NULL)
        return NULL;
    snprintf(line, length, "%s%s", TOKEN_HEADER, token);

    list = curl_slist_append(NULL, line);
    sso_free_secret(line);
    if (list == NULL || method != SSO_HTTP_POST)
        return list;

    longer = curl_slist_append(list, "Content-Type:");
    if (longer == NULL)
        free_header_list(list);
    return longer;
}

/* Sleep until TARGET_MS on the monotonic clock. */
static void
sleep_until(uint64_t target_ms)
{
    uint64_t now;

    while ((now = sso_http_now_ms()) < target_ms) {
        uint64_t left = target_ms - now;
        struct timespec pause = { (time_t) (left / 1000),
                                  (long) (left % 1000) * 1000000 };

        nanosleep(&pause, NULL);
    }
}

static uint64_t
random_below(uint64_t bound)
{
    uint32_t value = 0;

    if (bound == 0)
        return 0;
    if (getrandom(&value, sizeof(value), GRND_NONBLOCK) != sizeof(value))
        value = (uint32_t) sso_http_now_ms() * 2654435761u;
    return value % bound;
}

/*
 * Decide the wait before retry number ATTEMPT (from 1) after a 429 or 5xx.
 * Returns false when the retry cannot finish within the deadline.
 */
static bool
plan_retry(const struct sso_http *http, unsigned int attempt,
           long retry_after, uint64_t *wake_ms)
{
    uint64_t now = sso_http_now_ms();
    uint64_t window = BACKOFF_BASE_MS << (attempt < 6 ? attempt : 6);
    uint64_t wait;

    if (window > BACKOFF_CAP_MS)
        window = BACKOFF_CAP_MS;
    wait = random_below(window + 1);
    if (retry_after >= 0)
        wait = (uint64_t) retry_after * 1000;

    /* Leave room for the request itself after the wait. */
    if (attempt >= ATTEMPTS_MAX || now + wait + 100 >= http->deadline_ms)
        return false;

    *wake_ms = now + wait;
    return true;
}

/* The statuses botocore's standard retry mode retries: throttling and the
 * transient server errors, not 501 or 505. */
static bool
is_retryable_status(long status)
{
    return status == 429 || status == 500 || status == 502 || status == 503
           || status == 504 || status == 509;
}

static bool
is_connection_failure(CURLcode code)
{
    return code == CURLE_COULDNT_CONNECT || code == CURLE_SEND_ERROR
           || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING;
}

/* One transfer, with the time left set as its timeout. */
static CURLcode
perform_once(struct sso_http *http, struct body_buffer *body,
             struct reply_headers *headers, long *status)
{
    uint64_t now = sso_http_now_ms();
    uint64_t left;
    CURLcode code;

    body_clear(body);
    memset(headers, 0, sizeof(*headers));
    headers->retry_after = -1;
    http->curl_error[0] = '\0';
    *status = 0;

    if (now >= http->deadline_ms)
        return CURLE_OPERATION_TIMEDOUT;
    left = http->deadline_ms - now;

    curl_easy_setopt(http->curl, CURLOPT_TIMEOUT_MS, (long) left);
    curl_easy_setopt(http->curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) (left < CONNECT_MAX_MS ? left : CONNECT_MAX_MS));
    curl_easy_setopt(http->curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(http->curl, CURLOPT_HEADERDATA, headers);

    code = curl_easy_perform(http->curl);
    if (code == CURLE_OK)
        curl_easy_getinfo(http->curl, CURLINFO_RESPONSE_CODE, status);
    return code;
}

static void
describe_failure(const struct sso_http *http, CURLcode code,
                 const struct body_buffer *body, char *error,
                 size_t error_size)
{
    if (body->too_large)
        snprintf(error, error_size, "response larger than %d bytes",
                 SSO_HTTP_BODY_MAX);
    else if (http->curl_error[0] != '\0')
        snprintf(error, error_size, "%s: %s", curl_easy_strerror(code),
                 http->curl_error);
    else
        snprintf(error, error_size, "%s", curl_easy_strerror(code));
}

/* Prepare the handle for METHOD on URL with HEADERS.  A POST carries an
 * empty body with Content-Length: 0. */
static bool
set_request(struct sso_http *http, enum sso_http_method method,
            const char *url, struct curl_slist *headers)
{
    CURL *c = http->curl;
    bool ok = true;

    ok &= curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
    if (method == SSO_HTTP_POST) {
        ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDS, "") == CURLE_OK;
        ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L) == CURLE_OK;
    } else {
        ok &= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) == CURLE_OK;
    }
    return ok;
}

enum sso_http_result
sso_http_request(struct sso_http *http, enum sso_http_method method,
                 const char *url, const char *token,
                 struct sso_http_response *response, char *error,
                 size_t error_size)
{
    struct body_buffer body = { NULL, 0, 0, false };
    struct reply_headers headers;
    struct curl_slist *header_list = NULL;
    enum sso_http_result result = SSO_HTTP_NO_MEMORY;
    bool reconnected = false;
    unsigned int attempt = 0;
    uint64_t wake_ms;
    CURLcode code;
    long status;

    memset(response, 0, sizeof(*response));
    error[0] = '\0';

    header_list = make_header_list(token, method);
    if (header_list == NULL
        || !set_request(http, method, url, header_list)) {
        snprintf(error, error_size, "out of memory");
        goto done;
    }

    while (true) {
        code = perform_once(http, &body, &headers, &status);
        attempt++;

        if (code != CURLE_OK && is_connection_failure(code) && !reconnected
            && !body.too_large) {
            reconnected = true;
            continue;
        }
        if (code != CURLE_OK) {
            describe_failure(http, code, &body, error, error_size);
            result = SSO_HTTP_UNAVAILABLE;
            goto done;
        }

        if (is_retryable_status(status)
            && plan_retry(http, attempt, headers.retry_after, &wake_ms)) {
            sleep_until(wake_ms);
            continue;
        }
        break;
    }

    if (!body_reserve(&body, body.length)) {
        snprintf(error, error_size, "out of memory");
        goto done;
    }
    body.data[body.length] = '\0';

    response->status = status;
    response->body = body.data;
    response->length = body.length;
    memcpy(response->error_type, headers.error_type,
           sizeof(response->error_type));
    body.data = NULL;
    body.capacity = 0;
    result = SSO_HTTP_OK;

done:
    /* Detach the list before wiping it, so the handle keeps no stale
     * pointer between requests. */
    curl_easy_setopt(http->curl, CURLOPT_HTTPHEADER, NULL);
    free_header_list(header_list);
    body_clear(&body);
    return result;
}
