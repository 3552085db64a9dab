/*
 * Unit tests for region checks, portal URLs (endpoint.h) and the
 * expiration helpers of env_export.h.
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "endpoint.h"
#include "env_export.h"

/* sso_region_valid */

static void
region_valid_accepts_known_shapes(void **state)
{
    static const char *const names[] = {
        "us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1",
        "us-isob-east-1", "eusc-de-east-1", "ap-southeast-2",
        "us-iso-east-1", "eu-isoe-west-1", "us-isof-south-1",
        "me-central-12",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        print_message("region '%s'\n", names[i]);
        assert_true(sso_region_valid(names[i]));
    }
}

static void
region_valid_rejects_bad_shapes(void **state)
{
    static const char *const names[] = {
        "",
        "us-east",
        "US-EAST-1",
        "us-east-1a",
        "us east 1",
        "us--east-1",
        "-us-east-1",
        "u-east-1",
        "us-east-1-",
        "us-east1-1",
        "12-east-1",
        "us-east-",
        "us-east-1.evil.com",
        "us-east-1/",
        "us-verylongregionnamethatgoesonandonxx-1",
    };
    size_t i;

    (void) state;
    /* The last entry is 40 bytes, far longer than any region name in
     * use. */
    assert_int_equal(strlen(names[sizeof(names) / sizeof(names[0]) - 1]), 40);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        print_message("region '%s'\n", names[i]);
        assert_false(sso_region_valid(names[i]));
    }
}

/* sso_endpoint_check */

static void
endpoint_check_accepts_https_urls(void **state)
{
    static const char *const urls[] = {
        "https://portal.sso.eu-west-1.amazonaws.com",
        "https://sso.example.com:8443",
        "https://sso.example.com/prefix/v1",
        "https://127.0.0.1:4443/",
        "https://[::1]:4443",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *reason = NULL;

        print_message("url '%s'\n", urls[i]);
        assert_int_equal(sso_endpoint_check(urls[i], &reason), 0);
    }
}

static void
proxy_check_accepts_http_proxies(void **state)
{
    static const char *const urls[] = {
        "http://proxy.internal",
        "http://proxy.internal:3128",
        "http://10.0.0.1:8080/",
        "http://127.0.0.1:1",
        "http://a-b.example:65535",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *reason = NULL;

        print_message("proxy '%s'\n", urls[i]);
        assert_int_equal(sso_proxy_check(urls[i], &reason), 0);
    }
}

static void
proxy_check_rejects_other_forms(void **state)
{
    static const char *const urls[] = {
        "https://proxy.internal:3128",
        "socks5://proxy.internal:1080",
        "proxy.internal:3128",
        "http://",
        "http://:3128",
        "http://user:secret@proxy.internal:3128",
        "http://proxy.internal:0",
        "http://proxy.internal:65536",
        "http://proxy.internal:123456",
        "http://proxy.internal:80x",
        "http://proxy.internal/path",
        "http://proxy internal:3128",
        "http://proxy.internal:3128\r\n",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *reason = NULL;

        print_message("proxy '%s'\n", urls[i]);
        assert_int_equal(sso_proxy_check(urls[i], &reason), -1);
        assert_non_null(reason);
    }
}

static void
endpoint_check_rejects_other_schemes(void **state)
{
    static const char *const urls[] = {
        "http://x", "http://sso.example.com", "ftp://sso.example.com",
        "sso.example.com", "HTTPS://sso.example.com", "",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *reason = NULL;

        print_message("url '%s'\n", urls[i]);
        assert_int_equal(sso_endpoint_check(urls[i], &reason), -1);
        assert_non_null(reason);
        assert_string_equal(reason, "must start with https://");
    }
}

static void
endpoint_check_rejects_missing_host(void **state)
{
    static const char *const urls[] = {
        "https://", "https:///", "https:///path", "https://:8443",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *reason = NULL;

        print_message("url '%s'\n", urls[i]);
        assert_int_equal(sso_endpoint_check(urls[i], &reason), -1);
        assert_non_null(reason);
    }
}

