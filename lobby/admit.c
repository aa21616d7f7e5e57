/*
 * admit.c: parsing and matching the admission rules of admit.h, and
 * matching a room's allow list (the owner's counterpart of the rules).
 */
#include "lobby/admit.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lobby/jid.h"

static const struct {
    const char *word;
    enum lobby_admit_kind kind;
    bool has_value;
} kinds[] = {
    { "token", LOBBY_ADMIT_TOKEN, false },
    { "email-domain", LOBBY_ADMIT_EMAIL_DOMAIN, true },
    { "tenant", LOBBY_ADMIT_TENANT, true },
    { "group", LOBBY_ADMIT_GROUP, true },
    { "affiliation", LOBBY_ADMIT_AFFILIATION, true },
    { "jid", LOBBY_ADMIT_JID, true },
};

/* The next blank-separated word of '*p' into 'out' (size 'size'); its length, or -1 if too long. */
static int next_word(const char **p, char *out, size_t size)
{
    const char *s = *p, *e;
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    for (e = s; *e != '\0' && *e != ' ' && *e != '\t'; e++)
        ;
    n = (size_t)(e - s);
    *p = e;
    if (n >= size)
        return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return (int)n;
}

static bool name_ok(const char *name)
{
    const char *c;

    for (c = name; *c != '\0'; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return false;
    }
    return c != name;
}

bool lobby_admit_parse(const char *text, struct lobby_admit_rule *out, char *why, size_t whysz)
{
    char name[LOBBY_ADMIT_NAME_MAX], kind[32], extra[8];
    const char *p = text;
    size_t i;
    int n;

    memset(out, 0, sizeof(*out));
    if (text == NULL || next_word(&p, name, sizeof(name)) <= 0 || !name_ok(name)) {
        snprintf(why, whysz, "an admission rule starts with its name: 1 to 32 of a-z 0-9 _ - "
                             "(e.g. \"staff email-domain example.com\")");
        return false;
    }
    if (next_word(&p, kind, sizeof(kind)) <= 0) {
        snprintf(why, whysz, "rule \"%s\" has no kind: token, email-domain, tenant, group, "
                             "affiliation or jid", name);
        return false;
    }
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kind, kinds[i].word) == 0)
            break;
    }
    if (i == sizeof(kinds) / sizeof(kinds[0])) {
        snprintf(why, whysz, "rule \"%s\": \"%s\" is not one of token, email-domain, tenant, "
                             "group, affiliation, jid", name, kind);
        return false;
    }
    n = kinds[i].has_value ? next_word(&p, out->value, sizeof(out->value)) : 0;
    if (n < 0 || (kinds[i].has_value && n == 0)) {
        snprintf(why, whysz, "rule \"%s\": %s needs one value of at most %d bytes", name, kind,
                 LOBBY_ADMIT_VALUE_MAX - 1);
        return false;
    }
    if (next_word(&p, extra, sizeof(extra)) != 0) {
        snprintf(why, whysz, "rule \"%s\": unexpected text after %s%s%s", name, kind,
                 n > 0 ? " " : "", out->value);
        return false;
    }
    if (kinds[i].kind == LOBBY_ADMIT_AFFILIATION && strcmp(out->value, "member") != 0) {
        snprintf(why, whysz, "rule \"%s\": affiliation can only be member (owners walk in "
                             "anyway)", name);
        return false;
    }
    if (kinds[i].kind == LOBBY_ADMIT_JID && strchr(out->value, '/') != NULL) {
        snprintf(why, whysz, "rule \"%s\": jid takes a bare JID or a domain", name);
        return false;
    }
    if (kinds[i].kind == LOBBY_ADMIT_EMAIL_DOMAIN && strchr(out->value, '@') != NULL) {
        snprintf(why, whysz, "rule \"%s\": email-domain takes the domain alone, without @", name);
        return false;
    }
    out->kind = kinds[i].kind;
    snprintf(out->label, sizeof(out->label), "admit:%s", name);
    return true;
}

static bool email_in(const char *email, const char *domain)
{
    const char *at = email != NULL ? strrchr(email, '@') : NULL;

    return at != NULL && strcasecmp(at + 1, domain) == 0;
}

bool lobby_admit_matches(const struct lobby_admit_rule *r, const struct lobby_join *j)
{
    bool valid = j->token == LOBBY_TOKEN_VALID;

    switch (r->kind) {
    case LOBBY_ADMIT_TOKEN:
        return valid;
    case LOBBY_ADMIT_EMAIL_DOMAIN:
        return valid && email_in(j->token_email, r->value);
    case LOBBY_ADMIT_TENANT:
        return valid && j->token_sub != NULL && strcasecmp(j->token_sub, r->value) == 0;
    case LOBBY_ADMIT_GROUP:
        return valid && j->token_group != NULL && strcmp(j->token_group, r->value) == 0;
    case LOBBY_ADMIT_AFFILIATION:
        return valid && j->token_member;
    case LOBBY_ADMIT_JID:
        return lobby_jid_service_match(r->value, j->real_jid);
    }
    return false;
}

const struct lobby_admit_rule *lobby_admit_first(const struct lobby_admit_rule *rules, size_t n,
                                                 const struct lobby_join *join)
{
    for (size_t i = 0; i < n; i++) {
        if (lobby_admit_matches(&rules[i], join))
            return &rules[i];
    }
    return NULL;
}

static bool allow_matches(const char *entry, const struct lobby_join *j)
{
    bool valid = j->token == LOBBY_TOKEN_VALID;

    if (entry[0] == '@')
        return valid && email_in(j->token_email, entry + 1);
    if (strchr(entry, '@') != NULL && valid && j->token_email != NULL &&
        strcasecmp(j->token_email, entry) == 0)
        return true;
    return lobby_jid_service_match(entry, j->real_jid);
}

int lobby_allow_first(const char *const *list, size_t n, const struct lobby_join *join)
{
    for (size_t i = 0; i < n; i++) {
        if (allow_matches(list[i], join))
            return (int)i;
    }
    return -1;
}
