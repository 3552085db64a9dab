/*
 * A small PAM application for the integration tests and the demo.
 *
 * It runs a sequence of PAM calls on one handle through the real libpam.
 * It answers echo-off prompts with the bytes of the token files given, one
 * file per prompt and the last one again once they run out.  It prints what
 * happened on standard output, one line per event:
 *
 *   PROMPT <style> <text>     a prompt the module sent
 *   INFO <text> / ERROR <text>
 *   STEP <name> <code> <PAM error text>
 *   FAIL_DELAY <code> <usec>  the delay libpam requests after a failure
 *   ENV <NAME=value>          the PAM environment after the last step
 *
 * --no-conv installs a conversation without a function, as cron-style
 * callers do.  The step "forkauth" authenticates in a child process as
 * sshd does, and "pause" waits for the end of standard input.
 * --repeat N runs the whole sequence N times, each on a fresh handle, for
 * memory checks over many logins in one process.
 *
 * Tests point libpam at their own service files with pam_wrapper
 * (LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=...).
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define TOKENS_MAX 8

struct driver {
    char *tokens[TOKENS_MAX];  /* answers to echo-off prompts, in order */
    size_t token_count;
    size_t prompts;            /* echo-off prompts answered so far */
    bool fail_conversation;    /* the conversation fails every call */
    bool reply_to_messages;    /* reply to info and error messages too */
    bool mask;                 /* hide secret values when printing ENV */
};

/* The answer to the next echo-off prompt: the next token file, the last
 * one again once they run out, or NULL when there is none. */
static const char *
next_token(struct driver *driver)
{
    size_t index = driver->prompts++;

    if (driver->token_count == 0)
        return NULL;
    if (index >= driver->token_count)
        index = driver->token_count - 1;
    return driver->tokens[index];
}

static void
print_text(const char *label, const char *text)
{
    const char *p;

    printf("%s ", label);
    for (p = text; p != NULL && *p != '\0'; p++)
        putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
    putchar('\n');
}

static int
converse(int count, const struct pam_message **messages,
         struct pam_response **responses, void *context)
{
    struct driver *driver = context;
    struct pam_response *replies;
    int i;

    if (driver->fail_conversation)
        return PAM_CONV_ERR;

    replies = calloc((size_t) count, sizeof(*replies));
    if (replies == NULL)
        return PAM_BUF_ERR;

    for (i = 0; i < count; i++) {
        const struct pam_message *message = messages[i];

        switch (message->msg_style) {
        case PAM_PROMPT_ECHO_OFF: {
            const char *token = next_token(driver);

            print_text("PROMPT echo_off", message->msg);
            if (token != NULL)
                replies[i].resp = strdup(token);
            break;
        }
        case PAM_PROMPT_ECHO_ON:
            print_text("PROMPT echo_on", message->msg);
            break;
        case PAM_ERROR_MSG:
            print_text("ERROR", message->msg);
            break;
        default:
            print_text("INFO", message->msg);
            break;
        }

        /* An unrequested reply, which the module must free. */
        if (driver->reply_to_messages && replies[i].resp == NULL
            && (message->msg_style == PAM_ERROR_MSG
                || message->msg_style == PAM_TEXT_INFO))
            replies[i].resp = strdup("unrequested reply");
    }

    *responses = replies;
    return PAM_SUCCESS;
}

/* Record the delay that libpam would wait after a failure, instead of
 * waiting, so that failing tests stay fast and can check the delay. */
static void
record_fail_delay(int status, unsigned int usec, void *appdata)
{
    (void) appdata;
    printf("FAIL_DELAY %d %u\n", status, usec);
}

/* Read the whole of PATH; the token is the file's bytes as they are. */
static char *
read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    char *data = NULL;
    size_t length = 0;
    size_t capacity = 0;
    int c;

    if (file == NULL)
        return NULL;
    while ((c = getc(file)) != EOF) {
        if (length + 1 >= capacity) {
            char *grown;

            capacity = capacity == 0 ? 1024 : capacity * 2;
            grown = realloc(data, capacity);
            if (grown == NULL) {
                free(data);
                fclose(file);
                return NULL;
            }
            data = grown;
        }
        data[length++] = (char) c;
    }
    fclose(file);
    if (data == NULL)
        data = calloc(1, 1);
    else
        data[length] = '\0';
    return data;
}

static bool
is_secret_name(const char *entry)
{
    return strncmp(entry, "AWS_SECRET_ACCESS_KEY=", 22) == 0
           || strncmp(entry, "AWS_SESSION_TOKEN=", 18) == 0
           || strncmp(entry, "AWS_SECURITY_TOKEN=", 19) == 0;
}

