/*
 * A long-lived, multi-threaded host process that uses OpenSSL itself and
 * runs many pam_sso logins, for the test that the module leaves its host
 * intact: libcurl's global set-up and clean-up, signals and OpenSSL state.
 *
 * usage: host_process SERVICE USER TOKEN_FILE KEY_ID HOST PORT CA_FILE
 *                     LOGINS THREADS
 *
 * THREADS threads run LOGINS logins between them (authenticate, setcred,
 * open and close the session, pam_end), each checking that
 * AWS_ACCESS_KEY_ID is KEY_ID.  Meanwhile another thread hashes and draws
 * random bytes with OpenSSL and checks every result.  Afterwards the host
 * makes a TLS connection of its own to HOST:PORT, trusting CA_FILE, and
 * reads an HTTP status line.  One line per check goes to standard output:
 *
 *   LOGINS <ok> <failed>
 *   CRYPTO <rounds> <errors>
 *   SIGPIPE unchanged|changed
 *   ERRQUEUE <login threads whose OpenSSL error queue was not empty>
 *   HOST_TLS <HTTP status line>|failed
 *
 * Tests point libpam at their own service files with pam_wrapper.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <security/pam_appl.h>

struct job {
    const char *service;
    const char *user;
    char *token;
    const char *key_id;
    atomic_int next;           /* logins handed out so far */
    int logins;
    atomic_int ok;
    atomic_int failed;
    atomic_int error_queues;
    atomic_bool logins_done;
};

/* SHA-256 of "pam_sso host", computed once before any login. */
static unsigned char expected_digest[EVP_MAX_MD_SIZE];
static unsigned int expected_length;

static int
converse(int count, const struct pam_message **messages,
         struct pam_response **responses, void *context)
{
    const char *token = context;
    struct pam_response *replies = calloc((size_t) count, sizeof(*replies));
    int i;

    if (replies == NULL)
        return PAM_BUF_ERR;
    for (i = 0; i < count; i++)
        if (messages[i]->msg_style == PAM_PROMPT_ECHO_OFF)
            replies[i].resp = strdup(token);
    *responses = replies;
    return PAM_SUCCESS;
}

/* One whole login; true when every step succeeded with the right key. */
static bool
login_once(const struct job *job)
{
    struct pam_conv conv = { converse, job->token };
    pam_handle_t *pamh = NULL;
    const char *key_id;
    bool good = false;
    int pamret;

    pamret = pam_start(job->service, job->user, &conv, &pamh);
    if (pamret != PAM_SUCCESS)
        return false;

    pamret = pam_authenticate(pamh, 0);
    if (pamret == PAM_SUCCESS)
        pamret = pam_setcred(pamh, PAM_ESTABLISH_CRED);
    if (pamret == PAM_SUCCESS)
        pamret = pam_open_session(pamh, 0);
    if (pamret == PAM_SUCCESS) {
        key_id = pam_getenv(pamh, "AWS_ACCESS_KEY_ID");
        good = key_id != NULL && strcmp(key_id, job->key_id) == 0;
        pamret = pam_close_session(pamh, 0);
        good = good && pamret == PAM_SUCCESS;
    }

    pam_end(pamh, pamret);
    return good;
}

static void *
run_logins(void *context)
{
    struct job *job = context;

    while (atomic_fetch_add(&job->next, 1) < job->logins) {
        if (login_once(job))
            atomic_fetch_add(&job->ok, 1);
        else
            atomic_fetch_add(&job->failed, 1);
    }

    /* OpenSSL's error queue is per thread; the host's next call in this
     * thread would see anything the module's TLS left there. */
    if (ERR_peek_error() != 0)
        atomic_fetch_add(&job->error_queues, 1);
    return NULL;
}

static bool
digest(unsigned char *out, unsigned int *length)
{
    static const char text[] = "pam_sso host";

    return EVP_Digest(text, strlen(text), out, length, EVP_sha256(), NULL)
           == 1;
}

/* Rounds of hashing and random bytes, and how many of them failed. */
struct crypto_result {
    long rounds;
    long errors;
};

/* Hash and draw random bytes until the logins are over. */
static void *
run_crypto(void *context)
{
    struct job *job = context;
    struct crypto_result *result = calloc(1, sizeof(*result));
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned char noise[32];
    unsigned int length;

    if (result == NULL)
        return NULL;
    while (!atomic_load(&job->logins_done)) {
        bool good = digest(out, &length) && length == expected_length
                    && memcmp(out, expected_digest, length) == 0
                    && RAND_bytes(noise, sizeof(noise)) == 1;

        result->rounds++;
        if (!good)
            result->errors++;
    }
    return result;
}

