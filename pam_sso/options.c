/*
 * Module options from the PAM service line and the configuration file.
 *
 * One table lists every key with its type and where it may be set.  Both
 * sources go through the same setter, so a key means the same in either
 * place.  The file is applied first, and a key on the service line then
 * replaces the file's value for that key.  Unknown keys and malformed values
 * are errors, because a security module that skips a setting it does not
 * understand may run with a policy the operator never wrote.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_file.h"
#include "endpoint.h"
#include "options.h"
#include "text.h"

enum option_type {
    OPTION_FLAG,
    OPTION_TIMEOUT,
    OPTION_PARALLEL,
    OPTION_RULES,
    OPTION_ROLE,
    OPTION_REGION,
    OPTION_ENDPOINT,
    OPTION_PATH,
    OPTION_PROXY,
    OPTION_USER_MATCH,
    OPTION_DOMAIN,
};

enum option_origin {
    ORIGIN_DEFAULT,
    ORIGIN_FILE,
    ORIGIN_ARGUMENT,
};

struct option_def {
    const char *name;
    enum option_type type;
    size_t offset;
    bool file_allowed;
};

#define FIELD(name) offsetof(struct sso_options, name)

/* Keep in step with the man page and config/pam_sso.conf. */
static const struct option_def option_table[] = {
    { "allow", OPTION_RULES, FIELD(allow), true },
    { "allow_root", OPTION_FLAG, FIELD(allow_root), true },
    { "aws_region", OPTION_REGION, FIELD(aws_region), true },
    { "ca_file", OPTION_PATH, FIELD(ca_file), true },
    { "config", OPTION_PATH, FIELD(config), false },
    { "debug", OPTION_FLAG, FIELD(debug), true },
    { "endpoint", OPTION_ENDPOINT, FIELD(endpoint), true },
    { "logout_on_close", OPTION_FLAG, FIELD(logout_on_close), true },
    { "max_parallel", OPTION_PARALLEL, FIELD(max_parallel), true },
    { "proxy", OPTION_PROXY, FIELD(proxy), true },
    { "region", OPTION_REGION, FIELD(region), true },
    { "role", OPTION_ROLE, FIELD(role), true },
    { "state_dir", OPTION_PATH, FIELD(state_dir), true },
    { "sts_endpoint", OPTION_ENDPOINT, FIELD(sts_endpoint), true },
    { "timeout", OPTION_TIMEOUT, FIELD(timeout), true },
    { "try_first_pass", OPTION_FLAG, FIELD(try_first_pass), true },
    { "use_dualstack_endpoint", OPTION_FLAG, FIELD(use_dualstack_endpoint),
      true },
    { "use_fips_endpoint", OPTION_FLAG, FIELD(use_fips_endpoint), true },
    { "use_first_pass", OPTION_FLAG, FIELD(use_first_pass), true },
    { "user_domain", OPTION_DOMAIN, FIELD(user_domain), true },
    { "user_match", OPTION_USER_MATCH, FIELD(user_match), true },
};

#define OPTION_COUNT (sizeof(option_table) / sizeof(option_table[0]))

/* Maximum length of any value; a longer one is taken as a mistake. */
#define OPTION_VALUE_MAX 4096

struct parse_state {
    struct sso_options *opts;
    enum option_origin current;
    enum option_origin origin[OPTION_COUNT];
};

static const struct option_def *
find_option(const char *name, size_t *index)
{
    size_t i;

    for (i = 0; i < OPTION_COUNT; i++) {
        if (strcmp(option_table[i].name, name) == 0) {
            *index = i;
            return &option_table[i];
        }
    }
    return NULL;
}

