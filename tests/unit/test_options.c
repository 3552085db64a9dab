/*
 * Unit tests for the module options (options.h), from the argument line
 * and from configuration files written to a temporary directory.
 *
 * The module accepts only configuration files owned by root, so the tests
 * that read a file of their own are skipped when not run as root.
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_file.h"
#include "options.h"

#define TEMP_TEMPLATE "/tmp/pam_sso_options.XXXXXX"

/* Room for "config=" and a path in the temporary directory. */
#define WORD_MAX (PATH_MAX + 8)

struct fixture {
    char dir[sizeof(TEMP_TEMPLATE)];
    /* config= word naming an empty root-owned file, or NULL to leave
     * config= out when the default file does not exist. */
    const char *arguments_config;
    /* False when neither kind of empty configuration is available. */
    bool arguments_usable;
    char empty_word[WORD_MAX];
};

/* Write LENGTH bytes of TEXT to a new file NAME in F's directory with MODE,
 * and store "config=PATH" in WORD (WORD_MAX bytes).  Returns the path part
 * of WORD. */
static const char *
write_file(const struct fixture *f, const char *name, const char *text,
           size_t length, mode_t mode, char *word)
{
    const char *path = word + strlen("config=");
    size_t written = 0;
    int fd;

    assert_true(snprintf(word, WORD_MAX, "config=%s/%s", f->dir, name)
                < WORD_MAX);

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    while (written < length) {
        ssize_t count = write(fd, text + written, length - written);

        assert_true(count > 0);
        written += (size_t) count;
    }
    /* fchmod, because the umask would otherwise trim MODE. */
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
    return path;
}

/* write_file for a NUL-terminated TEXT with the usual 0644. */
static const char *
write_config(const struct fixture *f, const char *name, const char *text,
             char *word)
{
    return write_file(f, name, text, strlen(text), 0644, word);
}

/* Call sso_options_parse with the COUNT words, leaving out NULL ones. */
static int
parse_words(struct sso_options *opts, char *error, const char *const *words,
            size_t count)
{
    const char *argv[32];
    int argc = 0;
    size_t i;

    assert_true(count <= sizeof(argv) / sizeof(argv[0]));
    for (i = 0; i < count; i++)
        if (words[i] != NULL)
            argv[argc++] = words[i];
    return sso_options_parse(opts, argc, argv, error, SSO_OPTION_ERROR_MAX);
}

#define PARSE(opts, error, ...)                                            \
    parse_words((opts), (error), (const char *const[]) { __VA_ARGS__ },   \
                sizeof((const char *const[]) { __VA_ARGS__ })              \
                    / sizeof(const char *))

/* Skip the test unless the files it writes will be owned by root. */
static void
require_root(void)
{
    if (geteuid() != 0)
        skip();
}

/* Skip the test unless F offers a configuration with no settings. */
static void
require_empty_config(const struct fixture *f)
{
    if (!f->arguments_usable)
        skip();
}

/* Check that ERROR is PATH followed by SUFFIX. */
static void
assert_path_error(const char *error, const char *path, const char *suffix)
{
    char expected[WORD_MAX + SSO_OPTION_ERROR_MAX];

    snprintf(expected, sizeof(expected), "%s%s", path, suffix);
    assert_string_equal(error, expected);
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    memcpy(f->dir, TEMP_TEMPLATE, sizeof(TEMP_TEMPLATE));
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }

    if (geteuid() == 0) {
        write_config(f, "empty.conf", "", f->empty_word);
        f->arguments_config = f->empty_word;
        f->arguments_usable = true;
    } else {
        /* Without root, only a missing default file gives an empty
         * configuration. */
        f->arguments_config = NULL;
        f->arguments_usable = access(SSO_DEFAULT_CONFIG, F_OK) != 0
                              && errno == ENOENT;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    DIR *dir = opendir(f->dir);
    struct dirent *entry;

    /* The tests create files, symbolic links and one directory, all
     * directly under f->dir. */
    if (dir != NULL) {
        while ((entry = readdir(dir)) != NULL) {
            char path[PATH_MAX];

            if (strcmp(entry->d_name, ".") == 0
                || strcmp(entry->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", f->dir, entry->d_name);
            if (unlink(path) != 0 && errno == EISDIR)
                rmdir(path);
        }
        closedir(dir);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Defaults and the argument line */

static void
options_defaults(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=*:ReadOnly"),
                     0);
    assert_string_equal(error, "");
    assert_int_equal(opts.timeout, 10);
    assert_string_equal(opts.region, "eu-west-1");
    assert_null(opts.endpoint);
    assert_null(opts.ca_file);
    assert_null(opts.aws_region);
    assert_null(opts.role.account_id);
    assert_null(opts.role.role_name);
    assert_false(opts.use_fips_endpoint);
    assert_false(opts.use_dualstack_endpoint);
    assert_false(opts.use_first_pass);
    assert_false(opts.try_first_pass);
    assert_false(opts.debug);
    assert_false(opts.logout_on_close);
    assert_string_equal(opts.state_dir, "/run/pam_sso");
    assert_int_equal(opts.allow.count, 1);
    assert_int_equal(opts.user_match.mode, SSO_USER_MATCH_EXACT);
    assert_null(opts.user_match.map_path);
    assert_null(opts.user_domain);
    assert_null(opts.sts_endpoint);
    assert_false(opts.allow_root);
    sso_options_free(&opts);
}

static void
options_user_match_modes(void **state)
{
    static const struct {
        const char *word;
        enum sso_user_match_mode mode;
        const char *map_path;
    } cases[] = {
        { "user_match=exact", SSO_USER_MATCH_EXACT, NULL },
        { "user_match=none", SSO_USER_MATCH_NONE, NULL },
        { "user_match=map=/etc/security/pam_sso.users", SSO_USER_MATCH_MAP,
          "/etc/security/pam_sso.users" },
    };
    struct fixture *f = *state;
    size_t i;

    require_empty_config(f);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sso_options opts;
        char error[SSO_OPTION_ERROR_MAX];

        print_message("word '%s'\n", cases[i].word);
        assert_int_equal(PARSE(&opts, error, f->arguments_config,
                               "region=eu-west-1", "allow=*:*",
                               cases[i].word, "allow_root"),
                         0);
        assert_int_equal(opts.user_match.mode, cases[i].mode);
        if (cases[i].map_path == NULL)
            assert_null(opts.user_match.map_path);
        else
            assert_string_equal(opts.user_match.map_path, cases[i].map_path);
        assert_true(opts.allow_root);
        sso_options_free(&opts);
    }
}

static void
options_localpart_needs_domain(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=*:*",
                           "user_match=localpart"),
                     -1);
    assert_string_equal(error, "user_match=localpart needs user_domain");
    sso_options_free(&opts);

    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=*:*",
                           "user_match=localpart",
                           "user_domain=Example.COM"),
                     0);
    assert_int_equal(opts.user_match.mode, SSO_USER_MATCH_LOCALPART);
    assert_string_equal(opts.user_domain, "Example.COM");
    sso_options_free(&opts);
}