static void
print_environment(pam_handle_t *pamh, bool mask)
{
    char **list = pam_getenvlist(pamh);
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; list[i] != NULL; i++) {
        const char *equals = strchr(list[i], '=');

        if (mask && equals != NULL && is_secret_name(list[i]))
            printf("ENV %.*s=%.4s... (%zu characters, masked)\n",
                   (int) (equals - list[i]), list[i], equals + 1,
                   strlen(equals + 1));
        else
            print_text("ENV", list[i]);
        free(list[i]);
    }
    free(list);
}

/*
 * pam_authenticate the way sshd's keyboard-interactive method runs it: in a
 * forked child that exits without pam_end, so that only the result and the
 * PAM environment come back to this process (pam_set_data does not).
 */
static int
authenticate_in_child(pam_handle_t *pamh)
{
    char buffer[65536];
    size_t length = 0;
    char *entry;
    int pipefd[2];
    int status;
    pid_t child;

    if (pipe(pipefd) != 0)
        return PAM_SYSTEM_ERR;
    fflush(stdout);
    child = fork();
    if (child < 0)
        return PAM_SYSTEM_ERR;

    if (child == 0) {
        int pamret = pam_authenticate(pamh, 0);
        char **list = pam_getenvlist(pamh);
        FILE *out = fdopen(pipefd[1], "w");

        close(pipefd[0]);
        fprintf(out, "%d", pamret);
        fputc('\0', out);
        for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
            fputs(list[i], out);
            fputc('\0', out);
            free(list[i]);
        }
        free(list);
        fclose(out);

        /* exit, not sshd's _exit, so that pam_wrapper's exit handler
         * removes the folder it made for this process.  Neither runs
         * pam_end, which is what matters here. */
        exit(0);
    }

    close(pipefd[1]);
    while (length < sizeof(buffer) - 1) {
        ssize_t got = read(pipefd[0], buffer + length,
                           sizeof(buffer) - 1 - length);

        if (got <= 0)
            break;
        length += (size_t) got;
    }
    close(pipefd[0]);
    waitpid(child, &status, 0);
    buffer[length] = '\0';
    if (length == 0)
        return PAM_SYSTEM_ERR;

    /* As sshd does: the environment crosses only after a success. */
    if (atoi(buffer) == PAM_SUCCESS)
        for (entry = buffer + strlen(buffer) + 1; entry < buffer + length;
             entry += strlen(entry) + 1)
            pam_putenv(pamh, entry);
    return atoi(buffer);
}

/* Stop until standard input reaches its end, so that a test can look at
 * the machine while the session is open. */
static int
pause_until_eof(void)
{
    char buffer[256];

    printf("PAUSED\n");
    fflush(stdout);
    while (read(STDIN_FILENO, buffer, sizeof(buffer)) > 0)
        continue;
    return PAM_SUCCESS;
}

static int
run_step(pam_handle_t *pamh, const char *step)
{
    if (strcmp(step, "auth") == 0)
        return pam_authenticate(pamh, 0);
    if (strcmp(step, "forkauth") == 0)
        return authenticate_in_child(pamh);
    if (strcmp(step, "pause") == 0)
        return pause_until_eof();
    if (strcmp(step, "setcred") == 0)
        return pam_setcred(pamh, PAM_ESTABLISH_CRED);
    if (strcmp(step, "delcred") == 0)
        return pam_setcred(pamh, PAM_DELETE_CRED);
    if (strcmp(step, "open") == 0)
        return pam_open_session(pamh, 0);
    if (strcmp(step, "close") == 0)
        return pam_close_session(pamh, 0);
    if (strcmp(step, "acct") == 0)
        return pam_acct_mgmt(pamh, 0);
    if (strcmp(step, "chauthtok") == 0)
        return pam_chauthtok(pamh, 0);
    fprintf(stderr, "pam_driver: unknown step '%s'\n", step);
    return -1;
}

/* The settings of one run of the step sequence, apart from the
 * conversation. */
struct sequence {
    const char *service;
    const char *user;
    const struct pam_conv *conv;
    const char *rhost;
    const char *tty;
    const char *steps;         /* comma-separated step names */
    bool keep_going;           /* run the remaining steps after a failure */
};

/* Run the step sequence once on a fresh PAM handle and print the PAM
 * environment after it.  Returns 0 when every step succeeded, 1 when one
 * failed and 2 for an unknown step. */
