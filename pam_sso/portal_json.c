/*
 * Parsers for the SSO portal's JSON responses, into typed C structs.
 *
 * The bodies come from the network, so json-c is used strictly: trailing
 * data, invalid UTF-8 and deep nesting are rejected, and every value's type
 * is checked before use.  A scan of our own catches the leniencies that
 * json-c keeps even in strict mode.  json-c 0.16 aborts the process when asked for the
 * length of something that is not an array, and reads "12abc" as 12 when
 * asked for an integer, so no accessor is called on an unchecked value.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "portal_json.h"
#include "secret.h"
#include "text.h"

/* Length of the UTF-8 sequence at TEXT (at most LENGTH bytes), or 0 when it
 * is not well-formed: overlong forms, surrogates and code points above
 * U+10FFFF are rejected, as RFC 3629 requires. */
static size_t
utf8_sequence(const unsigned char *text, size_t length)
{
    unsigned char lead = text[0];
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    size_t count;
    size_t i;

    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf)
        count = 2;
    else if (lead >= 0xe0 && lead <= 0xef)
        count = 3;
    else if (lead >= 0xf0 && lead <= 0xf4)
        count = 4;
    else
        return 0;

    /* The second byte's range rules out overlongs and surrogates. */
    if (lead == 0xe0)
        low = 0xa0;
    else if (lead == 0xed)
        high = 0x9f;
    else if (lead == 0xf0)
        low = 0x90;
    else if (lead == 0xf4)
        high = 0x8f;

    if (count > length || text[1] < low || text[1] > high)
        return 0;
    for (i = 2; i < count; i++)
        if (text[i] < 0x80 || text[i] > 0xbf)
            return 0;
    return count;
}

/* Whether TEXT (LENGTH bytes) is JSON whitespace and then ':', which
 * makes the string just before it an object member's name. */
static bool
is_followed_by_colon(const unsigned char *text, size_t length)
{
    size_t i = 0;

    while (i < length && (text[i] == ' ' || text[i] == '\t'
                          || text[i] == '\r' || text[i] == '\n'))
        i++;
    return i < length && text[i] == ':';
}

/* Whether the '0' at TEXT[I] starts the integer part of a number.  A '0'
 * after a digit, a '.', an exponent mark or an exponent's sign is already
 * inside a number. */
static bool
starts_integer(const unsigned char *text, size_t i)
{
    unsigned char before = i > 0 ? text[i - 1] : ' ';

    if (before == '-')
        before = i > 1 ? text[i - 2] : ' ';
    return strchr("0123456789.eE+", before) == NULL;
}

/*
 * Check what json-c 0.16 lets through even in strict mode: outside strings
 * only JSON's own characters may appear (no single quotes, NaN, Infinity,
 * comments, "1." or "-.5"), no integer part may start with '0' and go on
 * with a digit ("00", "-01", "01.5", "06e5"), and inside strings no raw
 * control bytes.  Every byte must be well-formed UTF-8.  *KEYS gets the
 * number of object member names in the text, for the duplicate check after
 * parsing.
 */
