/*
 * HTTPS requests to the portal and to STS with libcurl: TLS, time budget,
 * bounded response bodies, retries, SigV4 signing by libcurl, and several
 * requests in parallel.
 *
 * Requests run on libcurl's multi interface over a fixed number of lanes,
 * each an easy handle with at most one request in flight.  A lane keeps its
 * connection alive between requests.  So a login sets up one TLS connection
 * per lane it uses, and with HTTP/2 the lanes share one.  The settings
 * below are fixed: nothing a user controls (proxy variables, redirects,
 * other URL schemes) can steer a request that carries the access token.
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
#define SECURITY_TOKEN_HEADER "X-Amz-Security-Token: "
#define FORM_TYPE_HEADER \
    "Content-Type: application/x-www-form-urlencoded; charset=utf-8"

/* Backoff for 429 and 5xx: full jitter over BASE * 2^attempt, capped. */
#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 5000
#define ATTEMPTS_MAX 8

/* Connection set-up gets at most this share of the remaining budget, so a
 * black-holed address leaves time to report the failure. */
#define CONNECT_MAX_MS 5000

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

/* One request, from sso_http_start() until sso_http_wait() hands it back. */
struct call {
    enum sso_http_method method;
    char *url;
    void *tag;
    struct curl_slist *header_list;   /* contains the token */
    const char *form;                 /* POST body, or NULL for none */
    char *sigv4;                      /* CURLOPT_AWS_SIGV4, or NULL */
    char *access_key_id;
    char *secret_access_key;          /* wiped when the call is freed */
    struct body_buffer body;
    struct reply_headers headers;
    unsigned int attempts;
    bool reconnected;
    uint64_t wake_ms;                 /* not before this, when queued */
    long status;
    enum sso_http_result result;
    char error[SSO_HTTP_CALL_ERROR_MAX];
    struct call *next;
};

/* A lane is one easy handle with at most one call in flight. */
struct lane {
    CURL *curl;
    struct call *call;
    char curl_error[CURL_ERROR_SIZE];
};

/* Calls in order, as a singly linked FIFO. */
struct call_queue {
    struct call *head;
    struct call *tail;
};

struct sso_http {
    CURLM *multi;
    struct lane *lanes;
    unsigned int lane_count;
    unsigned int in_flight;
    struct call_queue waiting;        /* not started, or backing off */
    struct call_queue finished;
    uint64_t deadline_ms;
    char *ca_pem;                     /* copied into each easy handle */
    size_t ca_length;
    char *proxy;
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

/* Settings that apply to every request of LANE's easy handle. */
static bool
set_fixed_options(struct lane *lane, const char *ca_pem, size_t ca_length,
                  const char *proxy)
{
    CURL *c = lane->curl;
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
    ok &= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, lane->curl_error)
          == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_PRIVATE, lane) == CURLE_OK;

    /* With HTTP/2 a new request waits to share a connection instead of
     * opening one more. */
    ok &= curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L) == CURLE_OK;
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

/* The headers of a signed form POST.  libcurl 7.88 signs every entry, so
 * none may be an empty or removing one. */