static void
options_rejects_bad_user_match(void **state)
{
    static const struct {
        const char *word;
        const char *error;
    } cases[] = {
        { "user_match=Exact", "option 'user_match': expected exact, "
          "localpart, map=PATH or none" },
        { "user_match=map", "option 'user_match': expected exact, "
          "localpart, map=PATH or none" },
        { "user_match=map=users", "option 'user_match': map= needs an "
          "absolute path" },
        { "user_match=map=", "option 'user_match': map= needs an absolute "
          "path" },
        { "user_match", "option 'user_match': missing value" },
        { "user_domain=example..com", "option 'user_domain': expected a "
          "domain name of letters, digits, '.' and '-'" },
        { "user_domain=@example.com", "option 'user_domain': expected a "
          "domain name of letters, digits, '.' and '-'" },
        { "user_domain=.example.com", "option 'user_domain': expected a "
          "domain name of letters, digits, '.' and '-'" },
        { "sts_endpoint=http://sts.example.com", "option 'sts_endpoint': "
          "must start with https://" },
        { "allow_root=maybe", "option 'allow_root': expected yes or no" },
    };
    struct fixture *f = *state;
    size_t i;

    require_empty_config(f);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sso_options opts;
        char error[SSO_OPTION_ERROR_MAX];

        print_message("word '%s'\n", cases[i].word);
        assert_int_equal(PARSE(&opts, error, f->arguments_config,
                               "region=eu-west-1", "allow=*:*",
                               cases[i].word),
                         -1);
        assert_string_equal(error, cases[i].error);
        sso_options_free(&opts);
    }
}

static void
options_binding_needs_sts(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "endpoint=https://sso.example.com", "allow=*:*"),
                     -1);
    assert_string_equal(error, "user_match needs STS: set sts_endpoint, "
                        "aws_region or region");
    sso_options_free(&opts);

    /* Any one of the three is enough. */
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "endpoint=https://sso.example.com", "allow=*:*",
                           "aws_region=eu-central-1"),
                     0);
    sso_options_free(&opts);
}

static void
options_logout_settings(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=*:*", "logout_on_close",
                           "state_dir=/var/lib/pam_sso"),
                     0);
    assert_true(opts.logout_on_close);
    assert_string_equal(opts.state_dir, "/var/lib/pam_sso");
    sso_options_free(&opts);

    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=*:*",
                           "state_dir=run/pam_sso"),
                     -1);
    assert_string_equal(error, "option 'state_dir': expected an absolute "
                        "path");
    sso_options_free(&opts);
}

static void
options_default_config_path(void **state)
{
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    (void) state;
    /* A machine may have a real configuration there, whose settings this
     * test cannot know. */
    if (access(SSO_DEFAULT_CONFIG, F_OK) == 0 || errno != ENOENT)
        skip();

    assert_int_equal(PARSE(&opts, error, "region=eu-west-1", "allow=*:*"), 0);
    assert_string_equal(opts.config, "/etc/security/pam_sso.conf");
    assert_false(opts.config_given);
    sso_options_free(&opts);
}

static void
options_config_path_given(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_root();
    assert_int_equal(PARSE(&opts, error, f->empty_word, "region=eu-west-1",
                           "allow=*:*"),
                     0);
    assert_string_equal(opts.config, f->empty_word + strlen("config="));
    assert_true(opts.config_given);
    sso_options_free(&opts);
}