/* Connect to HOST:PORT with the host's own SSL_CTX and print the status
 * line of a plain request. */
static void
check_host_tls(const char *host, const char *port, const char *ca_file)
{
    char target[300];
    char reply[256];
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    BIO *bio = NULL;
    SSL *ssl = NULL;
    int got;

    snprintf(target, sizeof(target), "%s:%s", host, port);
    if (context == NULL
        || SSL_CTX_load_verify_locations(context, ca_file, NULL) != 1)
        goto failed;
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, NULL);

    bio = BIO_new_ssl_connect(context);
    if (bio == NULL || BIO_get_ssl(bio, &ssl) != 1 || ssl == NULL)
        goto failed;
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set1_host(ssl, host);
    BIO_set_conn_hostname(bio, target);
    if (BIO_do_handshake(bio) != 1 || SSL_get_verify_result(ssl) != X509_V_OK)
        goto failed;

    BIO_puts(bio, "GET /assignment/accounts HTTP/1.1\r\nHost: ");
    BIO_puts(bio, host);
    BIO_puts(bio, "\r\nConnection: close\r\n\r\n");
    got = BIO_read(bio, reply, sizeof(reply) - 1);
    if (got <= 0)
        goto failed;
    reply[got] = '\0';
    reply[strcspn(reply, "\r\n")] = '\0';
    printf("HOST_TLS %s\n", reply);
    BIO_free_all(bio);
    SSL_CTX_free(context);
    return;

failed:
    printf("HOST_TLS failed\n");
    ERR_print_errors_fp(stdout);
    BIO_free_all(bio);
    SSL_CTX_free(context);
}

int
main(int argc, char **argv)
{
    struct job job;
    struct sigaction before;
    struct sigaction after;
    struct crypto_result *crypto = NULL;
    void *crypto_out = NULL;
    pthread_t crypto_thread;
    pthread_t *threads;
    char token[16384];
    FILE *file;
    size_t length;
    int threads_count;
    int i;

    if (argc != 10) {
        fprintf(stderr, "usage: host_process SERVICE USER TOKEN_FILE KEY_ID "
                "HOST PORT CA_FILE LOGINS THREADS\n");
        return 2;
    }
    file = fopen(argv[3], "r");
    if (file == NULL)
        return 2;
    length = fread(token, 1, sizeof(token) - 1, file);
    fclose(file);
    token[length] = '\0';

    /* The host's own OpenSSL use starts before the module is loaded. */
    OPENSSL_init_ssl(0, NULL);
    if (!digest(expected_digest, &expected_length))
        return 2;
    sigaction(SIGPIPE, NULL, &before);

    memset(&job, 0, sizeof(job));
    job.service = argv[1];
    job.user = argv[2];
    job.token = token;
    job.key_id = argv[4];
    job.logins = atoi(argv[8]);
    threads_count = atoi(argv[9]);
    threads = calloc((size_t) threads_count, sizeof(*threads));
    if (threads == NULL || threads_count < 1)
        return 2;

    pthread_create(&crypto_thread, NULL, run_crypto, &job);
    for (i = 0; i < threads_count; i++)
        pthread_create(&threads[i], NULL, run_logins, &job);
    for (i = 0; i < threads_count; i++)
        pthread_join(threads[i], NULL);
    atomic_store(&job.logins_done, true);
    pthread_join(crypto_thread, &crypto_out);
    crypto = crypto_out;

    printf("LOGINS %d %d\n", atomic_load(&job.ok), atomic_load(&job.failed));
    printf("CRYPTO %ld %ld\n", crypto != NULL ? crypto->rounds : 0,
           crypto != NULL ? crypto->errors : -1);
    sigaction(SIGPIPE, NULL, &after);
    printf("SIGPIPE %s\n", before.sa_handler == after.sa_handler
                           ? "unchanged" : "changed");
    printf("ERRQUEUE %d\n", atomic_load(&job.error_queues));
    check_host_tls(argv[5], argv[6], argv[7]);

    memset(token, 0, sizeof(token));
    free(crypto);
    free(threads);
    return 0;
}