static struct curl_slist *
make_signed_header_list(const char *session_token)
{
    size_t length = strlen(SECURITY_TOKEN_HEADER) + strlen(session_token) + 1;
    char *line = malloc(length);
    struct curl_slist *list;
    struct curl_slist *longer;

    if (line == NULL)
        return NULL;
    snprintf(line, length, "%s%s", SECURITY_TOKEN_HEADER, session_token);

    list = curl_slist_append(NULL, FORM_TYPE_HEADER);
    if (list == NULL) {
        sso_free_secret(line);
        return NULL;
    }
    longer = curl_slist_append(list, line);
    sso_free_secret(line);
    if (longer == NULL)
        free_header_list(list);
    return longer;
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

uint64_t
sso_http_backoff_ms(unsigned int attempt)
{
    uint64_t window = (uint64_t) BACKOFF_BASE_MS << (attempt < 6 ? attempt : 6);

    if (window > BACKOFF_CAP_MS)
        window = BACKOFF_CAP_MS;
    return random_below(window + 1);
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
    uint64_t wait = sso_http_backoff_ms(attempt);

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

struct sso_http *
sso_http_new(const char *ca_pem, size_t ca_length, const char *proxy,
             uint64_t deadline_ms, unsigned int lanes)
{
    struct sso_http *http = calloc(1, sizeof(*http));

    if (http == NULL)
        return NULL;
    http->deadline_ms = deadline_ms;
    http->lane_count = lanes > 0 ? lanes : 1;

    /* Reference-counted and thread-safe in libcurl 7.84 and later; the
     * matching cleanup is in sso_http_free(). */
    if (global_init_without_key_log() != CURLE_OK) {
        free(http);
        return NULL;
    }

    http->lanes = calloc(http->lane_count, sizeof(*http->lanes));
    http->multi = curl_multi_init();
    http->proxy = proxy != NULL ? strdup(proxy) : NULL;
    if (ca_pem != NULL) {
        http->ca_pem = malloc(ca_length + 1);
        if (http->ca_pem != NULL) {
            memcpy(http->ca_pem, ca_pem, ca_length);
            http->ca_pem[ca_length] = '\0';
            http->ca_length = ca_length;
        }
    }
    if (http->lanes == NULL || http->multi == NULL
        || (proxy != NULL && http->proxy == NULL)
        || (ca_pem != NULL && http->ca_pem == NULL)) {
        sso_http_free(http);
        return NULL;
    }

    /* libcurl sizes its cache of idle connections by the handles added at
     * the moment, which are few between requests, so it would close the
     * lanes' connections.  The cache keeps one per lane instead, and no
     * more connections to the portal are opened than there are lanes. */
    curl_multi_setopt(http->multi, CURLMOPT_MAXCONNECTS, (long) http->lane_count);
    curl_multi_setopt(http->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long) http->lane_count);
    return http;
}

static void
call_free(struct call *call)
{
    if (call == NULL)
        return;
    free_header_list(call->header_list);
    body_clear(&call->body);
    free(call->url);
    free(call->sigv4);
    free(call->access_key_id);
    sso_free_secret(call->secret_access_key);
    free(call);
}

static void
queue_push(struct call_queue *queue, struct call *call)
{
    call->next = NULL;
    if (queue->tail != NULL)
        queue->tail->next = call;
    else
        queue->head = call;
    queue->tail = call;
}

static struct call *
queue_pop(struct call_queue *queue)
{
    struct call *call = queue->head;

    if (call != NULL) {
        queue->head = call->next;
        if (queue->head == NULL)
            queue->tail = NULL;
        call->next = NULL;
    }
    return call;
}

static void
queue_free(struct call_queue *queue)
{
    struct call *call;

    while ((call = queue_pop(queue)) != NULL)
        call_free(call);
}

/* Take LANE's call off the multi handle and return it; the easy handle
 * keeps no pointer to the call's token header. */
static struct call *
detach_lane(struct sso_http *http, struct lane *lane)
{
    struct call *call = lane->call;

    curl_multi_remove_handle(http->multi, lane->curl);
    curl_easy_setopt(lane->curl, CURLOPT_HTTPHEADER, NULL);
    /* NOTE: libcurl frees its copy of the secret key here without wiping
     * it.  Its signing keys and request buffers outlive the call unwiped
     * too, because only the module's own buffers can be wiped. */
    curl_easy_setopt(lane->curl, CURLOPT_PASSWORD, NULL);
    lane->call = NULL;
    http->in_flight--;
    return call;
}

void
sso_http_cancel(struct sso_http *http)
{
    unsigned int i;

    for (i = 0; i < http->lane_count; i++)
        if (http->lanes[i].call != NULL)
            call_free(detach_lane(http, &http->lanes[i]));
    queue_free(&http->waiting);
    queue_free(&http->finished);
}

void
sso_http_free(struct sso_http *http)
{
    unsigned int i;

    if (http == NULL)
        return;

    if (http->lanes != NULL) {
        sso_http_cancel(http);
        for (i = 0; i < http->lane_count; i++)
            if (http->lanes[i].curl != NULL)
                curl_easy_cleanup(http->lanes[i].curl);
        free(http->lanes);
    }
    if (http->multi != NULL)
        curl_multi_cleanup(http->multi);
    free(http->proxy);
    free(http->ca_pem);
    curl_global_cleanup();
    free(http);
}

/* Put CALL at the front of QUEUE. */
static void
queue_push_front(struct call_queue *queue, struct call *call)
{
    call->next = queue->head;
    queue->head = call;
    if (queue->tail == NULL)
        queue->tail = call;
}

/* A new call for METHOD and URL, or NULL when out of memory. */
static struct call *
call_new(enum sso_http_method method, const char *url, void *tag)
{
    struct call *call = calloc(1, sizeof(*call));

    if (call == NULL)
        return NULL;
    call->method = method;
    call->tag = tag;
    call->url = strdup(url);
    if (call->url == NULL) {
        free(call);
        return NULL;
    }
    return call;
}

enum sso_http_result
sso_http_start(struct sso_http *http, enum sso_http_method method,
               const char *url, const char *token, void *tag, bool urgent)
{
    struct call *call = call_new(method, url, tag);

    if (call == NULL)
        return SSO_HTTP_NO_MEMORY;
    call->header_list = make_header_list(token, method);
    if (call->header_list == NULL) {
        call_free(call);
        return SSO_HTTP_NO_MEMORY;
    }

    if (urgent)
        queue_push_front(&http->waiting, call);
    else
        queue_push(&http->waiting, call);
    return SSO_HTTP_OK;
}

/* Fill CALL's signing fields from SIGNER.  Returns false when out of
 * memory. */
static bool
set_signer(struct call *call, const struct sso_http_signer *signer)
{
    size_t length = strlen("aws:amz::") + strlen(signer->region)
                    + strlen(signer->service) + 1;

    call->sigv4 = malloc(length);
    if (call->sigv4 == NULL)
        return false;
    snprintf(call->sigv4, length, "aws:amz:%s:%s", signer->region,
             signer->service);
    call->access_key_id = strdup(signer->access_key_id);
    call->secret_access_key = strdup(signer->secret_access_key);
    call->header_list = make_signed_header_list(signer->session_token);
    return call->access_key_id != NULL && call->secret_access_key != NULL
           && call->header_list != NULL;
}

/* Hand CALL back to the caller with RESULT and, on failure, ERROR. */
static void
finish_call(struct sso_http *http, struct call *call,
            enum sso_http_result result, const char *error)
{
    call->result = result;
    if (error != NULL)
        snprintf(call->error, sizeof(call->error), "%s", error);
    queue_push(&http->finished, call);
}

/* Point LANE's easy handle at CALL and add it to the multi handle, with
 * the time left as its timeout. */
static bool
launch(struct sso_http *http, struct lane *lane, struct call *call,
       uint64_t now)
{
    uint64_t left = http->deadline_ms - now;
    CURL *c;
    bool ok = true;

    if (lane->curl == NULL) {
        lane->curl = curl_easy_init();
        if (lane->curl == NULL
            || !set_fixed_options(lane, http->ca_pem, http->ca_length,
                                  http->proxy))
            return false;
    }
    c = lane->curl;

    body_clear(&call->body);
    memset(&call->headers, 0, sizeof(call->headers));
    call->headers.retry_after = -1;
    lane->curl_error[0] = '\0';

    ok &= curl_easy_setopt(c, CURLOPT_URL, call->url) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_HTTPHEADER, call->header_list)
          == CURLE_OK;
    if (call->method == SSO_HTTP_POST) {
        /* The form, or an empty body with Content-Length: 0.  libcurl
         * hashes POSTFIELDS into the signature. */
        const char *form = call->form != NULL ? call->form : "";

        ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDS, form) == CURLE_OK;
        ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long) strlen(form))
              == CURLE_OK;
    } else {
        ok &= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) == CURLE_OK;
    }
    /* A lane may carry signed and unsigned calls in turn. */
    ok &= curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC)
          == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_AWS_SIGV4, call->sigv4) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_USERNAME, call->access_key_id)
          == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_PASSWORD, call->secret_access_key)
          == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long) left) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                           (long) (left < CONNECT_MAX_MS ? left
                                                         : CONNECT_MAX_MS))
          == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_WRITEDATA, &call->body) == CURLE_OK;
    ok &= curl_easy_setopt(c, CURLOPT_HEADERDATA, &call->headers)
          == CURLE_OK;
    if (!ok || curl_multi_add_handle(http->multi, c) != CURLM_OK)
        return false;

    lane->call = call;
    http->in_flight++;
    return true;
}