static void
options_parse_every_region_key(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=us-gov-west-1", "use_fips_endpoint",
                           "use_dualstack_endpoint",
                           "ca_file=/etc/pam_sso/ca.pem",
                           "allow=1111*:Admin,*:Read Only",
                           "role=111122223333:Admin", "timeout=30",
                           "aws_region=us-east-1", "try_first_pass",
                           "debug"),
                     0);
    assert_string_equal(error, "");
    assert_string_equal(opts.region, "us-gov-west-1");
    assert_null(opts.endpoint);
    assert_true(opts.use_fips_endpoint);
    assert_true(opts.use_dualstack_endpoint);
    assert_string_equal(opts.ca_file, "/etc/pam_sso/ca.pem");
    assert_int_equal(opts.allow.count, 2);
    assert_string_equal(opts.allow.rules[0].account_id, "1111*");
    assert_string_equal(opts.allow.rules[0].role_name, "Admin");
    assert_string_equal(opts.allow.rules[1].account_id, "*");
    assert_string_equal(opts.allow.rules[1].role_name, "Read Only");
    assert_string_equal(opts.role.account_id, "111122223333");
    assert_string_equal(opts.role.role_name, "Admin");
    assert_int_equal(opts.timeout, 30);
    assert_string_equal(opts.aws_region, "us-east-1");
    assert_false(opts.use_first_pass);
    assert_true(opts.try_first_pass);
    assert_true(opts.debug);
    sso_options_free(&opts);
}

static void
options_parse_endpoint_keys(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "endpoint=https://sso.example.com:8443/portal",
                           "sts_endpoint=https://sts.example.com:8443/",
                           "allow=*:*", "use_first_pass", "timeout=1"),
                     0);
    assert_string_equal(opts.endpoint, "https://sso.example.com:8443/portal");
    assert_string_equal(opts.sts_endpoint, "https://sts.example.com:8443");
    assert_null(opts.region);
    assert_false(opts.use_fips_endpoint);
    assert_false(opts.use_dualstack_endpoint);
    assert_true(opts.use_first_pass);
    assert_false(opts.try_first_pass);
    assert_int_equal(opts.timeout, 1);
    sso_options_free(&opts);
}

static void
options_endpoint_trailing_slash(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    /* options.h documents the stored endpoint as having no trailing '/'. */
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "endpoint=https://sso.example.com/", "allow=*:*",
                           "user_match=none"),
                     0);
    assert_string_equal(opts.endpoint, "https://sso.example.com");
    sso_options_free(&opts);

    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "endpoint=https://127.0.0.1:4443/base//",
                           "allow=*:*", "region=eu-west-1"),
                     0);
    assert_string_equal(opts.endpoint, "https://127.0.0.1:4443/base");
    sso_options_free(&opts);
}

static void
options_timeout_bounds(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=*:*", "timeout=60"),
                     0);
    assert_int_equal(opts.timeout, 60);
    sso_options_free(&opts);
}

static void
options_flag_values(void **state)
{
    static const struct {
        const char *word;
        bool expected;
    } cases[] = {
        { "debug", true }, { "debug=yes", true }, { "debug=true", true },
        { "debug=1", true }, { "debug=on", true }, { "debug=no", false },
        { "debug=false", false }, { "debug=0", false },
        { "debug=off", false },
    };
    struct fixture *f = *state;
    size_t i;

    require_empty_config(f);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sso_options opts;
        char error[SSO_OPTION_ERROR_MAX];

        print_message("word '%s'\n", cases[i].word);
        assert_int_equal(PARSE(&opts, error, f->arguments_config,
                               "region=eu-west-1", "allow=*:*",
                               cases[i].word),
                         0);
        assert_int_equal(opts.debug, cases[i].expected);
        sso_options_free(&opts);
    }
}

/* Parse F's empty configuration, a valid region and allow rule, and WORD,
 * and check that the parse fails with EXPECTED as the message. */
static void
assert_word_rejected(const struct fixture *f, const char *word,
                     const char *expected)
{
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    print_message("word '%s'\n", word);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=*:*", word),
                     -1);
    assert_string_equal(error, expected);
    sso_options_free(&opts);
}

static void
options_rejects_unknown_key(void **state)
{
    struct fixture *f = *state;

    require_empty_config(f);
    assert_word_rejected(f, "colour=blue", "unknown option 'colour'");
    assert_word_rejected(f, "nodebug", "unknown option 'nodebug'");
    assert_word_rejected(f, "Region=eu-west-1", "unknown option 'Region'");
    assert_word_rejected(f, "=x", "unknown option ''");
    assert_word_rejected(f,
                         "a_key_name_that_is_longer_than_sixty_four_bytes_"
                         "by_quite_a_margin=1",
                         "unknown option 'a_key_name_that_is_longer_than_"
                         "s...'");
}

static void
options_rejects_bad_flag_value(void **state)
{
    struct fixture *f = *state;

    require_empty_config(f);
    assert_word_rejected(f, "debug=maybe",
                         "option 'debug': expected yes or no");
    assert_word_rejected(f, "use_fips_endpoint=",
                         "option 'use_fips_endpoint': expected yes or no");
    assert_word_rejected(f, "try_first_pass=YES",
                         "option 'try_first_pass': expected yes or no");
}

static void
options_rejects_bad_timeout(void **state)
{
    static const char *const words[] = {
        "timeout=0", "timeout=61", "timeout=10s", "timeout= 5",
        "timeout=-1", "timeout=+5", "timeout=1e1", "timeout=5 ",
        "timeout=99999999999999999999",
    };
    struct fixture *f = *state;
    size_t i;

    require_empty_config(f);
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        assert_word_rejected(f, words[i],
                             "option 'timeout': expected whole seconds from "
                             "1 to 60");
    assert_word_rejected(f, "timeout=", "option 'timeout': missing value");
    assert_word_rejected(f, "timeout", "option 'timeout': missing value");
}