static bool
is_strict_json_text(const char *body, size_t length, size_t *keys)
{
    const unsigned char *text = (const unsigned char *) body;
    bool in_string = false;
    size_t i = 0;

    *keys = 0;
    while (i < length) {
        unsigned char c = text[i];
        size_t step = utf8_sequence(text + i, length - i);

        if (step == 0)
            return false;
        if (in_string) {
            if (c < 0x20)
                return false;
            if (c == '\\')
                step = 2;
            else if (c == '"') {
                in_string = false;
                if (is_followed_by_colon(text + i + 1, length - i - 1))
                    (*keys)++;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '.') {
            if (i == 0 || text[i - 1] < '0' || text[i - 1] > '9'
                || i + 1 >= length || text[i + 1] < '0' || text[i + 1] > '9')
                return false;
        } else if (c == '0' && starts_integer(text, i)) {
            if (i + 1 < length && text[i + 1] >= '0' && text[i + 1] <= '9')
                return false;
        } else if (strchr(" \t\r\n{}[]:,-+0123456789eEtrufalsn", c) == NULL) {
            return false;
        }
        i += step;
    }
    return !in_string;
}

/* Count the members of every object in the tree at OBJECT.  The tree is
 * at most SSO_JSON_DEPTH_MAX deep, which bounds the recursion. */
static size_t
count_members(json_object *object)
{
    size_t count = 0;
    size_t i;

    if (json_object_is_type(object, json_type_object)) {
        json_object_object_foreach(object, key, value) {
            (void) key;
            count += 1 + count_members(value);
        }
    } else if (json_object_is_type(object, json_type_array)) {
        for (i = 0; i < json_object_array_length(object); i++)
            count += count_members(json_object_array_get_idx(object, i));
    }
    return count;
}

/* Parse BODY as one strict JSON object, or return NULL. */
static json_object *
parse_object(const char *body, size_t length)
{
    json_tokener *tokener;
    json_object *root = NULL;
    size_t keys;

    if (length == 0 || length > (size_t) INT32_MAX - 1
        || memchr(body, '\0', length) != NULL
        || !is_strict_json_text(body, length, &keys))
        return NULL;

    tokener = json_tokener_new_ex(SSO_JSON_DEPTH_MAX);
    if (tokener == NULL)
        return NULL;
    json_tokener_set_flags(tokener,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

    /* Passing the terminating NUL ends the parse; the parse must then have
     * used exactly the body, no more and no less. */
    root = json_tokener_parse_ex(tokener, body, (int) length + 1);
    /* json-c keeps the last of duplicate member names silently, so a
     * count below the text's own means a duplicate, which could make the
     * module and another reader of the same body disagree. */
    if (json_tokener_get_error(tokener) != json_tokener_success
        || json_tokener_get_parse_end(tokener) != length
        || !json_object_is_type(root, json_type_object)
        || count_members(root) != keys) {
        json_object_put(root);
        root = NULL;
    }

    json_tokener_free(tokener);
    return root;
}

/*
 * Find string member KEY of OBJECT, 1..MAX bytes of printable ASCII
 * (with spaces if SPACES) and no embedded NUL.  Returns a borrowed pointer,
 * or NULL when it is missing or does not qualify.
 */
static const char *
get_string(json_object *object, const char *key, size_t max, bool spaces)
{
    json_object *value = NULL;
    const char *text;
    size_t length;

    if (!json_object_object_get_ex(object, key, &value)
        || !json_object_is_type(value, json_type_string))
        return NULL;

    text = json_object_get_string(value);
    length = (size_t) json_object_get_string_len(value);
    if (text == NULL || length == 0 || length > max || strlen(text) != length
        || !sso_is_printable(text, length, spaces))
        return NULL;
    return text;
}

static bool
is_account_id(const char *s)
{
    return s != NULL && strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

/* Read nextToken: absent, null or "" end the listing, as in botocore. */
static enum sso_parse_result
get_next_token(json_object *root, char **next_token)
{
    json_object *value = NULL;
    const char *text;

    *next_token = NULL;
    if (!json_object_object_get_ex(root, "nextToken", &value)
        || json_object_is_type(value, json_type_null))
        return SSO_PARSE_OK;
    if (json_object_is_type(value, json_type_string)
        && json_object_get_string_len(value) == 0)
        return SSO_PARSE_OK;

    text = get_string(root, "nextToken", SSO_NEXT_TOKEN_MAX, false);
    if (text == NULL)
        return SSO_PARSE_INVALID;

    *next_token = strdup(text);
    return *next_token == NULL ? SSO_PARSE_NO_MEMORY : SSO_PARSE_OK;
}

/* Find array member KEY of ROOT, or NULL. */
static json_object *
get_array(json_object *root, const char *key)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(root, key, &value)
        || !json_object_is_type(value, json_type_array))
        return NULL;
    return value;
}

void
sso_account_list_clear(struct sso_account_list *accounts)
{
    size_t i;

    for (i = 0; i < accounts->count; i++)
        free(accounts->ids[i]);
    free(accounts->ids);
    accounts->ids = NULL;
    accounts->count = 0;
}

void
sso_role_list_clear(struct sso_role_list *roles)
{
    size_t i;

    for (i = 0; i < roles->count; i++)
        sso_role_ref_clear(&roles->roles[i]);
    free(roles->roles);
    roles->roles = NULL;
    roles->count = 0;
}

int
sso_role_list_take(struct sso_role_list *dest, struct sso_role_list *src)
{
    struct sso_role_ref *grown;

    if (src->count == 0)
        return 0;
    if (src->count > SSO_ROLES_MAX - dest->count)
        return -1;

    grown = realloc(dest->roles, (dest->count + src->count) * sizeof(*grown));
    if (grown == NULL)
        return -1;
    memcpy(grown + dest->count, src->roles, src->count * sizeof(*grown));
    dest->roles = grown;
    dest->count += src->count;

    free(src->roles);
    src->roles = NULL;
    src->count = 0;
    return 0;
}

void
sso_credentials_clear(struct sso_credentials *creds)
{
    sso_free_secret(creds->access_key_id);
    sso_free_secret(creds->secret_access_key);
    sso_free_secret(creds->session_token);
    memset(creds, 0, sizeof(*creds));
}

/* Collect the account ids of one page before touching ACCOUNTS, so that a
 * bad page leaves the earlier ones as they were. */
static enum sso_parse_result
collect_accounts(json_object *list, struct sso_account_list *accounts)
{
    size_t count = json_object_array_length(list);
    char **grown;
    size_t i;

    if (count > SSO_ACCOUNTS_MAX - accounts->count)
        return SSO_PARSE_LIMIT;
    for (i = 0; i < count; i++) {
        json_object *item = json_object_array_get_idx(list, i);

        if (!json_object_is_type(item, json_type_object)
            || !is_account_id(get_string(item, "accountId", 12, false)))
            return SSO_PARSE_INVALID;
    }
    if (count == 0)
        return SSO_PARSE_OK;

    grown = realloc(accounts->ids, (accounts->count + count) * sizeof(*grown));
    if (grown == NULL)
        return SSO_PARSE_NO_MEMORY;
    accounts->ids = grown;

    for (i = 0; i < count; i++) {
        json_object *item = json_object_array_get_idx(list, i);
        char *id = strdup(get_string(item, "accountId", 12, false));

        if (id == NULL)
            return SSO_PARSE_NO_MEMORY;
        accounts->ids[accounts->count++] = id;
    }
    return SSO_PARSE_OK;
}

enum sso_parse_result
sso_parse_account_page(const char *body, size_t length,
                       struct sso_account_list *accounts, char **next_token)
{
    json_object *root = parse_object(body, length);
    json_object *list;
    enum sso_parse_result result = SSO_PARSE_INVALID;

    *next_token = NULL;
    if (root == NULL)
        goto done;

    list = get_array(root, "accountList");
    if (list == NULL)
        goto done;

    /* The token is read first so that a bad one leaves the list as it was. */
    result = get_next_token(root, next_token);
    if (result != SSO_PARSE_OK)
        goto done;

    result = collect_accounts(list, accounts);
    if (result != SSO_PARSE_OK) {
        free(*next_token);
        *next_token = NULL;
    }

done:
    json_object_put(root);
    return result;
}

static enum sso_parse_result
collect_roles(json_object *list, const char *account_id,
              struct sso_role_list *roles)
{
    size_t count = json_object_array_length(list);
    struct sso_role_ref *grown;
    size_t i;

    if (count > SSO_ROLES_MAX - roles->count)
        return SSO_PARSE_LIMIT;
    for (i = 0; i < count; i++) {
        json_object *item = json_object_array_get_idx(list, i);
        const char *owner;

        if (!json_object_is_type(item, json_type_object))
            return SSO_PARSE_INVALID;
        owner = get_string(item, "accountId", 12, false);
        if (owner == NULL || strcmp(owner, account_id) != 0
            || get_string(item, "roleName", SSO_ROLE_NAME_MAX, true) == NULL)
            return SSO_PARSE_INVALID;
    }
    if (count == 0)
        return SSO_PARSE_OK;

    grown = realloc(roles->roles, (roles->count + count) * sizeof(*grown));
    if (grown == NULL)
        return SSO_PARSE_NO_MEMORY;
    roles->roles = grown;

    for (i = 0; i < count; i++) {
        json_object *item = json_object_array_get_idx(list, i);
        struct sso_role_ref role;

        role.account_id = strdup(account_id);
        role.role_name = strdup(get_string(item, "roleName",
                                           SSO_ROLE_NAME_MAX, true));
        if (role.account_id == NULL || role.role_name == NULL) {
            sso_role_ref_clear(&role);
            return SSO_PARSE_NO_MEMORY;
        }
        roles->roles[roles->count++] = role;
    }
    return SSO_PARSE_OK;
}

enum sso_parse_result
sso_parse_role_page(const char *body, size_t length, const char *account_id,
                    struct sso_role_list *roles, char **next_token)
{
    json_object *root = parse_object(body, length);
    json_object *list;
    enum sso_parse_result result = SSO_PARSE_INVALID;

    *next_token = NULL;
    if (root == NULL)
        goto done;

    list = get_array(root, "roleList");
    if (list == NULL)
        goto done;

    /* The token is read first so that a bad one leaves the list as it was. */
    result = get_next_token(root, next_token);
    if (result != SSO_PARSE_OK)
        goto done;

    result = collect_roles(list, account_id, roles);
    if (result != SSO_PARSE_OK) {
        free(*next_token);
        *next_token = NULL;
    }

done:
    json_object_put(root);
    return result;
}

static bool
is_access_key_id(const char *s)
{
    size_t length = s != NULL ? strlen(s) : 0;

    return length >= 16 && length <= 128
           && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == length;
}

enum sso_parse_result
sso_parse_role_credentials(const char *body, size_t length,
                           struct sso_credentials *creds)
{
    json_object *root = parse_object(body, length);
    json_object *inner = NULL;
    json_object *expiration = NULL;
    const char *key_id;
    const char *secret = NULL;
    const char *session = NULL;
    enum sso_parse_result result = SSO_PARSE_INVALID;

    memset(creds, 0, sizeof(*creds));
    if (root == NULL
        || !json_object_object_get_ex(root, "roleCredentials", &inner)
        || !json_object_is_type(inner, json_type_object))
        goto done;

    key_id = get_string(inner, "accessKeyId", 128, false);
    secret = get_string(inner, "secretAccessKey", SSO_CREDENTIAL_MAX, false);
    session = get_string(inner, "sessionToken", SSO_CREDENTIAL_MAX, false);
    if (!is_access_key_id(key_id) || secret == NULL || session == NULL)
        goto done;

    /* An integer only: json-c would read "1700000000000" or 1.7e12 too. */
    if (!json_object_object_get_ex(inner, "expiration", &expiration)
        || !json_object_is_type(expiration, json_type_int)
        || json_object_get_int64(expiration) <= 0
        || json_object_get_int64(expiration) == INT64_MAX)
        goto done;

    result = SSO_PARSE_NO_MEMORY;
    creds->access_key_id = strdup(key_id);
    creds->secret_access_key = strdup(secret);
    creds->session_token = strdup(session);
    creds->expiration_ms = json_object_get_int64(expiration);
    if (creds->access_key_id == NULL || creds->secret_access_key == NULL
        || creds->session_token == NULL) {
        sso_credentials_clear(creds);
        goto done;
    }
    result = SSO_PARSE_OK;

done:
    /* Wipe json-c's copies of the secrets in the tree before it is freed.
     * NOTE: the tokener's scratch buffer may keep a copy too, and json-c
     * offers no supported way to reach it. */
    if (secret != NULL)
        sso_wipe((void *) (uintptr_t) secret, strlen(secret));
    if (session != NULL)
        sso_wipe((void *) (uintptr_t) session, strlen(session));
    json_object_put(root);
    return result;
}