/* Start every waiting call whose wake time has come, while lanes are
 * free, in the order the calls were started. */
static void
launch_ready(struct sso_http *http, uint64_t now)
{
    struct call_queue later = { NULL, NULL };
    struct call *call;
    unsigned int i = 0;

    while ((call = queue_pop(&http->waiting)) != NULL) {
        while (i < http->lane_count && http->lanes[i].call != NULL)
            i++;
        if (i == http->lane_count || call->wake_ms > now) {
            queue_push(&later, call);
            continue;
        }
        if (!launch(http, &http->lanes[i], call, now))
            finish_call(http, call, SSO_HTTP_NO_MEMORY,
                        "the request could not be set up");
    }
    http->waiting = later;
}

static void
describe_failure(const struct lane *lane, CURLcode code, struct call *call)
{
    if (call->body.too_large)
        snprintf(call->error, sizeof(call->error),
                 "response larger than %d bytes", SSO_HTTP_BODY_MAX);
    else if (lane->curl_error[0] != '\0')
        snprintf(call->error, sizeof(call->error), "%s: %.160s",
                 curl_easy_strerror(code), lane->curl_error);
    else
        snprintf(call->error, sizeof(call->error), "%s",
                 curl_easy_strerror(code));
}

/*
 * Decide what a finished transfer of LANE's call means: a response, a
 * retry (429 and 5xx with backoff, a failed connection once at once), or
 * a failure.
 */