static void
options_rejects_bad_endpoint(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "endpoint=http://x", "allow=*:*"),
                     -1);
    assert_string_equal(error, "option 'endpoint': must start with https://");
    sso_options_free(&opts);

    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "endpoint=https://sso.example.com/?a=b",
                           "allow=*:*"),
                     -1);
    assert_string_equal(error,
                        "option 'endpoint': must be printable ASCII without "
                        "'?', '#', '@' or '\\'");
    sso_options_free(&opts);
}

static void
options_rejects_bad_region(void **state)
{
    struct fixture *f = *state;

    require_empty_config(f);
    /* assert_word_rejected already passes region=eu-west-1, so these cases
     * use aws_region, which has the same check. */
    assert_word_rejected(f, "aws_region=EU-WEST-1",
                         "option 'aws_region': not a valid region name");
    assert_word_rejected(f, "aws_region=us-east",
                         "option 'aws_region': not a valid region name");
}

static void
options_rejects_bad_sso_region(void **state)
{
    static const char *const words[] = {
        "region=EU-WEST-1", "region=us-east", "region=eu-west-1 ",
        "region=eu-west-1.example.com",
    };
    struct fixture *f = *state;
    size_t i;

    require_empty_config(f);
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        struct sso_options opts;
        char error[SSO_OPTION_ERROR_MAX];

        print_message("word '%s'\n", words[i]);
        assert_int_equal(PARSE(&opts, error, f->arguments_config, words[i],
                               "allow=*:*"),
                         -1);
        assert_string_equal(error, "option 'region': not a valid region name");
        sso_options_free(&opts);
    }
}

static void
options_rejects_relative_path(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_word_rejected(f, "ca_file=ca.pem",
                         "option 'ca_file': expected an absolute path");
    assert_word_rejected(f, "ca_file=./ca.pem",
                         "option 'ca_file': expected an absolute path");
    assert_word_rejected(f, "ca_file=/etc/my ca.pem",
                         "option 'ca_file': expected an absolute path");
    assert_word_rejected(f, "ca_file=", "option 'ca_file': missing value");

    assert_int_equal(PARSE(&opts, error, "config=pam_sso.conf",
                           "region=eu-west-1", "allow=*:*"),
                     -1);
    assert_string_equal(error, "option 'config': expected an absolute path");
    sso_options_free(&opts);
}

static void
options_rejects_bad_allow(void **state)
{
    struct fixture *f = *state;

    require_empty_config(f);
    assert_word_rejected(f, "allow=123456789012",
                         "option 'allow': expected ACCOUNT:ROLE");
    assert_word_rejected(f, "allow=", "option 'allow': missing value");
    assert_word_rejected(f, "allow=x:Admin",
                         "option 'allow': account must be digits and '*'");
}

static void
options_rejects_bad_role(void **state)
{
    struct fixture *f = *state;

    require_empty_config(f);
    assert_word_rejected(f, "role=111111111111:*",
                         "option 'role': a role may not contain '*'");
    assert_word_rejected(f, "role=111111111111",
                         "option 'role': expected ACCOUNT:ROLE");
}

static void
options_requires_allow(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1"),
                     -1);
    assert_string_equal(error,
                        "no allow rule configured; refusing every login");
    sso_options_free(&opts);
}

static void
options_requires_region_or_endpoint(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config, "allow=*:*",
                           "aws_region=eu-west-1"),
                     -1);
    assert_string_equal(error, "either region or endpoint must be set");
    sso_options_free(&opts);
}

static void
options_rejects_endpoint_with_flags(void **state)
{
    static const char *const flags[] = {
        "use_fips_endpoint", "use_dualstack_endpoint",
    };
    struct fixture *f = *state;
    size_t i;

    require_empty_config(f);
    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        struct sso_options opts;
        char error[SSO_OPTION_ERROR_MAX];

        print_message("flag '%s'\n", flags[i]);
        assert_int_equal(PARSE(&opts, error, f->arguments_config,
                               "endpoint=https://sso.example.com",
                               "allow=*:*", flags[i]),
                         -1);
        assert_string_equal(error,
                            "endpoint cannot be combined with "
                            "use_fips_endpoint or use_dualstack_endpoint");
        sso_options_free(&opts);
    }
}

static void
options_rejects_unallowed_role(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=1*:ReadOnly",
                           "role=211111111111:ReadOnly"),
                     -1);
    assert_string_equal(error, "option 'role': no allow rule matches it");
    sso_options_free(&opts);

    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=1*:ReadOnly",
                           "role=111111111111:Admin"),
                     -1);
    assert_string_equal(error, "option 'role': no allow rule matches it");
    sso_options_free(&opts);
}

static void
options_rejects_both_pass_flags(void **state)
{
    struct fixture *f = *state;

    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=*:*", "use_first_pass",
                           "try_first_pass"),
                     -1);
    assert_string_equal(error,
                        "use_first_pass and try_first_pass are exclusive");
    sso_options_free(&opts);
}

static void
options_rejects_repeated_key(void **state)
{
    struct fixture *f = *state;

    require_empty_config(f);
    assert_word_rejected(f, "region=eu-west-2",
                         "option 'region' given more than once");
    assert_word_rejected(f, "region=eu-west-1",
                         "option 'region' given more than once");

    {
        struct sso_options opts;
        char error[SSO_OPTION_ERROR_MAX];

        assert_int_equal(PARSE(&opts, error, f->arguments_config,
                               "region=eu-west-1", "allow=*:*", "debug",
                               "debug=no"),
                         -1);
        assert_string_equal(error, "option 'debug' given more than once");
        sso_options_free(&opts);

        assert_int_equal(PARSE(&opts, error, f->arguments_config,
                               "region=eu-west-1", "allow=*:*",
                               "timeout=5", "timeout=5"),
                         -1);
        assert_string_equal(error, "option 'timeout' given more than once");
        sso_options_free(&opts);
    }
}