static void
endpoint_check_rejects_unsafe_bytes(void **state)
{
    static const char *const urls[] = {
        "https://sso.example.com/?x=1",
        "https://sso.example.com/#top",
        "https://user@sso.example.com",
        "https://sso.example.com/a b",
        "https://sso.example.com/\x01",
        "https://sso.example.com\n",
        "https://sso.example.com/\x7f",
        "https://sso.example.com/\xc3\xa9",
        "https://sso.example.com\\@evil.example",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *reason = NULL;

        print_message("url index %zu\n", i);
        assert_int_equal(sso_endpoint_check(urls[i], &reason), -1);
        assert_non_null(reason);
    }
}

/* sso_portal_base_url */

struct partition_case {
    const char *region;
    const char *standard;
    const char *fips;
    const char *dualstack;
    const char *fips_dualstack;
};

/* Host names of the SSO portal, one row per partition, with {r} replaced
 * by the region. */
static const struct partition_case partition_cases[] = {
    { "eu-west-1",
      "https://portal.sso.eu-west-1.amazonaws.com",
      "https://portal.sso-fips.eu-west-1.amazonaws.com",
      "https://portal.sso.eu-west-1.api.aws",
      "https://portal.sso-fips.eu-west-1.api.aws" },
    { "cn-north-1",
      "https://portal.sso.cn-north-1.amazonaws.com.cn",
      "https://portal.sso-fips.cn-north-1.amazonaws.com.cn",
      "https://portal.sso.cn-north-1.api.amazonwebservices.com.cn",
      "https://portal.sso-fips.cn-north-1.api.amazonwebservices.com.cn" },
    /* In aws-us-gov, FIPS alone keeps the standard host name, and only
     * the dual-stack FIPS host carries "-fips". */
    { "us-gov-west-1",
      "https://portal.sso.us-gov-west-1.amazonaws.com",
      "https://portal.sso.us-gov-west-1.amazonaws.com",
      "https://portal.sso.us-gov-west-1.api.aws",
      "https://portal.sso-fips.us-gov-west-1.api.aws" },
    { "us-iso-east-1",
      "https://portal.sso.us-iso-east-1.c2s.ic.gov",
      "https://portal.sso-fips.us-iso-east-1.c2s.ic.gov",
      "https://portal.sso.us-iso-east-1.api.aws.ic.gov",
      "https://portal.sso-fips.us-iso-east-1.api.aws.ic.gov" },
    { "us-isob-east-1",
      "https://portal.sso.us-isob-east-1.sc2s.sgov.gov",
      "https://portal.sso-fips.us-isob-east-1.sc2s.sgov.gov",
      "https://portal.sso.us-isob-east-1.api.aws.scloud",
      "https://portal.sso-fips.us-isob-east-1.api.aws.scloud" },
    { "eu-isoe-west-1",
      "https://portal.sso.eu-isoe-west-1.cloud.adc-e.uk",
      "https://portal.sso-fips.eu-isoe-west-1.cloud.adc-e.uk",
      "https://portal.sso.eu-isoe-west-1.api.cloud-aws.adc-e.uk",
      "https://portal.sso-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk" },
    { "us-isof-south-1",
      "https://portal.sso.us-isof-south-1.csp.hci.ic.gov",
      "https://portal.sso-fips.us-isof-south-1.csp.hci.ic.gov",
      "https://portal.sso.us-isof-south-1.api.aws.hci.ic.gov",
      "https://portal.sso-fips.us-isof-south-1.api.aws.hci.ic.gov" },
    { "eusc-de-east-1",
      "https://portal.sso.eusc-de-east-1.amazonaws.eu",
      "https://portal.sso-fips.eusc-de-east-1.amazonaws.eu",
      "https://portal.sso.eusc-de-east-1.api.amazonwebservices.eu",
      "https://portal.sso-fips.eusc-de-east-1.api.amazonwebservices.eu" },
    /* A region of no known partition gets the aws partition's hosts. */
    { "xx-foo-1",
      "https://portal.sso.xx-foo-1.amazonaws.com",
      "https://portal.sso-fips.xx-foo-1.amazonaws.com",
      "https://portal.sso.xx-foo-1.api.aws",
      "https://portal.sso-fips.xx-foo-1.api.aws" },
};

