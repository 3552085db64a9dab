/*
 * Parsers for STS's XML responses, with expat.
 *
 * STS responds in XML by default, and its JSON form is not documented for this
 * request, so the module reads the XML that AWS documents.  The reader is
 * a stream over a small fixed shape.  A document type declaration stops
 * it, because it is the door to entity expansion.  So do a processing
 * instruction, deeper nesting or more elements than any STS response has,
 * text mixed with elements, and a repeated field.
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <expat.h>

#include "sts_xml.h"
#include "text.h"

/* Between the namespace URI and the local name in expat's element names. */
#define NAME_SEPARATOR ' '

#define LEAVES_MAX 2

/* The role of an open element in the expected shape. */
enum node {
    NODE_ROOT,
    NODE_CONTAINER,
    NODE_LEAF,              /* plus the leaf's index */
    NODE_OTHER = NODE_LEAF + LEAVES_MAX,
};

/* A field the reader keeps: the text of CONTAINER/NAME under the root. */
struct leaf {
    const char *name;
    char *out;
    size_t size;            /* of OUT, with room for the NUL */
    size_t length;
    bool seen;
};

struct reader {
    XML_Parser parser;
    const char *root;
    const char *container;
    const char *namespace;  /* required on the root, or NULL for any */
    struct leaf leaves[LEAVES_MAX];
    size_t leaf_count;
    enum node stack[SSO_XML_DEPTH_MAX];
    unsigned int depth;
    unsigned int elements;
    bool failed;
};

static void
fail(struct reader *reader)
{
    reader->failed = true;
    XML_StopParser(reader->parser, XML_FALSE);
}

/* The local part of an expat element NAME, and whether its namespace is
 * NAMESPACE (any namespace, or none, when NAMESPACE is NULL). */
static const char *
local_name(const char *name, const char *namespace, bool *in_namespace)
{
    const char *separator = strrchr(name, NAME_SEPARATOR);
    size_t uri_length;

    if (separator == NULL) {
        *in_namespace = namespace == NULL;
        return name;
    }
    uri_length = (size_t) (separator - name);
    *in_namespace = namespace == NULL
                    || (strlen(namespace) == uri_length
                        && strncmp(name, namespace, uri_length) == 0);
    return separator + 1;
}

/* Classify the element NAME, opened under PARENT. */
static enum node
classify(struct reader *reader, enum node parent, const char *name)
{
    bool in_namespace;
    const char *local = local_name(name, reader->namespace, &in_namespace);
    size_t i;

    if (reader->depth == 0)
        return in_namespace && strcmp(local, reader->root) == 0
               ? NODE_ROOT : NODE_OTHER;
    if (parent == NODE_ROOT && strcmp(local, reader->container) == 0)
        return NODE_CONTAINER;
    if (parent == NODE_CONTAINER)
        for (i = 0; i < reader->leaf_count; i++)
            if (strcmp(local, reader->leaves[i].name) == 0)
                return (enum node) (NODE_LEAF + i);
    return NODE_OTHER;
}

static bool
is_leaf(enum node node)
{
    return node >= NODE_LEAF && node < NODE_OTHER;
}

static void XMLCALL
start_element(void *context, const XML_Char *name, const XML_Char **attributes)
{
    struct reader *reader = context;
    enum node parent = reader->depth > 0 ? reader->stack[reader->depth - 1]
                                         : NODE_OTHER;
    enum node node;

    (void) attributes;
    if (reader->failed)
        return;
    if (reader->depth >= SSO_XML_DEPTH_MAX
        || ++reader->elements > SSO_XML_ELEMENTS_MAX || is_leaf(parent)) {
        fail(reader);
        return;
    }

    node = classify(reader, parent, name);
    if ((reader->depth == 0 && node != NODE_ROOT)
        || (is_leaf(node) && reader->leaves[node - NODE_LEAF].seen)) {
        fail(reader);
        return;
    }
    reader->stack[reader->depth++] = node;
}

static void XMLCALL
end_element(void *context, const XML_Char *name)
{
    struct reader *reader = context;
    enum node node;
    struct leaf *leaf;

    (void) name;
    if (reader->failed || reader->depth == 0)
        return;

    node = reader->stack[--reader->depth];
    if (!is_leaf(node))
        return;
    leaf = &reader->leaves[node - NODE_LEAF];
    leaf->out[leaf->length] = '\0';
    leaf->seen = true;
}

static bool
is_blank(const char *text, int length)
{
    int i;

    for (i = 0; i < length; i++)
        if (strchr(" \t\r\n", text[i]) == NULL)
            return false;
    return true;
}