static void
options_rejects_repeated_config(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_root();
    assert_int_equal(PARSE(&opts, error, f->empty_word, "region=eu-west-1",
                           "allow=*:*", f->empty_word),
                     -1);
    assert_string_equal(error, "option 'config' given more than once");
    sso_options_free(&opts);
}

static void
options_allow_accumulates(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "allow=111111111111:A", "region=eu-west-1",
                           "allow=2*:B, 3*:C"),
                     0);
    assert_int_equal(opts.allow.count, 3);
    assert_string_equal(opts.allow.rules[0].account_id, "111111111111");
    assert_string_equal(opts.allow.rules[1].account_id, "2*");
    assert_string_equal(opts.allow.rules[2].account_id, "3*");
    assert_string_equal(opts.allow.rules[2].role_name, "C");
    sso_options_free(&opts);
}

static void
options_value_split_at_first_equals(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=1*:Role=x=y",
                           "role=111111111111:Role=x=y"),
                     0);
    assert_int_equal(opts.allow.count, 1);
    assert_string_equal(opts.allow.rules[0].role_name, "Role=x=y");
    assert_string_equal(opts.role.role_name, "Role=x=y");
    sso_options_free(&opts);
}

static void
options_free_resets_fields(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];

    require_empty_config(f);
    assert_int_equal(PARSE(&opts, error, f->arguments_config,
                           "region=eu-west-1", "allow=*:*",
                           "ca_file=/etc/ca.pem", "role=1:A", "debug"),
                     0);
    sso_options_free(&opts);
    assert_null(opts.region);
    assert_null(opts.ca_file);
    assert_null(opts.config);
    assert_null(opts.allow.rules);
    assert_int_equal(opts.allow.count, 0);
    assert_null(opts.role.account_id);
    assert_false(opts.debug);
}

/* The configuration file */

static void
file_key_value_forms(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];

    require_root();
    write_config(f, "forms.conf",
                 "# Settings for the test.\n"
                 "\n"
                 "   # an indented comment = with an equals sign\n"
                 "region = eu-west-1\n"
                 "timeout=25\n"
                 "\t aws_region\t=\tus-east-1 \t\r\n"
                 "   \n"
                 "allow = 123456789012:Read Only , *:Admin\n"
                 "ca_file =/etc/pam_sso/ca.pem",
                 word);
    assert_int_equal(PARSE(&opts, error, word), 0);
    assert_string_equal(error, "");
    assert_string_equal(opts.region, "eu-west-1");
    assert_int_equal(opts.timeout, 25);
    assert_string_equal(opts.aws_region, "us-east-1");
    assert_string_equal(opts.ca_file, "/etc/pam_sso/ca.pem");
    assert_int_equal(opts.allow.count, 2);
    assert_string_equal(opts.allow.rules[0].account_id, "123456789012");
    assert_string_equal(opts.allow.rules[0].role_name, "Read Only");
    assert_string_equal(opts.allow.rules[1].role_name, "Admin");
    sso_options_free(&opts);
}

static void
file_value_split_at_first_equals(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];

    require_root();
    write_config(f, "equals.conf",
                 "region = eu-west-1\n"
                 "allow = 1*:Role=x\n"
                 "role = 111111111111:Role=x\n",
                 word);
    assert_int_equal(PARSE(&opts, error, word), 0);
    assert_int_equal(opts.allow.count, 1);
    assert_string_equal(opts.allow.rules[0].account_id, "1*");
    assert_string_equal(opts.allow.rules[0].role_name, "Role=x");
    assert_string_equal(opts.role.account_id, "111111111111");
    assert_string_equal(opts.role.role_name, "Role=x");
    sso_options_free(&opts);
}

static void
file_flags_bare_and_valued(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];

    require_root();
    write_config(f, "flags.conf",
                 "region = eu-west-1\n"
                 "allow = *:*\n"
                 "debug\n"
                 "use_fips_endpoint = yes\n"
                 "use_dualstack_endpoint = no\n"
                 "try_first_pass=yes\n",
                 word);
    assert_int_equal(PARSE(&opts, error, word), 0);
    assert_true(opts.debug);
    assert_true(opts.use_fips_endpoint);
    assert_false(opts.use_dualstack_endpoint);
    assert_true(opts.try_first_pass);
    assert_false(opts.use_first_pass);
    sso_options_free(&opts);
}

static void
file_flag_set_to_no(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];

    require_root();
    write_config(f, "no.conf",
                 "region = eu-west-1\nallow = *:*\ndebug = no\n", word);
    assert_int_equal(PARSE(&opts, error, word), 0);
    assert_false(opts.debug);
    sso_options_free(&opts);
}

static void
file_allow_lines_accumulate(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];

    require_root();
    write_config(f, "allow.conf",
                 "allow = 1:A\nregion = eu-west-1\nallow = 2:B, 3:C\n", word);
    assert_int_equal(PARSE(&opts, error, word), 0);
    assert_int_equal(opts.allow.count, 3);
    assert_string_equal(opts.allow.rules[0].account_id, "1");
    assert_string_equal(opts.allow.rules[1].account_id, "2");
    assert_string_equal(opts.allow.rules[2].account_id, "3");
    sso_options_free(&opts);
}

