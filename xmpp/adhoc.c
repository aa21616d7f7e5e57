/*
 * adhoc.c: XEP-0050 commands in and out (see adhoc.h). The data forms are
 * XEP-0004: a 'form' to fill in, a 'result' with fields and, for lists,
 * <reported/> columns and one <item/> per row.
 */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "xmpp/adhoc.h"
#include "xmpp/stanza.h"

#define NS_DATA "jabber:x:data"
#define NS_DISCO_ITEMS "http://jabber.org/protocol/disco#items"

static const char *field_value(xmpp_stanza_t *field)
{
    xmpp_stanza_t *v = stanza_child(field, "value", NULL);
    const char *text;

    if (v == NULL)
        return "";
    v = xmpp_stanza_get_children(v);
    text = v != NULL && xmpp_stanza_is_text(v) ? xmpp_stanza_get_text_ptr(v) : NULL;
    return text != NULL ? text : "";
}

int adhoc_parse(xmpp_stanza_t *iq, struct adhoc_request *out, char *why)
{
    xmpp_stanza_t *cmd = stanza_child(iq, "command", ADHOC_NS);
    xmpp_stanza_t *x, *f;
    const char *action;

    memset(out, 0, sizeof(*out));
    why[0] = '\0';
    out->from = xmpp_stanza_get_from(iq);
    if (cmd == NULL || out->from == NULL) {
        snprintf(why, ADHOC_WHY_MAX, "not a command from a client");
        return -1;
    }
    out->node = xmpp_stanza_get_attribute(cmd, "node");
    if (out->node == NULL || out->node[0] == '\0') {
        snprintf(why, ADHOC_WHY_MAX, "a command needs a node");
        return -1;
    }
    out->sessionid = xmpp_stanza_get_attribute(cmd, "sessionid");
    action = xmpp_stanza_get_attribute(cmd, "action");
    if (action == NULL || strcmp(action, "execute") == 0 || strcmp(action, "next") == 0)
        out->action = ADHOC_EXECUTE;
    else if (strcmp(action, "complete") == 0)
        out->action = ADHOC_COMPLETE;
    else if (strcmp(action, "cancel") == 0)
        out->action = ADHOC_CANCEL;
    else {
        snprintf(why, ADHOC_WHY_MAX, "unknown action \"%.40s\"", action);
        return -1;
    }
    x = stanza_child(cmd, "x", NS_DATA);
    if (x == NULL)
        return 0;
    if (xmpp_stanza_get_type(x) == NULL || strcmp(xmpp_stanza_get_type(x), "submit") != 0)
        return 0;
    out->submitted = true;
    for (f = xmpp_stanza_get_children(x); f != NULL; f = xmpp_stanza_get_next(f)) {
        const char *var;

        if (!xmpp_stanza_is_tag(f) || strcmp(xmpp_stanza_get_name(f), "field") != 0)
            continue;
        var = xmpp_stanza_get_attribute(f, "var");
        if (var == NULL)
            continue;
        if (out->n_fields == ADHOC_MAX_FIELDS) {
            snprintf(why, ADHOC_WHY_MAX, "more than %d fields", ADHOC_MAX_FIELDS);
            return -1;
        }
        out->fields[out->n_fields].var = var;
        out->fields[out->n_fields].value = field_value(f);
        out->n_fields++;
    }
    return 0;
}

const char *adhoc_value(const struct adhoc_request *rq, const char *var)
{
    for (size_t i = 0; i < rq->n_fields; i++)
        if (strcmp(rq->fields[i].var, var) == 0)
            return rq->fields[i].value;
    return NULL;
}

static void add_field(xmpp_stanza_t *x, const struct adhoc_field *f, bool form)
{
    xmpp_stanza_t *n = stanza_add(x, "field", NULL, NULL);

    xmpp_stanza_set_attribute(n, "var", f->var);
    if (f->type != NULL)
        xmpp_stanza_set_attribute(n, "type", f->type);
    if (f->label != NULL)
        xmpp_stanza_set_attribute(n, "label", f->label);
    if (form && f->required)
        stanza_add(n, "required", NULL, NULL);
    if (f->value != NULL)
        stanza_add(n, "value", NULL, f->value);
}

