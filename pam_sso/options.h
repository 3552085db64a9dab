/*
 * Module options from the PAM service line and the configuration file.
 *
 * SPDX-License-Identifier: MIT
 */

#ifndef PAM_SSO_OPTIONS_H
#define PAM_SSO_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "user_binding.h"

#define SSO_DEFAULT_CONFIG "/etc/security/pam_sso.conf"
#define SSO_DEFAULT_STATE_DIR "/run/pam_sso"
#define SSO_TIMEOUT_DEFAULT 10
#define SSO_TIMEOUT_MIN 1
#define SSO_TIMEOUT_MAX 60

/* Requests in flight at once.  Ten lanes list 500 accounts in 50 rounds,
 * a tenth of the sequential time, while a login's burst stays at the
 * connection count botocore's own pool allows one client by default.  429
 * responses are retried with backoff inside the same budget. */
#define SSO_PARALLEL_DEFAULT 10
#define SSO_PARALLEL_MIN 1
#define SSO_PARALLEL_MAX 32

/* Room for one error message about an option. */
#define SSO_OPTION_ERROR_MAX 256

struct sso_options {
    char *config;                  /* path of the configuration file */
    bool config_given;             /* config= was on the service line */
    char *region;                  /* SSO region, e.g. eu-west-1 */
    char *endpoint;                /* https:// base URL, no trailing '/' */
    bool use_fips_endpoint;
    bool use_dualstack_endpoint;
    char *ca_file;                 /* PEM bundle replacing the system store */
    char *proxy;                   /* http:// proxy, NULL for none */
    struct sso_rule_list allow;
    struct sso_role_ref role;      /* fields NULL unless role= is set */
    unsigned int timeout;          /* seconds, SSO_TIMEOUT_MIN..MAX */
    unsigned int max_parallel;     /* requests in flight at once */
    char *aws_region;              /* exported as AWS_REGION if set */
    bool logout_on_close;          /* revoke the token when the session ends */
    char *state_dir;               /* root-only folder for logout state */
    struct sso_user_match user_match;  /* how the token's owner must
                                          relate to the PAM user */
    char *user_domain;             /* the domain of user_match=localpart */
    char *sts_endpoint;            /* https:// URL of STS, or NULL for the
                                      regional one */
    bool allow_root;               /* authenticate uid 0 at all */
    bool use_first_pass;
    bool try_first_pass;
    bool debug;
};

/*
 * Fill OPTS from the ARGC words in ARGV and the configuration file they name
 * (or the default one).  A key given in ARGV replaces the file's value for
 * that key wherever config= is among the arguments.  Returns 0, or -1
 * with a message naming the key and the reason in ERROR (ERROR_SIZE bytes,
 * SSO_OPTION_ERROR_MAX is enough).  OPTS must be freed with
 * sso_options_free() in both cases.
 */
int sso_options_parse(struct sso_options *opts, int argc, const char **argv,
                      char *error, size_t error_size);

void sso_options_free(struct sso_options *opts);

#endif