/* Parse the override file with CONFIG_WORD first or last among the
 * arguments, and check that the arguments won. */
static void
assert_arguments_override(const char *config_word, bool config_first)
{
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    int status;

    print_message("config= %s\n", config_first ? "first" : "last");
    if (config_first)
        status = PARSE(&opts, error, config_word, "region=us-east-1",
                       "debug=no", "timeout=5");
    else
        status = PARSE(&opts, error, "region=us-east-1", "debug=no",
                       "timeout=5", config_word);
    assert_int_equal(status, 0);
    assert_string_equal(opts.region, "us-east-1");
    assert_false(opts.debug);
    assert_int_equal(opts.timeout, 5);
    /* Keys missing from the arguments keep the file's values. */
    assert_string_equal(opts.aws_region, "eu-central-1");
    assert_true(opts.use_dualstack_endpoint);
    assert_int_equal(opts.allow.count, 1);
    assert_string_equal(opts.allow.rules[0].role_name, "FromFile");
    sso_options_free(&opts);
}

static void
file_arguments_override_file(void **state)
{
    struct fixture *f = *state;
    char word[WORD_MAX];

    require_root();
    write_config(f, "override.conf",
                 "region = eu-west-1\n"
                 "debug = yes\n"
                 "timeout = 30\n"
                 "aws_region = eu-central-1\n"
                 "use_dualstack_endpoint\n"
                 "allow = *:FromFile\n",
                 word);
    assert_arguments_override(word, true);
    assert_arguments_override(word, false);
}

static void
file_allow_argument_replaces_rules(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];

    require_root();
    write_config(f, "replace.conf",
                 "region = eu-west-1\n"
                 "allow = 1*:A, 2*:B\n"
                 "allow = 4*:D\n",
                 word);
    assert_int_equal(PARSE(&opts, error, "allow=3*:C", word,
                           "allow=5*:E"),
                     0);
    assert_int_equal(opts.allow.count, 2);
    assert_string_equal(opts.allow.rules[0].account_id, "3*");
    assert_string_equal(opts.allow.rules[0].role_name, "C");
    assert_string_equal(opts.allow.rules[1].account_id, "5*");
    assert_string_equal(opts.allow.rules[1].role_name, "E");
    sso_options_free(&opts);
}

static void
file_role_checked_against_final_allow(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];

    require_root();
    /* The file's role is allowed by the file's rules, which the argument
     * line replaces. */
    write_config(f, "role.conf",
                 "region = eu-west-1\n"
                 "allow = 1*:A\n"
                 "role = 111111111111:A\n",
                 word);
    assert_int_equal(PARSE(&opts, error, word, "allow=2*:A"), -1);
    assert_string_equal(error, "option 'role': no allow rule matches it");
    sso_options_free(&opts);
}

static void
file_rejects_repeated_key(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];
    const char *path;

    require_root();
    path = write_config(f, "twice.conf",
                        "region = eu-west-1\nallow = *:*\n"
                        "region = eu-west-2\n",
                        word);
    assert_int_equal(PARSE(&opts, error, word), -1);
    assert_path_error(error, path, ":3: option 'region' given more than once");
    sso_options_free(&opts);
}

static void
file_rejects_config_key(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];
    const char *path;

    require_root();
    path = write_config(f, "nested.conf",
                        "config = /etc/security/other.conf\n", word);
    assert_int_equal(PARSE(&opts, error, word, "region=eu-west-1",
                           "allow=*:*"),
                     -1);
    assert_path_error(error, path,
                      ":1: option 'config' is allowed only on the PAM "
                      "service line");
    sso_options_free(&opts);
}

static void
file_rejects_unknown_key(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];
    const char *path;

    require_root();
    path = write_config(f, "unknown.conf",
                        "# comment\nregion = eu-west-1\n\ncolour = blue\n"
                        "allow = *:*\n",
                        word);
    assert_int_equal(PARSE(&opts, error, word), -1);
    assert_path_error(error, path, ":4: unknown option 'colour'");
    sso_options_free(&opts);
}

static void
file_rejects_bad_value(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];
    const char *path;

    require_root();
    path = write_config(f, "bad.conf",
                        "region = eu-west-1\nallow = *:*\ntimeout = 0\n",
                        word);
    assert_int_equal(PARSE(&opts, error, word), -1);
    assert_path_error(error, path,
                      ":3: option 'timeout': expected whole seconds from 1 "
                      "to 60");
    sso_options_free(&opts);
}

static void
file_rejects_bad_flag_value(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];
    const char *path;

    require_root();
    path = write_config(f, "flag.conf",
                        "region = eu-west-1\nallow = *:*\ndebug = maybe\n",
                        word);
    assert_int_equal(PARSE(&opts, error, word), -1);
    assert_path_error(error, path, ":3: option 'debug': expected yes or no");
    sso_options_free(&opts);
}

static void
file_rejects_missing_explicit_file(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];
    char suffix[128];

    /* No file is created, so ownership does not matter here. */
    snprintf(word, sizeof(word), "config=%s/missing.conf", f->dir);
    assert_int_equal(PARSE(&opts, error, word, "region=eu-west-1",
                           "allow=*:*"),
                     -1);
    snprintf(suffix, sizeof(suffix), ": cannot open: %s", strerror(ENOENT));
    assert_path_error(error, word + strlen("config="), suffix);
    sso_options_free(&opts);
}

