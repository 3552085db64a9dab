/*
 * Unit tests for the STS XML parsers (sts_xml.h).
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

#include "sts_xml.h"

#define ARN "arn:aws:sts::111122223333:assumed-role/" \
            "AWSReservedSSO_Admin_0123456789abcdef/alice@example.com"

#define RESPONSE_HEAD \
    "<GetCallerIdentityResponse " \
    "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n" \
    "  <GetCallerIdentityResult>\n"
#define RESPONSE_TAIL \
    "  </GetCallerIdentityResult>\n" \
    "  <ResponseMetadata>\n" \
    "    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n" \
    "  </ResponseMetadata>\n" \
    "</GetCallerIdentityResponse>\n"
#define FIELDS \
    "    <Arn>" ARN "</Arn>\n" \
    "    <UserId>AROAEXAMPLEID:alice@example.com</UserId>\n" \
    "    <Account>111122223333</Account>\n"

static enum sso_parse_result
parse(const char *text, struct sso_caller_identity *identity)
{
    return sso_parse_caller_identity(text, strlen(text), identity);
}

static void
identity_as_sts_sends_it(void **state)
{
    static const char text[] = "<?xml version=\"1.0\"?>\n"
                               RESPONSE_HEAD FIELDS RESPONSE_TAIL;
    struct sso_caller_identity identity;

    (void) state;
    assert_int_equal(parse(text, &identity), SSO_PARSE_OK);
    assert_string_equal(identity.arn, ARN);
    assert_string_equal(identity.account, "111122223333");
}

static void
identity_reads_escapes_and_skips_unknown_elements(void **state)
{
    static const char text[] =
        RESPONSE_HEAD
        "    <Extra><Nested a=\"1\">text</Nested></Extra>\n"
        "    <Arn>arn:aws:sts::111122223333:assumed-role/"
        "AWSReservedSSO_A_0/a&amp;b<![CDATA[+c]]></Arn>\n"
        "    <!-- a comment -->\n"
        "    <Account>111122223333</Account>\n"
        RESPONSE_TAIL;
    struct sso_caller_identity identity;

    (void) state;
    assert_int_equal(parse(text, &identity), SSO_PARSE_OK);
    assert_string_equal(identity.arn, "arn:aws:sts::111122223333:"
                        "assumed-role/AWSReservedSSO_A_0/a&b+c");
}

static void
identity_refuses_malformed(void **state)
{
    static const struct {
        const char *label;
        const char *text;
    } cases[] = {
        { "empty", "" },
        { "not XML", "{\"Arn\": \"" ARN "\"}" },
        { "truncated", RESPONSE_HEAD FIELDS },
        { "no namespace",
          "<GetCallerIdentityResponse><GetCallerIdentityResult>" FIELDS
          "</GetCallerIdentityResult></GetCallerIdentityResponse>" },
        { "other namespace",
          "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/"
          "doc/2011-06-16/\"><GetCallerIdentityResult>" FIELDS
          "</GetCallerIdentityResult></GetCallerIdentityResponse>" },
        { "other root", "<ErrorResponse xmlns=\"https://sts.amazonaws.com/"
          "doc/2011-06-15/\"><GetCallerIdentityResult>" FIELDS
          "</GetCallerIdentityResult></ErrorResponse>" },
        { "no Arn", RESPONSE_HEAD
          "<Account>111122223333</Account>" RESPONSE_TAIL },
        { "no Account", RESPONSE_HEAD "<Arn>" ARN "</Arn>" RESPONSE_TAIL },
        { "Arn twice", RESPONSE_HEAD FIELDS "<Arn>" ARN "</Arn>"
          RESPONSE_TAIL },
        { "Arn outside the result", RESPONSE_HEAD
          "<Account>111122223333</Account></GetCallerIdentityResult>"
          "<GetCallerIdentityResult2><Arn>" ARN "</Arn>"
          "</GetCallerIdentityResult2></GetCallerIdentityResponse>" },
        { "element inside Arn", RESPONSE_HEAD "<Arn>" ARN "<b/></Arn>"
          "<Account>111122223333</Account>" RESPONSE_TAIL },
        { "Arn with a line feed", RESPONSE_HEAD "<Arn>" ARN "&#10;</Arn>"
          "<Account>111122223333</Account>" RESPONSE_TAIL },
        { "Arn with a space", RESPONSE_HEAD "<Arn>" ARN " x</Arn>"
          "<Account>111122223333</Account>" RESPONSE_TAIL },
        { "Arn not ASCII", RESPONSE_HEAD "<Arn>" ARN "\xc3\xa9</Arn>"
          "<Account>111122223333</Account>" RESPONSE_TAIL },
        { "Arn too short", RESPONSE_HEAD "<Arn>arn:aws:sts::1</Arn>"
          "<Account>111122223333</Account>" RESPONSE_TAIL },
        { "Account not 12 digits", RESPONSE_HEAD "<Arn>" ARN "</Arn>"
          "<Account>11112222333</Account>" RESPONSE_TAIL },
        { "text in the result", RESPONSE_HEAD "stray" FIELDS RESPONSE_TAIL },
        { "invalid UTF-8", RESPONSE_HEAD FIELDS "<X>\xff</X>"
          RESPONSE_TAIL },
        { "Latin-1 declared", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\""
          "?>" RESPONSE_HEAD FIELDS "<X>\xe9</X>" RESPONSE_TAIL },
        { "processing instruction", RESPONSE_HEAD "<?evil data?>" FIELDS
          RESPONSE_TAIL },
        { "document type", "<!DOCTYPE GetCallerIdentityResponse>"
          RESPONSE_HEAD FIELDS RESPONSE_TAIL },
        { "entity expansion", "<!DOCTYPE r [<!ENTITY a \"aaaa\">"
          "<!ENTITY b \"&a;&a;&a;&a;\">]>" RESPONSE_HEAD
          "<Arn>&b;</Arn><Account>111122223333</Account>" RESPONSE_TAIL },
        { "external entity", "<!DOCTYPE r [<!ENTITY x SYSTEM "
          "\"file:///etc/passwd\">]>" RESPONSE_HEAD
          "<Arn>&x;</Arn><Account>111122223333</Account>" RESPONSE_TAIL },
        { "undefined entity", RESPONSE_HEAD "<Arn>&x;</Arn>"
          "<Account>111122223333</Account>" RESPONSE_TAIL },
        { "too deep", RESPONSE_HEAD FIELDS "<a><b><c><d><e><f><g>"
          "</g></f></e></d></c></b></a>" RESPONSE_TAIL },
        { "two roots", RESPONSE_HEAD FIELDS RESPONSE_TAIL "<x/>" },
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sso_caller_identity identity;

        print_message("case: %s\n", cases[i].label);
        assert_int_equal(parse(cases[i].text, &identity), SSO_PARSE_INVALID);
        assert_string_equal(identity.arn, "");
        assert_string_equal(identity.account, "");
    }
}

static void
identity_refuses_too_many_elements(void **state)
{
    size_t size = 64 * 1024;
    char *text = malloc(size);
    size_t used;
    int i;
    struct sso_caller_identity identity;

    (void) state;
    assert_non_null(text);
    used = (size_t) snprintf(text, size, "%s%s", RESPONSE_HEAD, FIELDS);
    for (i = 0; i < SSO_XML_ELEMENTS_MAX; i++)
        used += (size_t) snprintf(text + used, size - used, "<x/>");
    snprintf(text + used, size - used, "%s", RESPONSE_TAIL);

    assert_int_equal(parse(text, &identity), SSO_PARSE_INVALID);
    free(text);
}

static void
identity_refuses_arn_over_2048_bytes(void **state)
{
    char arn[SSO_ARN_MAX + 2];
    char text[SSO_ARN_MAX + 1024];
    struct sso_caller_identity identity;

    (void) state;
    memset(arn, 'a', sizeof(arn) - 1);
    arn[sizeof(arn) - 1] = '\0';
    snprintf(text, sizeof(text), "%s<Arn>%s</Arn><Account>111122223333"
             "</Account>%s", RESPONSE_HEAD, arn, RESPONSE_TAIL);
    assert_int_equal(parse(text, &identity), SSO_PARSE_INVALID);

    /* One byte less fits. */
    arn[sizeof(arn) - 2] = '\0';
    snprintf(text, sizeof(text), "%s<Arn>%s</Arn><Account>111122223333"
             "</Account>%s", RESPONSE_HEAD, arn, RESPONSE_TAIL);
    assert_int_equal(parse(text, &identity), SSO_PARSE_OK);
    assert_int_equal(strlen(identity.arn), SSO_ARN_MAX);
}