/* Build the URL for REGION and the two flags and compare it to EXPECTED. */
static void
assert_base_url(const char *region, bool fips, bool dualstack,
                const char *expected)
{
    char *url = sso_portal_base_url(NULL, region, fips, dualstack);

    print_message("region %s fips %d dualstack %d\n", region, (int) fips,
                  (int) dualstack);
    assert_non_null(url);
    assert_string_equal(url, expected);
    free(url);
}

static void
base_url_standard_hosts(void **state)
{
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(partition_cases) / sizeof(partition_cases[0]); i++)
        assert_base_url(partition_cases[i].region, false, false,
                        partition_cases[i].standard);
}

static void
base_url_fips_hosts(void **state)
{
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(partition_cases) / sizeof(partition_cases[0]); i++)
        assert_base_url(partition_cases[i].region, true, false,
                        partition_cases[i].fips);
}

static void
base_url_dualstack_hosts(void **state)
{
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(partition_cases) / sizeof(partition_cases[0]); i++)
        assert_base_url(partition_cases[i].region, false, true,
                        partition_cases[i].dualstack);
}

static void
base_url_fips_dualstack_hosts(void **state)
{
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(partition_cases) / sizeof(partition_cases[0]); i++)
        assert_base_url(partition_cases[i].region, true, true,
                        partition_cases[i].fips_dualstack);
}

static void
base_url_endpoint_used_as_given(void **state)
{
    char *url;

    (void) state;
    /* The endpoint wins over the region and the flags. */
    url = sso_portal_base_url("https://sso.example.com:8443/base",
                              "eu-west-1", true, true);
    assert_non_null(url);
    assert_string_equal(url, "https://sso.example.com:8443/base");
    free(url);
}

/* sso_format_expiration */

static void
format_expiration_known_instant(void **state)
{
    char buffer[32];

    (void) state;
    assert_int_equal(sso_format_expiration(1700000000000, buffer,
                                           sizeof(buffer)),
                     0);
    assert_string_equal(buffer, "2023-11-14T22:13:20Z");
}

static void
format_expiration_drops_milliseconds(void **state)
{
    char buffer[32];

    (void) state;
    assert_int_equal(sso_format_expiration(1700000000999, buffer,
                                           sizeof(buffer)),
                     0);
    assert_string_equal(buffer, "2023-11-14T22:13:20Z");
}

static void
format_expiration_epoch(void **state)
{
    char buffer[32];

    (void) state;
    assert_int_equal(sso_format_expiration(0, buffer, sizeof(buffer)), 0);
    assert_string_equal(buffer, "1970-01-01T00:00:00Z");
}

static void
format_expiration_fits_21_bytes(void **state)
{
    char buffer[21];

    (void) state;
    assert_int_equal(sso_format_expiration(1700000000000, buffer,
                                           sizeof(buffer)),
                     0);
    assert_string_equal(buffer, "2023-11-14T22:13:20Z");
}

static void
format_expiration_rejects_negative(void **state)
{
    char buffer[32];

    (void) state;
    assert_int_equal(sso_format_expiration(-1, buffer, sizeof(buffer)), -1);
    assert_int_equal(sso_format_expiration(-1700000000000, buffer,
                                           sizeof(buffer)),
                     -1);
    assert_int_equal(sso_format_expiration(INT64_MIN, buffer,
                                           sizeof(buffer)),
                     -1);
}

/* sso_expiration_plausible */

/* A fixed instant, 2023-11-14T22:13:20Z, so the tests do not depend on the
 * clock. */
#define TEST_NOW ((time_t) 1700000000)

static void
expiration_plausible_one_hour_ahead(void **state)
{
    (void) state;
    assert_true(sso_expiration_plausible(
        ((int64_t) TEST_NOW + 3600) * 1000, TEST_NOW));
    assert_true(sso_expiration_plausible(
        ((int64_t) TEST_NOW + 12 * 3600) * 1000, TEST_NOW));
}

static void
expiration_plausible_at_horizon(void **state)
{
    (void) state;
    assert_true(sso_expiration_plausible(
        ((int64_t) TEST_NOW + SSO_EXPIRATION_HORIZON) * 1000, TEST_NOW));
    assert_false(sso_expiration_plausible(
        ((int64_t) TEST_NOW + SSO_EXPIRATION_HORIZON + 1) * 1000, TEST_NOW));
}