static void
file_accepts_root_modes(void **state)
{
    static const mode_t modes[] = { 0644, 0600, 0444, 0400, 0640 };
    struct fixture *f = *state;
    size_t i;

    require_root();
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        static const char text[] = "region = eu-west-1\nallow = *:*\n";
        struct sso_options opts;
        char error[SSO_OPTION_ERROR_MAX];
        char word[WORD_MAX];
        char name[32];

        snprintf(name, sizeof(name), "mode%04o.conf", (unsigned int) modes[i]);
        print_message("mode %04o\n", (unsigned int) modes[i]);
        write_file(f, name, text, strlen(text), modes[i], word);
        assert_int_equal(PARSE(&opts, error, word), 0);
        assert_string_equal(opts.region, "eu-west-1");
        sso_options_free(&opts);
    }
}

static void
file_rejects_writable_by_others(void **state)
{
    static const mode_t modes[] = { 0664, 0646, 0666, 0660, 0602 };
    struct fixture *f = *state;
    size_t i;

    require_root();
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        static const char text[] = "region = eu-west-1\nallow = *:*\n";
        struct sso_options opts;
        char error[SSO_OPTION_ERROR_MAX];
        char word[WORD_MAX];
        char name[32];
        char suffix[64];
        const char *path;

        snprintf(name, sizeof(name), "mode%04o.conf", (unsigned int) modes[i]);
        print_message("mode %04o\n", (unsigned int) modes[i]);
        path = write_file(f, name, text, strlen(text), modes[i], word);
        assert_int_equal(PARSE(&opts, error, word), -1);
        snprintf(suffix, sizeof(suffix),
                 ": writable by group or others (mode %04o)",
                 (unsigned int) modes[i]);
        assert_path_error(error, path, suffix);
        sso_options_free(&opts);
    }
}

static void
file_rejects_other_owner(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];
    const char *path;

    require_root();
    path = write_config(f, "nobody.conf",
                        "region = eu-west-1\nallow = *:*\n", word);
    assert_int_equal(chown(path, 65534, 0), 0);
    assert_int_equal(PARSE(&opts, error, word), -1);
    assert_path_error(error, path, ": not owned by root");
    sso_options_free(&opts);
}

static void
file_rejects_symlink(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char target_word[WORD_MAX];
    char link_word[WORD_MAX];
    char suffix[128];
    const char *target;

    require_root();
    target = write_config(f, "target.conf",
                          "region = eu-west-1\nallow = *:*\n", target_word);
    snprintf(link_word, sizeof(link_word), "config=%s/link.conf", f->dir);
    assert_int_equal(symlink(target, link_word + strlen("config=")), 0);

    /* The target itself is valid, so only the link can be at fault. */
    assert_int_equal(PARSE(&opts, error, target_word), 0);
    sso_options_free(&opts);

    assert_int_equal(PARSE(&opts, error, link_word), -1);
    snprintf(suffix, sizeof(suffix), ": cannot open: %s", strerror(ELOOP));
    assert_path_error(error, link_word + strlen("config="), suffix);
    sso_options_free(&opts);
}

static void
file_rejects_directory(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];

    require_root();
    snprintf(word, sizeof(word), "config=%s/dir.conf", f->dir);
    assert_int_equal(mkdir(word + strlen("config="), 0755), 0);
    assert_int_equal(PARSE(&opts, error, word, "region=eu-west-1",
                           "allow=*:*"),
                     -1);
    assert_path_error(error, word + strlen("config="),
                      ": not a regular file");
    sso_options_free(&opts);
}

/* Fill BUFFER with LENGTH bytes of a valid configuration padded with a
 * comment line. */
static void
fill_padded_config(char *buffer, size_t length)
{
    static const char settings[] = "region = eu-west-1\nallow = *:*\n#";

    assert_true(length > sizeof(settings));
    memset(buffer, 'x', length);
    memcpy(buffer, settings, sizeof(settings) - 1);
    buffer[length - 1] = '\n';
}

static void
file_size_limit(void **state)
{
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];
    char *text;
    const char *path;

    require_root();
    text = malloc(SSO_CONFIG_FILE_MAX + 1);
    assert_non_null(text);

    /* Exactly 64 KiB is still read. */
    fill_padded_config(text, SSO_CONFIG_FILE_MAX);
    write_file(f, "max.conf", text, SSO_CONFIG_FILE_MAX, 0644, word);
    assert_int_equal(PARSE(&opts, error, word), 0);
    assert_string_equal(opts.region, "eu-west-1");
    sso_options_free(&opts);

    fill_padded_config(text, SSO_CONFIG_FILE_MAX + 1);
    path = write_file(f, "large.conf", text, SSO_CONFIG_FILE_MAX + 1, 0644,
                      word);
    free(text);
    assert_int_equal(PARSE(&opts, error, word), -1);
    assert_path_error(error, path, ": larger than 65536 bytes");
    sso_options_free(&opts);
}

static void
file_rejects_nul_byte(void **state)
{
    static const char text[] = "region = eu-west-1\nallow = *:*\n\0debug\n";
    struct fixture *f = *state;
    struct sso_options opts;
    char error[SSO_OPTION_ERROR_MAX];
    char word[WORD_MAX];
    const char *path;

    require_root();
    path = write_file(f, "nul.conf", text, sizeof(text) - 1, 0644, word);
    assert_int_equal(PARSE(&opts, error, word), -1);
    assert_path_error(error, path, ": contains a NUL byte");
    sso_options_free(&opts);
}