static void
error_code_read(void **state)
{
    static const char text[] =
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        "  <Error>\n"
        "    <Type>Sender</Type>\n"
        "    <Code>SignatureDoesNotMatch</Code>\n"
        "    <Message>The request signature we calculated does not match"
        "</Message>\n"
        "  </Error>\n"
        "  <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n"
        "</ErrorResponse>\n";
    static const char bare[] =
        "<ErrorResponse><Error><Code>ExpiredToken</Code></Error>"
        "</ErrorResponse>";
    char code[SSO_STS_CODE_MAX];

    (void) state;
    assert_int_equal(sso_parse_sts_error(text, strlen(text), code),
                     SSO_PARSE_OK);
    assert_string_equal(code, "SignatureDoesNotMatch");
    assert_int_equal(sso_parse_sts_error(bare, strlen(bare), code),
                     SSO_PARSE_OK);
    assert_string_equal(code, "ExpiredToken");
}

static void
error_code_refuses_malformed(void **state)
{
    static const char *const texts[] = {
        "",
        "<ErrorResponse><Error></Error></ErrorResponse>",
        "<ErrorResponse><Error><Code></Code></Error></ErrorResponse>",
        "<ErrorResponse><Error><Code>A B</Code></Error></ErrorResponse>",
        "<ErrorResponse><Code>X</Code></ErrorResponse>",
        "<Other><Error><Code>X</Code></Error></Other>",
        "<ErrorResponse><Error><Code>X</Code><Code>Y</Code></Error>"
        "</ErrorResponse>",
        "<ErrorResponse><Error><Code>"
        "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
        "</Code></Error></ErrorResponse>",
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char code[SSO_STS_CODE_MAX] = "unchanged";

        print_message("text '%s'\n", texts[i]);
        assert_int_equal(sso_parse_sts_error(texts[i], strlen(texts[i]),
                                             code),
                         SSO_PARSE_INVALID);
        assert_string_equal(code, "");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity_as_sts_sends_it),
        cmocka_unit_test(identity_reads_escapes_and_skips_unknown_elements),
        cmocka_unit_test(identity_refuses_malformed),
        cmocka_unit_test(identity_refuses_too_many_elements),
        cmocka_unit_test(identity_refuses_arn_over_2048_bytes),
        cmocka_unit_test(error_code_read),
        cmocka_unit_test(error_code_refuses_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
