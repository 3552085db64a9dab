/*
 * A small recursive-descent recognizer of RFC 8259 JSON.  It is written
 * from the grammar and shares no code with the module's own strictness
 * scan, so that a leniency in json-c or in that scan shows up as a
 * disagreement.  Recursion depth is bounded, so hostile input cannot
 * exhaust the stack.
 *
 * SPDX-License-Identifier: MIT
 */

#include <stdint.h>

#include "json_check.h"

struct cursor {
    const unsigned char *text;
    size_t length;
    size_t at;
};

static bool value(struct cursor *c, unsigned int depth);

/* The byte at the cursor, or -1 at the end of the text. */
static int
peek(const struct cursor *c)
{
    return c->at < c->length ? c->text[c->at] : -1;
}

static bool
take(struct cursor *c, int expected)
{
    if (peek(c) != expected)
        return false;
    c->at++;
    return true;
}

static bool
take_word(struct cursor *c, const char *word)
{
    for (; *word != '\0'; word++)
        if (!take(c, (unsigned char) *word))
            return false;
    return true;
}

static void
skip_whitespace(struct cursor *c)
{
    while (peek(c) == ' ' || peek(c) == '\t' || peek(c) == '\n'
           || peek(c) == '\r')
        c->at++;
}

static bool
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool
is_hex_digit(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Decode one UTF-8 sequence at the cursor into its code point, and reject
 * overlong forms, surrogates and values above U+10FFFF. */
static bool
take_utf8_character(struct cursor *c)
{
    int lead = peek(c);
    uint32_t point;
    uint32_t minimum;
    int extra;
    int i;

    if (lead < 0x80) {
        c->at++;
        return true;
    }
    if ((lead & 0xe0) == 0xc0) {
        point = (uint32_t) (lead & 0x1f);
        extra = 1;
        minimum = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
        point = (uint32_t) (lead & 0x0f);
        extra = 2;
        minimum = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
        point = (uint32_t) (lead & 0x07);
        extra = 3;
        minimum = 0x10000;
    } else {
        return false;
    }

    c->at++;
    for (i = 0; i < extra; i++) {
        int next = peek(c);

        if (next < 0 || (next & 0xc0) != 0x80)
            return false;
        point = (point << 6) | (uint32_t) (next & 0x3f);
        c->at++;
    }
    return point >= minimum && point <= 0x10ffff
           && !(point >= 0xd800 && point <= 0xdfff);
}

/* An escape after the backslash: one of "\/bfnrt or u and four hex digits. */
static bool
take_escape(struct cursor *c)
{
    int next = peek(c);
    int i;

    c->at++;
    if (next != 'u')
        return next == '"' || next == '\\' || next == '/' || next == 'b'
               || next == 'f' || next == 'n' || next == 'r' || next == 't';

    for (i = 0; i < 4; i++) {
        if (!is_hex_digit(peek(c)))
            return false;
        c->at++;
    }
    return true;
}

static bool
string(struct cursor *c)
{
    if (!take(c, '"'))
        return false;

    while (true) {
        int next = peek(c);

        if (next < 0x20)
            return false;       /* the end of the text, or a control byte */
        if (next == '"') {
            c->at++;
            return true;
        }
        if (next == '\\') {
            c->at++;
            if (!take_escape(c))
                return false;
        } else if (!take_utf8_character(c)) {
            return false;
        }
    }
}

static bool
take_digits(struct cursor *c)
{
    if (!is_digit(peek(c)))
        return false;
    while (is_digit(peek(c)))
        c->at++;
    return true;
}

/* number = [ "-" ] int [ "." 1*DIGIT ] [ ("e" / "E") [ "-" / "+" ] 1*DIGIT ]
 * where int is "0" or a digit 1-9 followed by digits. */
static bool
number(struct cursor *c)
{
    take(c, '-');
    if (!take(c, '0') && !take_digits(c))
        return false;
    if (take(c, '.') && !take_digits(c))
        return false;
    if (take(c, 'e') || take(c, 'E')) {
        if (!take(c, '-'))
            take(c, '+');
        if (!take_digits(c))
            return false;
    }
    return true;
}

static bool
array(struct cursor *c, unsigned int depth)
{
    if (!take(c, '['))
        return false;
    skip_whitespace(c);
    if (take(c, ']'))
        return true;

    while (true) {
        if (!value(c, depth + 1))
            return false;
        skip_whitespace(c);
        if (take(c, ']'))
            return true;
        if (!take(c, ','))
            return false;
    }
}

static bool
object(struct cursor *c, unsigned int depth)
{
    if (!take(c, '{'))
        return false;
    skip_whitespace(c);
    if (take(c, '}'))
        return true;

    while (true) {
        skip_whitespace(c);
        if (!string(c))
            return false;
        skip_whitespace(c);
        if (!take(c, ':'))
            return false;
        if (!value(c, depth + 1))
            return false;
        skip_whitespace(c);
        if (take(c, '}'))
            return true;
        if (!take(c, ','))
            return false;
    }
}

/* A value with the whitespace before it; DEPTH counts the enclosing
 * objects and arrays. */
static bool
value(struct cursor *c, unsigned int depth)
{
    if (depth > JSON_CHECK_DEPTH_MAX)
        return false;

    skip_whitespace(c);
    switch (peek(c)) {
    case '{':
        return object(c, depth);
    case '[':
        return array(c, depth);
    case '"':
        return string(c);
    case 't':
        return take_word(c, "true");
    case 'f':
        return take_word(c, "false");
    case 'n':
        return take_word(c, "null");
    default:
        return number(c);
    }
}

bool
json_check_object_text(const char *text, size_t length)
{
    struct cursor c = { (const unsigned char *) text, length, 0 };

    skip_whitespace(&c);
    if (peek(&c) != '{' || !value(&c, 0))
        return false;
    skip_whitespace(&c);
    return c.at == c.length;
}