static int
parse_flag(const char *value, bool *out)
{
    static const char *const truths[] = { "yes", "true", "1", "on" };
    static const char *const falsehoods[] = { "no", "false", "0", "off" };
    size_t i;

    if (value == NULL) {
        *out = true;
        return 0;
    }
    for (i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
        if (strcmp(value, truths[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(value, falsehoods[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* Read VALUE as a whole number from MIN to MAX into *OUT. */
static int
parse_number(const char *value, long min, long max, unsigned int *out)
{
    char *end;
    long number;

    if (value[0] < '0' || value[0] > '9')
        return -1;

    errno = 0;
    number = strtol(value, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    if (number < min || number > max)
        return -1;

    *out = (unsigned int) number;
    return 0;
}

/* Reset the field of DEF in OPTS to its default, freeing what it held. */
static void
reset_option(struct sso_options *opts, const struct option_def *def)
{
    void *field = (char *) opts + def->offset;

    switch (def->type) {
    case OPTION_RULES:
        sso_rules_clear(field);
        break;
    case OPTION_ROLE:
        sso_role_ref_clear(field);
        break;
    case OPTION_USER_MATCH:
        sso_user_match_clear(field);
        break;
    case OPTION_FLAG:
        *(bool *) field = false;
        break;
    case OPTION_TIMEOUT:
        *(unsigned int *) field = SSO_TIMEOUT_DEFAULT;
        break;
    case OPTION_PARALLEL:
        *(unsigned int *) field = SSO_PARALLEL_DEFAULT;
        break;
    default:
        free(*(char **) field);
        *(char **) field = NULL;
        break;
    }
}

static int
set_string(char **field, const char *value, const char **reason)
{
    char *copy = strdup(value);

    if (copy == NULL) {
        *reason = "out of memory";
        return -1;
    }
    free(*field);
    *field = copy;
    return 0;
}

/* Drop trailing '/' from an endpoint URL, keeping "https://" whole, so
 * that request paths can be appended to it. */
static void
strip_trailing_slashes(char *url)
{
    size_t length = strlen(url);

    while (length > strlen("https://") && url[length - 1] == '/')
        url[--length] = '\0';
}

/* Check VALUE for DEF's type and store it. */
static int
store_value(struct sso_options *opts, const struct option_def *def,
            const char *value, const char **reason)
{
    void *field = (char *) opts + def->offset;

    if (def->type == OPTION_FLAG) {
        *reason = "expected yes or no";
        return parse_flag(value, field);
    }

    if (value == NULL || value[0] == '\0') {
        *reason = "missing value";
        return -1;
    }

    switch (def->type) {
    case OPTION_TIMEOUT:
        *reason = "expected whole seconds from 1 to 60";
        return parse_number(value, SSO_TIMEOUT_MIN, SSO_TIMEOUT_MAX, field);
    case OPTION_PARALLEL:
        *reason = "expected a whole number from 1 to 32";
        return parse_number(value, SSO_PARALLEL_MIN, SSO_PARALLEL_MAX, field);
    case OPTION_RULES:
        return sso_rules_parse(field, value, reason);
    case OPTION_ROLE:
        sso_role_ref_clear(field);
        return sso_role_ref_parse(field, value, reason);
    case OPTION_REGION:
        *reason = "not a valid region name";
        if (!sso_region_valid(value))
            return -1;
        return set_string(field, value, reason);
    case OPTION_ENDPOINT:
        if (sso_endpoint_check(value, reason) != 0)
            return -1;
        if (set_string(field, value, reason) != 0)
            return -1;
        strip_trailing_slashes(*(char **) field);
        return 0;
    case OPTION_PROXY:
        if (sso_proxy_check(value, reason) != 0)
            return -1;
        return set_string(field, value, reason);
    case OPTION_USER_MATCH:
        return sso_user_match_parse(field, value, reason);
    case OPTION_DOMAIN:
        *reason = "expected a domain name of letters, digits, '.' and '-'";
        if (!sso_user_domain_valid(value))
            return -1;
        return set_string(field, value, reason);
    case OPTION_PATH:
        *reason = "expected an absolute path";
        if (value[0] != '/' || !sso_is_printable(value, strlen(value), false))
            return -1;
        return set_string(field, value, reason);
    default:
        *reason = "unhandled option type";
        return -1;
    }
}

static int
apply_setting(void *context, const char *key, const char *value,
              char *error, size_t error_size)
{
    struct parse_state *state = context;
    const struct option_def *def;
    const char *reason = "invalid value";
    size_t index;

    def = find_option(key, &index);
    if (def == NULL) {
        snprintf(error, error_size, "unknown option '%.64s'", key);
        return -1;
    }
    if (state->current == ORIGIN_FILE && !def->file_allowed) {
        snprintf(error, error_size,
                 "option '%s' is allowed only on the PAM service line",
                 def->name);
        return -1;
    }
    if (value != NULL && strlen(value) > OPTION_VALUE_MAX) {
        snprintf(error, error_size, "option '%s': value too long", def->name);
        return -1;
    }

    /* allow is repeatable within one source; every other key is set once,
     * so a typo that sets a key twice is reported rather than resolved. */
    if (state->origin[index] == state->current && def->type != OPTION_RULES) {
        snprintf(error, error_size, "option '%s' given more than once",
                 def->name);
        return -1;
    }
    if (state->origin[index] != state->current)
        reset_option(state->opts, def);
    state->origin[index] = state->current;

    if (store_value(state->opts, def, value, &reason) != 0) {
        snprintf(error, error_size, "option '%s': %s", def->name, reason);
        return -1;
    }
    return 0;
}

/* Split a service-line word into key and value, and apply it. */
static int
apply_argument(struct parse_state *state, const char *word, char *error,
               size_t error_size)
{
    const char *equals = strchr(word, '=');
    char key[64];
    size_t key_length;

    if (equals == NULL)
        return apply_setting(state, word, NULL, error, error_size);

    key_length = (size_t) (equals - word);
    if (key_length >= sizeof(key)) {
        snprintf(error, error_size, "unknown option '%.32s...'", word);
        return -1;
    }
    memcpy(key, word, key_length);
    key[key_length] = '\0';
    return apply_setting(state, key, equals + 1, error, error_size);
}

/* Cross-checks that no single key can make. */
static int
check_combination(const struct sso_options *opts, char *error,
                  size_t error_size)
{
    if (opts->allow.count == 0) {
        snprintf(error, error_size,
                 "no allow rule configured; refusing every login");
        return -1;
    }
    if (opts->endpoint == NULL && opts->region == NULL) {
        snprintf(error, error_size, "either region or endpoint must be set");
        return -1;
    }
    if (opts->endpoint != NULL
        && (opts->use_fips_endpoint || opts->use_dualstack_endpoint)) {
        snprintf(error, error_size,
                 "endpoint cannot be combined with use_fips_endpoint or "
                 "use_dualstack_endpoint");
        return -1;
    }
    if (opts->role.account_id != NULL
        && sso_rules_find(&opts->allow, opts->role.account_id,
                          opts->role.role_name) < 0) {
        snprintf(error, error_size, "option 'role': no allow rule matches it");
        return -1;
    }
    if (opts->user_match.mode == SSO_USER_MATCH_LOCALPART
        && opts->user_domain == NULL) {
        snprintf(error, error_size,
                 "user_match=localpart needs user_domain");
        return -1;
    }
    if (opts->user_match.mode != SSO_USER_MATCH_NONE
        && opts->sts_endpoint == NULL && opts->aws_region == NULL
        && opts->region == NULL) {
        snprintf(error, error_size,
                 "user_match needs STS: set sts_endpoint, aws_region or "
                 "region");
        return -1;
    }
    if (opts->use_first_pass && opts->try_first_pass) {
        snprintf(error, error_size,
                 "use_first_pass and try_first_pass are exclusive");
        return -1;
    }
    return 0;
}

int
sso_options_parse(struct sso_options *opts, int argc, const char **argv,
                  char *error, size_t error_size)
{
    struct parse_state state;
    const char *reason = NULL;
    int i;

    memset(opts, 0, sizeof(*opts));
    opts->timeout = SSO_TIMEOUT_DEFAULT;
    opts->max_parallel = SSO_PARALLEL_DEFAULT;
    memset(&state, 0, sizeof(state));
    state.opts = opts;
    error[0] = '\0';

    /* The arguments are applied twice: first only to learn config=, then,
     * after the file, to replace the file's values. */
    state.current = ORIGIN_ARGUMENT;
    for (i = 0; i < argc; i++) {
        if (strncmp(argv[i], "config=", 7) == 0
            && apply_argument(&state, argv[i], error, error_size) != 0)
            return -1;
    }
    opts->config_given = opts->config != NULL;
    if (!opts->config_given
        && set_string(&opts->config, SSO_DEFAULT_CONFIG, &reason) != 0) {
        snprintf(error, error_size, "%s", reason);
        return -1;
    }

    state.current = ORIGIN_FILE;
    if (sso_config_file_read(opts->config, opts->config_given, apply_setting,
                             &state, error, error_size) != 0)
        return -1;

    state.current = ORIGIN_ARGUMENT;
    for (i = 0; i < argc; i++) {
        if (strncmp(argv[i], "config=", 7) == 0)
            continue;
        if (apply_argument(&state, argv[i], error, error_size) != 0)
            return -1;
    }

    if (opts->state_dir == NULL
        && set_string(&opts->state_dir, SSO_DEFAULT_STATE_DIR, &reason) != 0) {
        snprintf(error, error_size, "%s", reason);
        return -1;
    }
    return check_combination(opts, error, error_size);
}

void
sso_options_free(struct sso_options *opts)
{
    size_t i;

    for (i = 0; i < OPTION_COUNT; i++)
        reset_option(opts, &option_table[i]);
}