static void
settle(struct sso_http *http, struct lane *lane, CURLcode code)
{
    struct call *call = detach_lane(http, lane);
    uint64_t wake_ms;

    call->attempts++;

    if (code != CURLE_OK && is_connection_failure(code) && !call->reconnected
        && !call->body.too_large) {
        call->reconnected = true;
        call->wake_ms = 0;
        queue_push(&http->waiting, call);
        return;
    }
    if (code != CURLE_OK) {
        describe_failure(lane, code, call);
        finish_call(http, call, SSO_HTTP_UNAVAILABLE, NULL);
        return;
    }

    curl_easy_getinfo(lane->curl, CURLINFO_RESPONSE_CODE, &call->status);
    if (is_retryable_status(call->status)
        && plan_retry(http, call->attempts, call->headers.retry_after,
                      &wake_ms)) {
        call->wake_ms = wake_ms;
        queue_push(&http->waiting, call);
        return;
    }
    finish_call(http, call, SSO_HTTP_OK, NULL);
}

static void
collect_finished(struct sso_http *http)
{
    CURLMsg *message;
    int left;

    while ((message = curl_multi_info_read(http->multi, &left)) != NULL) {
        struct lane *lane = NULL;

        if (message->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &lane);
        if (lane != NULL && lane->call != NULL)
            settle(http, lane, message->data.result);
    }
}

/* libcurl's own words for a transfer past CURLOPT_TIMEOUT_MS, so that the
 * log reads the same whichever of the two notices the deadline first. */
#define TIMED_OUT "Timeout was reached (the time budget is spent)"

/* Fail everything still waiting or in flight: the deadline has passed. */
static void
expire_all(struct sso_http *http)
{
    struct call *call;
    unsigned int i;

    for (i = 0; i < http->lane_count; i++)
        if (http->lanes[i].call != NULL)
            finish_call(http, detach_lane(http, &http->lanes[i]),
                        SSO_HTTP_UNAVAILABLE, TIMED_OUT);
    while ((call = queue_pop(&http->waiting)) != NULL)
        finish_call(http, call, SSO_HTTP_UNAVAILABLE, TIMED_OUT);
}