/* Settings that sso_config_text_parse passed to record_setting. */
struct recorded {
    char lines[4][64];
    size_t count;
};

static int
record_setting(void *context, const char *key, const char *value,
               char *error, size_t error_size)
{
    struct recorded *recorded = context;

    (void) error;
    (void) error_size;
    assert_true(recorded->count < 4);
    snprintf(recorded->lines[recorded->count++], 64, "%s|%s", key,
             value != NULL ? value : "(none)");
    return 0;
}

static void
text_parse_stops_at_length(void **state)
{
    /* The buffer goes on past LENGTH without a NUL, as a read buffer may. */
    static const char text[] = "# comment\r\n  region = eu-west-1 \r\n"
                               "\t\ndebug\nallow = *:*X";
    struct recorded recorded = { .count = 0 };
    char error[SSO_OPTION_ERROR_MAX] = "";

    (void) state;
    assert_int_equal(sso_config_text_parse(text, sizeof(text) - 2, "name",
                                           record_setting, &recorded, error,
                                           sizeof(error)),
                     0);
    assert_int_equal(recorded.count, 3);
    assert_string_equal(recorded.lines[0], "region|eu-west-1");
    assert_string_equal(recorded.lines[1], "debug|(none)");
    assert_string_equal(recorded.lines[2], "allow|*:*");
    assert_string_equal(error, "");
}

static void
text_parse_rejects_nul_byte(void **state)
{
    static const char text[] = "region = eu-west-1\n\0debug\n";
    struct recorded recorded = { .count = 0 };
    char error[SSO_OPTION_ERROR_MAX] = "";

    (void) state;
    assert_int_equal(sso_config_text_parse(text, sizeof(text) - 1, "name",
                                           record_setting, &recorded, error,
                                           sizeof(error)),
                     -1);
    assert_int_equal(recorded.count, 0);
    assert_string_equal(error, "name: contains a NUL byte");
}

#define FIXTURE_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(options_defaults),
        FIXTURE_TEST(options_logout_settings),
        FIXTURE_TEST(options_user_match_modes),
        FIXTURE_TEST(options_localpart_needs_domain),
        FIXTURE_TEST(options_rejects_bad_user_match),
        FIXTURE_TEST(options_binding_needs_sts),
        FIXTURE_TEST(options_default_config_path),
        FIXTURE_TEST(options_config_path_given),
        FIXTURE_TEST(options_parse_every_region_key),
        FIXTURE_TEST(options_parse_endpoint_keys),
        FIXTURE_TEST(options_endpoint_trailing_slash),
        FIXTURE_TEST(options_timeout_bounds),
        FIXTURE_TEST(options_flag_values),
        FIXTURE_TEST(options_rejects_unknown_key),
        FIXTURE_TEST(options_rejects_bad_flag_value),
        FIXTURE_TEST(options_rejects_bad_timeout),
        FIXTURE_TEST(options_rejects_bad_endpoint),
        FIXTURE_TEST(options_rejects_bad_region),
        FIXTURE_TEST(options_rejects_bad_sso_region),
        FIXTURE_TEST(options_rejects_relative_path),
        FIXTURE_TEST(options_rejects_bad_allow),
        FIXTURE_TEST(options_rejects_bad_role),
        FIXTURE_TEST(options_requires_allow),
        FIXTURE_TEST(options_requires_region_or_endpoint),
        FIXTURE_TEST(options_rejects_endpoint_with_flags),
        FIXTURE_TEST(options_rejects_unallowed_role),
        FIXTURE_TEST(options_rejects_both_pass_flags),
        FIXTURE_TEST(options_rejects_repeated_key),
        FIXTURE_TEST(options_rejects_repeated_config),
        FIXTURE_TEST(options_allow_accumulates),
        FIXTURE_TEST(options_value_split_at_first_equals),
        FIXTURE_TEST(options_free_resets_fields),
        FIXTURE_TEST(file_key_value_forms),
        FIXTURE_TEST(file_value_split_at_first_equals),
        FIXTURE_TEST(file_flags_bare_and_valued),
        FIXTURE_TEST(file_flag_set_to_no),
        FIXTURE_TEST(file_allow_lines_accumulate),
        FIXTURE_TEST(file_arguments_override_file),
        FIXTURE_TEST(file_allow_argument_replaces_rules),
        FIXTURE_TEST(file_role_checked_against_final_allow),
        FIXTURE_TEST(file_rejects_repeated_key),
        FIXTURE_TEST(file_rejects_config_key),
        FIXTURE_TEST(file_rejects_unknown_key),
        FIXTURE_TEST(file_rejects_bad_value),
        FIXTURE_TEST(file_rejects_bad_flag_value),
        FIXTURE_TEST(file_rejects_missing_explicit_file),
        FIXTURE_TEST(file_accepts_root_modes),
        FIXTURE_TEST(file_rejects_writable_by_others),
        FIXTURE_TEST(file_rejects_other_owner),
        FIXTURE_TEST(file_rejects_symlink),
        FIXTURE_TEST(file_rejects_directory),
        FIXTURE_TEST(file_size_limit),
        FIXTURE_TEST(file_rejects_nul_byte),
        cmocka_unit_test(text_parse_stops_at_length),
        cmocka_unit_test(text_parse_rejects_nul_byte),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