static void XMLCALL
character_data(void *context, const XML_Char *text, int length)
{
    struct reader *reader = context;
    enum node node;
    struct leaf *leaf;

    if (reader->failed || reader->depth == 0)
        return;

    node = reader->stack[reader->depth - 1];
    if (!is_leaf(node)) {
        /* Skipped elements may contain text, but the frame around the
         * fields contains only whitespace. */
        if (node != NODE_OTHER && !is_blank(text, length))
            fail(reader);
        return;
    }

    leaf = &reader->leaves[node - NODE_LEAF];
    if ((size_t) length >= leaf->size - leaf->length) {
        fail(reader);
        return;
    }
    memcpy(leaf->out + leaf->length, text, (size_t) length);
    leaf->length += (size_t) length;
}

static void XMLCALL
refuse_doctype(void *context, const XML_Char *name, const XML_Char *system_id,
               const XML_Char *public_id, int has_internal_subset)
{
    (void) name;
    (void) system_id;
    (void) public_id;
    (void) has_internal_subset;
    fail(context);
}

static void XMLCALL
refuse_instruction(void *context, const XML_Char *target,
                   const XML_Char *data)
{
    (void) target;
    (void) data;
    fail(context);
}

/* Run READER over BODY.  Returns SSO_PARSE_OK when the document is well
 * formed, kept to the bounds, and every leaf was found. */
static enum sso_parse_result
run_reader(struct reader *reader, const char *body, size_t length)
{
    enum sso_parse_result result = SSO_PARSE_INVALID;
    size_t i;

    if (length > (size_t) INT32_MAX)
        return SSO_PARSE_INVALID;

    /* The encoding argument overrides whatever the document declares. */
    reader->parser = XML_ParserCreateNS("UTF-8", NAME_SEPARATOR);
    if (reader->parser == NULL)
        return SSO_PARSE_NO_MEMORY;
    XML_SetUserData(reader->parser, reader);
    XML_SetElementHandler(reader->parser, start_element, end_element);
    XML_SetCharacterDataHandler(reader->parser, character_data);
    XML_SetStartDoctypeDeclHandler(reader->parser, refuse_doctype);
    XML_SetProcessingInstructionHandler(reader->parser, refuse_instruction);
    XML_SetParamEntityParsing(reader->parser, XML_PARAM_ENTITY_PARSING_NEVER);

    if (XML_Parse(reader->parser, body, (int) length, XML_TRUE)
            != XML_STATUS_OK || reader->failed) {
        if (XML_GetErrorCode(reader->parser) == XML_ERROR_NO_MEMORY)
            result = SSO_PARSE_NO_MEMORY;
        goto done;
    }
    for (i = 0; i < reader->leaf_count; i++)
        if (!reader->leaves[i].seen)
            goto done;
    result = SSO_PARSE_OK;

done:
    XML_ParserFree(reader->parser);
    reader->parser = NULL;
    return result;
}

static bool
is_account_id(const char *text)
{
    return strlen(text) == 12 && strspn(text, "0123456789") == 12;
}

enum sso_parse_result
sso_parse_caller_identity(const char *body, size_t length,
                          struct sso_caller_identity *identity)
{
    struct reader reader;
    enum sso_parse_result result;
    size_t arn_length;

    memset(identity, 0, sizeof(*identity));
    memset(&reader, 0, sizeof(reader));
    reader.root = "GetCallerIdentityResponse";
    reader.container = "GetCallerIdentityResult";
    reader.namespace = SSO_STS_NAMESPACE;
    reader.leaves[0] = (struct leaf) { "Arn", identity->arn,
                                       sizeof(identity->arn), 0, false };
    reader.leaves[1] = (struct leaf) { "Account", identity->account,
                                       sizeof(identity->account), 0, false };
    reader.leaf_count = 2;

    result = run_reader(&reader, body, length);
    if (result != SSO_PARSE_OK)
        goto done;

    arn_length = strlen(identity->arn);
    if (arn_length < 20 || !sso_is_printable(identity->arn, arn_length, false)
        || !is_account_id(identity->account))
        result = SSO_PARSE_INVALID;

done:
    if (result != SSO_PARSE_OK)
        memset(identity, 0, sizeof(*identity));
    return result;
}

enum sso_parse_result
sso_parse_sts_error(const char *body, size_t length, char *code)
{
    struct reader reader;
    enum sso_parse_result result;

    memset(&reader, 0, sizeof(reader));
    code[0] = '\0';
    reader.root = "ErrorResponse";
    reader.container = "Error";
    reader.leaves[0] = (struct leaf) { "Code", code, SSO_STS_CODE_MAX, 0,
                                       false };
    reader.leaf_count = 1;

    result = run_reader(&reader, body, length);
    if (result == SSO_PARSE_OK
        && (code[0] == '\0' || !sso_is_printable(code, strlen(code), false)))
        result = SSO_PARSE_INVALID;
    if (result != SSO_PARSE_OK)
        code[0] = '\0';
    return result;
}