/* How long to block in curl_multi_poll: until the deadline, the next
 * backoff wake-up that a free lane could serve, or one second. */
static int
poll_timeout(const struct sso_http *http, uint64_t now)
{
    uint64_t until = http->deadline_ms;
    const struct call *call;

    if (http->in_flight < http->lane_count)
        for (call = http->waiting.head; call != NULL; call = call->next)
            if (call->wake_ms < until)
                until = call->wake_ms;
    if (until <= now)
        return 0;
    return until - now > 1000 ? 1000 : (int) (until - now);
}

/* Move CALL's outcome into DONE, and free the call. */
static void
hand_over(struct call *call, struct sso_http_done *done)
{
    memset(done, 0, sizeof(*done));
    done->tag = call->tag;
    done->result = call->result;
    snprintf(done->error, sizeof(done->error), "%s", call->error);

    if (call->result == SSO_HTTP_OK
        && !body_reserve(&call->body, call->body.length)) {
        done->result = SSO_HTTP_NO_MEMORY;
        snprintf(done->error, sizeof(done->error), "out of memory");
    }
    if (done->result == SSO_HTTP_OK) {
        call->body.data[call->body.length] = '\0';
        done->response.status = call->status;
        done->response.body = call->body.data;
        done->response.length = call->body.length;
        memcpy(done->response.error_type, call->headers.error_type,
               sizeof(done->response.error_type));
        call->body.data = NULL;
        call->body.capacity = 0;
    }
    call_free(call);
}

bool
sso_http_wait(struct sso_http *http, struct sso_http_done *done)
{
    int running;

    while (true) {
        struct call *call = queue_pop(&http->finished);
        uint64_t now = sso_http_now_ms();

        if (call != NULL) {
            hand_over(call, done);
            return true;
        }
        if (http->waiting.head == NULL && http->in_flight == 0)
            return false;
        if (now >= http->deadline_ms) {
            expire_all(http);
            continue;
        }

        launch_ready(http, now);
        curl_multi_perform(http->multi, &running);
        collect_finished(http);
        if (http->finished.head != NULL)
            continue;
        curl_multi_poll(http->multi, NULL, 0, poll_timeout(http, now), NULL);
    }
}

/* Queue CALL alone and wait for its outcome, or fail with "out of memory"
 * when CALL is NULL or its set-up failed (READY false).  RESPONSE and
 * ERROR as for sso_http_request(). */
static enum sso_http_result
run_alone(struct sso_http *http, struct call *call, bool ready,
          struct sso_http_response *response, char *error, size_t error_size)
{
    struct sso_http_done done;

    memset(response, 0, sizeof(*response));
    error[0] = '\0';
    if (call == NULL || !ready) {
        call_free(call);
        snprintf(error, error_size, "out of memory");
        return SSO_HTTP_NO_MEMORY;
    }

    queue_push(&http->waiting, call);
    if (!sso_http_wait(http, &done)) {
        snprintf(error, error_size, "the request was lost");
        return SSO_HTTP_UNAVAILABLE;
    }

    *response = done.response;
    snprintf(error, error_size, "%s", done.error);
    return done.result;
}

enum sso_http_result
sso_http_request(struct sso_http *http, enum sso_http_method method,
                 const char *url, const char *token,
                 struct sso_http_response *response, char *error,
                 size_t error_size)
{
    struct call *call = call_new(method, url, NULL);

    if (call != NULL)
        call->header_list = make_header_list(token, method);
    return run_alone(http, call, call != NULL && call->header_list != NULL,
                     response, error, error_size);
}

enum sso_http_result
sso_http_post_signed(struct sso_http *http, const char *url,
                     const char *form, const struct sso_http_signer *signer,
                     struct sso_http_response *response, char *error,
                     size_t error_size)
{
    struct call *call = call_new(SSO_HTTP_POST, url, NULL);
    bool ready = false;

    if (call != NULL) {
        call->form = form;
        ready = set_signer(call, signer);
    }
    return run_alone(http, call, ready, response, error, error_size);
}