static int
run_sequence(const struct sequence *sequence, struct driver *driver)
{
    pam_handle_t *pamh = NULL;
    char steps[256];
    bool failed = false;
    char *step;
    char *cursor;
    int pamret;

    snprintf(steps, sizeof(steps), "%s", sequence->steps);
    driver->prompts = 0;
    pamret = pam_start(sequence->service, sequence->user, sequence->conv,
                       &pamh);
    if (pamret != PAM_SUCCESS) {
        printf("STEP start %d %s\n", pamret, pam_strerror(NULL, pamret));
        return 1;
    }
    pam_set_item(pamh, PAM_FAIL_DELAY, (const void *) record_fail_delay);
    if (sequence->rhost != NULL)
        pam_set_item(pamh, PAM_RHOST, sequence->rhost);
    if (sequence->tty != NULL)
        pam_set_item(pamh, PAM_TTY, sequence->tty);

    for (step = strtok_r(steps, ",", &cursor); step != NULL;
         step = strtok_r(NULL, ",", &cursor)) {
        pamret = run_step(pamh, step);
        if (pamret < 0) {
            pam_end(pamh, PAM_ABORT);
            return 2;
        }
        printf("STEP %s %d %s\n", step, pamret, pam_strerror(pamh, pamret));
        if (pamret != PAM_SUCCESS) {
            failed = true;
            if (!sequence->keep_going)
                break;
        }
    }

    print_environment(pamh, driver->mask);
    pam_end(pamh, failed ? PAM_AUTH_ERR : PAM_SUCCESS);
    return failed ? 1 : 0;
}

static void
usage(void)
{
    fprintf(stderr,
            "usage: pam_driver [--service NAME] [--user USER] "
            "[--token-file FILE] [--no-conv] [--fail-conv]\n"
            "                  [--rhost HOST] [--tty TTY] [--mask] "
            "[--keep-going] [--reply-to-messages]\n"
            "                  [--steps auth,setcred,open,...] "
            "[--repeat N]\n");
}

int
main(int argc, char **argv)
{
    struct driver driver = { { NULL }, 0, 0, false, false, false };
    struct pam_conv conv = { converse, &driver };
    struct pam_conv no_function = { NULL, NULL };
    struct sequence sequence = { "pam_sso_test", "alice", &conv, NULL, NULL,
                                 "auth,setcred,open", false };
    long repeat = 1;
    long round;
    int status = 0;
    int i;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(arg, "--no-conv") == 0) {
            sequence.conv = &no_function;
        } else if (strcmp(arg, "--fail-conv") == 0) {
            driver.fail_conversation = true;
        } else if (strcmp(arg, "--reply-to-messages") == 0) {
            driver.reply_to_messages = true;
        } else if (strcmp(arg, "--mask") == 0) {
            driver.mask = true;
        } else if (strcmp(arg, "--keep-going") == 0) {
            sequence.keep_going = true;
        } else if (value == NULL) {
            usage();
            return 2;
        } else if (strcmp(arg, "--service") == 0) {
            sequence.service = argv[++i];
        } else if (strcmp(arg, "--user") == 0) {
            sequence.user = argv[++i];
        } else if (strcmp(arg, "--rhost") == 0) {
            sequence.rhost = argv[++i];
        } else if (strcmp(arg, "--tty") == 0) {
            sequence.tty = argv[++i];
        } else if (strcmp(arg, "--steps") == 0) {
            sequence.steps = argv[++i];
        } else if (strcmp(arg, "--repeat") == 0) {
            char *end;

            errno = 0;
            repeat = strtol(argv[++i], &end, 10);
            if (*end != '\0' || end == argv[i] || errno != 0 || repeat < 1) {
                fprintf(stderr, "pam_driver: invalid --repeat '%s', "
                        "expected a whole number of 1 or more\n", argv[i]);
                return 2;
            }
        } else if (strcmp(arg, "--token-file") == 0) {
            char *token;

            if (driver.token_count == TOKENS_MAX) {
                usage();
                return 2;
            }
            token = read_file(argv[++i]);
            if (token == NULL) {
                perror(argv[i]);
                return 2;
            }
            driver.tokens[driver.token_count++] = token;
        } else {
            usage();
            return 2;
        }
    }

    /* With --keep-going a failed round does not stop the later ones, as a
     * failed step does not stop the later steps. */
    for (round = 0; round < repeat; round++) {
        int result = run_sequence(&sequence, &driver);

        if (result > status)
            status = result;
        /* Each round's lines reach a pipe as the round ends, so a watcher
         * can tell how far a long run has got. */
        fflush(stdout);
        if (result == 2 || (result != 0 && !sequence.keep_going))
            break;
    }

    for (i = 0; i < (int) driver.token_count; i++)
        free(driver.tokens[i]);
    return status;
}