static void add_table(xmpp_stanza_t *x, const struct adhoc_reply *r)
{
    xmpp_stanza_t *reported = stanza_add(x, "reported", NULL, NULL);

    for (size_t c = 0; c < r->n_columns; c++) {
        xmpp_stanza_t *f = stanza_add(reported, "field", NULL, NULL);

        xmpp_stanza_set_attribute(f, "var", r->columns[c]);
        if (r->column_labels != NULL)
            xmpp_stanza_set_attribute(f, "label", r->column_labels[c]);
    }
    for (size_t i = 0; i < r->n_rows; i++) {
        xmpp_stanza_t *item = stanza_add(x, "item", NULL, NULL);

        for (size_t c = 0; c < r->n_columns; c++) {
            xmpp_stanza_t *f = stanza_add(item, "field", NULL, NULL);
            const char *v = r->cells[i * r->n_columns + c];

            xmpp_stanza_set_attribute(f, "var", r->columns[c]);
            stanza_add(f, "value", NULL, v != NULL ? v : "");
        }
    }
}

static const char *status_name(enum adhoc_status s)
{
    switch (s) {
    case ADHOC_EXECUTING:
        return "executing";
    case ADHOC_CANCELED:
        return "canceled";
    case ADHOC_COMPLETED:
    case ADHOC_REFUSED:
        break;
    }
    return "completed";
}

xmpp_stanza_t *adhoc_render(xmpp_stanza_t *iq, const char *from, const struct adhoc_request *rq,
                            const struct adhoc_reply *r, const char *sessionid)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(iq);
    xmpp_stanza_t *reply, *cmd, *x;

    if (r->status == ADHOC_REFUSED)
        return stanza_error_reply(iq, from, r->error_type != NULL ? r->error_type : "cancel",
                                  r->condition != NULL ? r->condition : "not-allowed", r->text);
    reply = xmpp_iq_new(ctx, "result", xmpp_stanza_get_id(iq));
    if (reply == NULL)
        fatalx("out of memory building a command answer");
    xmpp_stanza_set_from(reply, from);
    if (xmpp_stanza_get_from(iq) != NULL)
        xmpp_stanza_set_to(reply, xmpp_stanza_get_from(iq));
    cmd = stanza_add(reply, "command", ADHOC_NS, NULL);
    xmpp_stanza_set_attribute(cmd, "node", rq->node);
    xmpp_stanza_set_attribute(cmd, "sessionid", sessionid);
    xmpp_stanza_set_attribute(cmd, "status", status_name(r->status));
    if (r->status == ADHOC_EXECUTING) {
        xmpp_stanza_t *actions = stanza_add(cmd, "actions", NULL, NULL);

        xmpp_stanza_set_attribute(actions, "execute", "complete");
        stanza_add(actions, "complete", NULL, NULL);
    }
    if (r->note != NULL)
        xmpp_stanza_set_attribute(stanza_add(cmd, "note", NULL, r->note), "type",
                                  r->note_type != NULL ? r->note_type : "info");
    if (r->n_fields == 0 && r->n_columns == 0)
        return reply;
    x = stanza_add(cmd, "x", NS_DATA, NULL);
    xmpp_stanza_set_type(x, r->status == ADHOC_EXECUTING ? "form" : "result");
    if (r->title != NULL)
        stanza_add(x, "title", NULL, r->title);
    if (r->instructions != NULL)
        stanza_add(x, "instructions", NULL, r->instructions);
    for (size_t i = 0; i < r->n_fields; i++)
        add_field(x, &r->fields[i], r->status == ADHOC_EXECUTING);
    if (r->n_columns > 0)
        add_table(x, r);
    return reply;
}

xmpp_stanza_t *adhoc_items_reply(xmpp_stanza_t *iq, const char *from,
                                 const struct adhoc_item *items, size_t n)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(iq);
    xmpp_stanza_t *reply = xmpp_iq_new(ctx, "result", xmpp_stanza_get_id(iq));
    xmpp_stanza_t *q;

    if (reply == NULL)
        fatalx("out of memory building a command list");
    xmpp_stanza_set_from(reply, from);
    if (xmpp_stanza_get_from(iq) != NULL)
        xmpp_stanza_set_to(reply, xmpp_stanza_get_from(iq));
    q = stanza_add(reply, "query", NS_DISCO_ITEMS, NULL);
    xmpp_stanza_set_attribute(q, "node", ADHOC_NS);
    for (size_t i = 0; i < n; i++) {
        xmpp_stanza_t *item = stanza_add(q, "item", NULL, NULL);

        xmpp_stanza_set_attribute(item, "jid", from);
        xmpp_stanza_set_attribute(item, "node", items[i].node);
        xmpp_stanza_set_attribute(item, "name", items[i].name);
    }
    return reply;
}
