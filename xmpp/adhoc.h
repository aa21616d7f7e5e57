/*
 * adhoc.h: XEP-0050 ad-hoc commands on lobbyd's own JID, as plain structs.
 *
 * A request is parsed into struct adhoc_request (node, action, session, the
 * submitted data-form fields); whoever runs the command fills struct
 * adhoc_reply (a form to fill in, a result with fields and a table, or a
 * refusal) and adhoc_render() turns it into the IQ answer. No state is kept
 * here: a two-stage command carries everything in its submitted form.
 */
#ifndef LOBBYD_XMPP_ADHOC_H
#define LOBBYD_XMPP_ADHOC_H

#include <stdbool.h>
#include <stddef.h>

#include <strophe.h>

#define ADHOC_NS "http://jabber.org/protocol/commands"
#define ADHOC_MAX_FIELDS 8
#define ADHOC_WHY_MAX 160

enum adhoc_action { ADHOC_EXECUTE, ADHOC_COMPLETE, ADHOC_CANCEL };

struct adhoc_request {
    const char *from;                  /* full JID of the sender */
    const char *node;
    const char *sessionid;             /* NULL on a first stage */
    enum adhoc_action action;
    bool submitted;                    /* a data form of type 'submit' came along */
    size_t n_fields;
    struct {
        const char *var;
        const char *value;             /* first <value/>, "" when empty */
    } fields[ADHOC_MAX_FIELDS];
};

/*
 * Parse the <command/> of IQ set 'iq'. The strings point into 'iq' and live
 * as long as it does. Returns 0, or -1 with 'why' (ADHOC_WHY_MAX) saying
 * what is wrong (answered with bad-request).
 */
int adhoc_parse(xmpp_stanza_t *iq, struct adhoc_request *out, char *why);

/* The submitted value of field 'var', or NULL. */
const char *adhoc_value(const struct adhoc_request *rq, const char *var);

enum adhoc_status { ADHOC_COMPLETED, ADHOC_EXECUTING, ADHOC_CANCELED, ADHOC_REFUSED };

struct adhoc_field {
    const char *var;
    const char *type;                  /* "text-single", "boolean", "fixed", ... */
    const char *label;
    const char *value;                 /* or NULL */
    bool required;
};

struct adhoc_reply {
    enum adhoc_status status;
    const char *note;                  /* shown to the user, or NULL */
    const char *note_type;             /* "info", "warn", "error"; NULL: "info" */
    const char *title;                 /* of the form or result, or NULL */
    const char *instructions;          /* EXECUTING: what to fill in */
    size_t n_fields;                   /* the form's fields, or the result's */
    struct adhoc_field fields[ADHOC_MAX_FIELDS];
    size_t n_columns;                  /* COMPLETED: an optional table */
    const char *const *columns;        /* column vars */
    const char *const *column_labels;
    size_t n_rows;
    const char *const *cells;          /* n_rows * n_columns, row by row; NULL: empty */
    const char *error_type;            /* REFUSED: "auth", "cancel", "modify" */
    const char *condition;             /* REFUSED: a stanza error condition */
    const char *text;                  /* REFUSED: why, for the user */
};

/* The answer to 'iq' (from lobbyd's 'from') that 'r' describes. Cannot fail. */
xmpp_stanza_t *adhoc_render(xmpp_stanza_t *iq, const char *from, const struct adhoc_request *rq,
                            const struct adhoc_reply *r, const char *sessionid);

/* One command as disco#items lists it. */
struct adhoc_item {
    const char *node;
    const char *name;
};

/* The disco#items answer for the commands node: 'items[0..n)'. Cannot fail. */
xmpp_stanza_t *adhoc_items_reply(xmpp_stanza_t *iq, const char *from,
                                 const struct adhoc_item *items, size_t n);

#endif
