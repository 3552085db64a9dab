/*
 * Fuzz target for sso_config_text_parse, the line parser of the
 * configuration file.
 *
 * The target splits the input into settings a second way, from the
 * documented rules, and checks that APPLY receives exactly those settings in
 * order.  APPLY rejects the key "reject", so the error path and its line
 * number are reached too.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config_file.h"
#include "fuzz.h"

#define NAME "/etc/security/pam_sso.conf"

/* One setting that the reference split expects, as pointers into a copy
 * of the input that it edits. */
struct expected {
    const char *key;
    const char *value;
};

struct recorder {
    const struct expected *settings;
    size_t count;
    size_t seen;
    unsigned int reject_line;   /* line of the first "reject" key, or 0 */
};

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Remove blanks at the start and blanks and '\r' at the end of TEXT. */
static char *
strip(char *text)
{
    size_t length;

    while (is_blank(*text))
        text++;
    length = strlen(text);
    while (length > 0 && (is_blank(text[length - 1])
                          || text[length - 1] == '\r'))
        length--;
    text[length] = '\0';
    return text;
}

/* Split TEXT, edited in place, into SETTINGS (room for one per line).
 * Returns the count, and the line number of the first "reject" key in
 * *REJECT_LINE, or 0. */
static size_t
split_settings(char *text, struct expected *settings,
               unsigned int *reject_line)
{
    unsigned int number = 0;
    size_t count = 0;
    char *line = text;

    *reject_line = 0;
    while (line != NULL && *reject_line == 0) {
        char *end = strchr(line, '\n');
        char *equals;

        if (end != NULL)
            *end = '\0';
        number++;

        line = strip(line);
        if (line[0] != '\0' && line[0] != '#') {
            equals = strchr(line, '=');
            settings[count].value = NULL;
            if (equals != NULL) {
                *equals = '\0';
                settings[count].value = strip(equals + 1);
            }
            settings[count].key = strip(line);
            if (strcmp(settings[count].key, "reject") == 0)
                *reject_line = number;
            count++;
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return count;
}

static int
record_setting(void *context, const char *key, const char *value,
               char *error, size_t error_size)
{
    struct recorder *recorder = context;
    const struct expected *expected;

    FUZZ_CHECK(recorder->seen < recorder->count);
    expected = &recorder->settings[recorder->seen++];
    FUZZ_CHECK(strcmp(key, expected->key) == 0);
    FUZZ_CHECK((value == NULL) == (expected->value == NULL));
    FUZZ_CHECK(value == NULL || strcmp(value, expected->value) == 0);

    if (strcmp(key, "reject") == 0) {
        snprintf(error, error_size, "rejected");
        return -1;
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct recorder recorder = { NULL, 0, 0, 0 };
    struct expected *settings = NULL;
    char *reference = NULL;
    char error[256];
    char wanted[256];
    int status;

    /* The module reads no larger file, and the input has no NUL byte
     * because the file reader rejects one before this parser runs. */
    if (size > SSO_CONFIG_FILE_MAX || memchr(data, '\0', size) != NULL)
        return 0;

    reference = fuzz_string(data, size);
    settings = calloc(size + 1, sizeof(*settings));
    if (reference == NULL || settings == NULL)
        goto done;
    recorder.settings = settings;
    recorder.count = split_settings(reference, settings,
                                    &recorder.reject_line);

    error[0] = '\0';
    status = sso_config_text_parse((const char *) data, size, NAME,
                                   record_setting, &recorder, error,
                                   sizeof(error));
    FUZZ_CHECK(recorder.seen == recorder.count);
    if (recorder.reject_line == 0) {
        FUZZ_CHECK(status == 0);
    } else {
        snprintf(wanted, sizeof(wanted), "%s:%u: rejected", NAME,
                 recorder.reject_line);
        FUZZ_CHECK(status == -1);
        FUZZ_CHECK(strcmp(error, wanted) == 0);
    }

done:
    free(settings);
    free(reference);
    return 0;
}
