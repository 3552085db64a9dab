/*
 * Fuzz target for sso_options_parse: the words of the PAM service line and
 * the text of the configuration file, through the same setter.
 *
 * Input: the configuration file's text, a NUL byte, then the argument
 * words separated by '\n'.  Without a NUL byte the whole input is the
 * file's text and there are no arguments.
 *
 * The program is linked with -Wl,--wrap=sso_config_file_read, so that
 * options.c reaches __wrap_sso_config_file_read below instead of the file.
 * The wrapper parses the input's text with sso_config_text_parse, which is
 * the parser the real reader uses after its ownership checks.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config_file.h"
#include "endpoint.h"
#include "fuzz.h"
#include "options.h"
#include "text.h"

/* More words than any service line needs. */
#define ARGUMENTS_MAX 64

static const char *config_text;
static size_t config_length;

int __wrap_sso_config_file_read(const char *path, bool must_exist,
                                sso_setting_fn apply, void *context,
                                char *error, size_t error_size);

int
__wrap_sso_config_file_read(const char *path, bool must_exist,
                            sso_setting_fn apply, void *context, char *error,
                            size_t error_size)
{
    return sso_config_text_parse(config_text, config_length, path, apply,
                                 context, error, error_size);
}

static bool
is_absolute_path(const char *path)
{
    return path != NULL && path[0] == '/'
           && sso_is_printable(path, strlen(path), false);
}

/* What a successful parse promises to the rest of the module. */
static void
check_accepted(const struct sso_options *opts)
{
    size_t i;

    FUZZ_CHECK(opts->allow.count >= 1 && opts->allow.count <= SSO_RULES_MAX);
    for (i = 0; i < opts->allow.count; i++) {
        FUZZ_CHECK(opts->allow.rules[i].account_id != NULL);
        FUZZ_CHECK(opts->allow.rules[i].role_name != NULL);
    }

    FUZZ_CHECK(opts->endpoint != NULL || opts->region != NULL);
    if (opts->region != NULL)
        FUZZ_CHECK(sso_region_valid(opts->region));
    if (opts->aws_region != NULL)
        FUZZ_CHECK(sso_region_valid(opts->aws_region));
    if (opts->endpoint != NULL) {
        const char *reason;
        size_t length = strlen(opts->endpoint);

        FUZZ_CHECK(sso_endpoint_check(opts->endpoint, &reason) == 0);
        FUZZ_CHECK(!opts->use_fips_endpoint && !opts->use_dualstack_endpoint);
        FUZZ_CHECK(opts->endpoint[length - 1] != '/'
                   || length == strlen("https://"));
    }

    FUZZ_CHECK(opts->timeout >= SSO_TIMEOUT_MIN
               && opts->timeout <= SSO_TIMEOUT_MAX);
    FUZZ_CHECK(is_absolute_path(opts->config));
    FUZZ_CHECK(is_absolute_path(opts->state_dir));
    FUZZ_CHECK(opts->ca_file == NULL || is_absolute_path(opts->ca_file));
    FUZZ_CHECK(!(opts->use_first_pass && opts->try_first_pass));

    FUZZ_CHECK((opts->role.account_id == NULL)
               == (opts->role.role_name == NULL));
    if (opts->role.account_id != NULL) {
        FUZZ_CHECK(strchr(opts->role.account_id, '*') == NULL);
        FUZZ_CHECK(strchr(opts->role.role_name, '*') == NULL);
        FUZZ_CHECK(sso_rules_find(&opts->allow, opts->role.account_id,
                                  opts->role.role_name) >= 0);
    }
}

/* Split WORDS (edited in place) at each '\n' into ARGV. */
static int
split_words(char *words, const char **argv)
{
    int argc = 0;

    while (words != NULL && argc < ARGUMENTS_MAX) {
        char *end = strchr(words, '\n');

        if (end != NULL)
            *end++ = '\0';
        argv[argc++] = words;
        words = end;
    }
    return argc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sso_options opts;
    const char *argv[ARGUMENTS_MAX];
    const uint8_t *separator;
    char *words = NULL;
    char error[SSO_OPTION_ERROR_MAX];
    int argc = 0;

    if (size > SSO_CONFIG_FILE_MAX)
        return 0;

    separator = memchr(data, '\0', size);
    config_text = (const char *) data;
    config_length = size;
    if (separator != NULL) {
        config_length = (size_t) (separator - data);
        words = fuzz_string(separator + 1, size - config_length - 1);
        if (words == NULL)
            return 0;
        argc = split_words(words, argv);
    }

    if (sso_options_parse(&opts, argc, argv, error, sizeof(error)) == 0) {
        check_accepted(&opts);
    } else {
        FUZZ_CHECK(error[0] != '\0');
        FUZZ_CHECK(strlen(error) < sizeof(error));
    }

    sso_options_free(&opts);
    free(words);
    return 0;
}