static void
expiration_plausible_rejects_past(void **state)
{
    (void) state;
    assert_false(sso_expiration_plausible(
        ((int64_t) TEST_NOW - 1) * 1000, TEST_NOW));
    assert_false(sso_expiration_plausible((int64_t) TEST_NOW * 1000,
                                          TEST_NOW));
    assert_false(sso_expiration_plausible(0, TEST_NOW));
}

static void
expiration_plausible_rejects_far_future(void **state)
{
    (void) state;
    assert_false(sso_expiration_plausible(
        ((int64_t) TEST_NOW + 30 * 24 * 3600) * 1000, TEST_NOW));
}

static void
expiration_plausible_rejects_seconds(void **state)
{
    (void) state;
    /* A server that sends seconds where milliseconds belong produces a
     * time in January 1970. */
    assert_false(sso_expiration_plausible((int64_t) TEST_NOW + 3600,
                                          TEST_NOW));
}

static void
expiration_plausible_uses_given_clock(void **state)
{
    time_t now = time(NULL);

    (void) state;
    assert_true(sso_expiration_plausible(((int64_t) now + 3600) * 1000, now));
    assert_false(sso_expiration_plausible(((int64_t) now - 3600) * 1000, now));
    assert_false(sso_expiration_plausible((int64_t) now, now));
}

/* sso_sts_url */

static void
sts_url_follows_the_partition(void **state)
{
    static const struct {
        const char *region;
        bool fips;
        bool dualstack;
        const char *expected;
    } cases[] = {
        { "eu-west-1", false, false, "https://sts.eu-west-1.amazonaws.com" },
        { "eu-west-1", true, false,
          "https://sts-fips.eu-west-1.amazonaws.com" },
        { "eu-west-1", false, true, "https://sts.eu-west-1.api.aws" },
        { "eu-west-1", true, true, "https://sts-fips.eu-west-1.api.aws" },
        { "cn-north-1", false, false,
          "https://sts.cn-north-1.amazonaws.com.cn" },
        /* GovCloud's standard host is already FIPS. */
        { "us-gov-west-1", true, false,
          "https://sts.us-gov-west-1.amazonaws.com" },
        { "us-gov-west-1", true, true,
          "https://sts-fips.us-gov-west-1.api.aws" },
        { "us-iso-east-1", false, false,
          "https://sts.us-iso-east-1.c2s.ic.gov" },
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *url = sso_sts_url(cases[i].region, cases[i].fips,
                                cases[i].dualstack);

        print_message("region %s fips %d dualstack %d\n", cases[i].region,
                      (int) cases[i].fips, (int) cases[i].dualstack);
        assert_non_null(url);
        assert_string_equal(url, cases[i].expected);
        free(url);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sts_url_follows_the_partition),
        cmocka_unit_test(region_valid_accepts_known_shapes),
        cmocka_unit_test(region_valid_rejects_bad_shapes),
        cmocka_unit_test(endpoint_check_accepts_https_urls),
        cmocka_unit_test(endpoint_check_rejects_other_schemes),
        cmocka_unit_test(endpoint_check_rejects_missing_host),
        cmocka_unit_test(endpoint_check_rejects_unsafe_bytes),
        cmocka_unit_test(proxy_check_accepts_http_proxies),
        cmocka_unit_test(proxy_check_rejects_other_forms),
        cmocka_unit_test(base_url_standard_hosts),
        cmocka_unit_test(base_url_fips_hosts),
        cmocka_unit_test(base_url_dualstack_hosts),
        cmocka_unit_test(base_url_fips_dualstack_hosts),
        cmocka_unit_test(base_url_endpoint_used_as_given),
        cmocka_unit_test(format_expiration_known_instant),
        cmocka_unit_test(format_expiration_drops_milliseconds),
        cmocka_unit_test(format_expiration_epoch),
        cmocka_unit_test(format_expiration_fits_21_bytes),
        cmocka_unit_test(format_expiration_rejects_negative),
        cmocka_unit_test(expiration_plausible_one_hour_ahead),
        cmocka_unit_test(expiration_plausible_at_horizon),
        cmocka_unit_test(expiration_plausible_rejects_past),
        cmocka_unit_test(expiration_plausible_rejects_far_future),
        cmocka_unit_test(expiration_plausible_rejects_seconds),
        cmocka_unit_test(expiration_plausible_uses_given_clock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
