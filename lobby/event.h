/*
 * event.h: the plain input facts and output records of the lobby module.
 *
 * Types only. xmpp/ may include this file to parse stanzas into these
 * structs and to render stanzas from them; it must not call lobby_*()
 * functions. The functions live in lobby.h.
 */
#ifndef LOBBYD_LOBBY_EVENT_H
#define LOBBYD_LOBBY_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Limits, in bytes including the terminating NUL. RFC 7622 allows 1023
 * octets for each of the node, domain and resource parts.
 */
#define LOBBY_NODE_MAX 1024
#define LOBBY_DOMAIN_MAX 1024
#define LOBBY_NICK_MAX 1024            /* a MUC nick is a resourcepart */
#define LOBBY_JID_MAX 3072             /* node@domain/resource */
#define LOBBY_TEXT_MAX 256             /* operator-readable reason text */
#define LOBBY_MESSAGE_MAX 512          /* a lobby message, in bytes */
#define LOBBY_NAME_MAX 256             /* display name of a knocker */
#define LOBBY_EMAIL_MAX 256            /* e-mail a knocker announces */
#define LOBBY_SESSION_MAX 256          /* opaque client session id */
#define LOBBY_MAX_SERVICE_JIDS 64      /* entries in lobby_config.service_jids */
#define LOBBY_MAX_ROOMS 100000         /* main rooms with lobby state */
#define LOBBY_MAX_WAITING_PER_ROOM 10000 /* knockers waiting in one lobby */
#define LOBBY_MAX_MODERATORS_PER_ROOM 64 /* owners present in one lobby room */
#define LOBBY_MAX_OWNERS_PER_ROOM 256  /* main-room owners mirrored per room */
#define LOBBY_MAX_ADMITTED_PER_ROOM 20000 /* admissions kept per room */
#define LOBBY_MAX_COOLDOWNS_PER_ROOM 10000 /* deny cooldowns kept per room */
#define LOBBY_IP_MAX 64                /* a client address as the bridge reports it */
#define LOBBY_IDENTITY_MAX 3400        /* what a knock counts under (lobby_knock_identity) */
#define LOBBY_KNOCK_LIMIT_MAX 100      /* knocks a knock limit may allow per window */
#define LOBBY_KNOCK_WINDOW_MAX_MS (86400u * 1000u) /* longest knock limit window */
#define LOBBY_MAX_KNOCK_KEYS 20000     /* identities (and addresses) a knock limit tracks */
#define LOBBY_MAX_KNOCK_FACTS 20000    /* sessions sent to the lobby, remembered for their knock */
#define LOBBY_KNOCK_FACTS_MS (600u * 1000u) /* how long such a session is remembered */
#define LOBBY_ROOM_ALLOW_MAX 64        /* entries in a room's allow list (context.room.allow) */
#define LOBBY_ALLOW_ENTRY_MAX 256      /* one entry of it */
#define LOBBY_MAX_ALLOW_ISSUERS 32     /* entries in lobby_config.room_allow_issuers */
#define LOBBY_ISSUER_MAX 256           /* one of them */
#define LOBBY_MAX_KEPT_ROOMS 10000     /* rooms kept between calls for their owner settings */
/* Effects one event may produce: every waiter plus every moderator twice. */
#define LOBBY_MAX_EFFECTS \
    (LOBBY_MAX_WAITING_PER_ROOM + 2 * LOBBY_MAX_MODERATORS_PER_ROOM + 16)

enum lobby_affiliation {
    LOBBY_AFF_NONE,
    LOBBY_AFF_MEMBER,
    LOBBY_AFF_ADMIN,
    LOBBY_AFF_OWNER,
    LOBBY_AFF_OUTCAST
};

enum lobby_password {
    LOBBY_PW_NONE,                     /* the room has no password */
    LOBBY_PW_OK,                       /* the join carries the right one */
    LOBBY_PW_WRONG,
    LOBBY_PW_MISSING
};

enum lobby_token_state {
    LOBBY_TOKEN_NONE,                  /* the session presented no token */
    LOBBY_TOKEN_INVALID,               /* presented and refused */
    LOBBY_TOKEN_VALID                  /* verified; rights below apply */
};

enum lobby_action {
    LOBBY_ALLOW,                       /* let the join continue */
    LOBBY_KNOCK,                       /* 407 + lobby room JID */
    LOBBY_NEED_NAME,                   /* 406 displayname-required */
    LOBBY_DENY                         /* refuse; see lobby_verdict.deny */
};

/*
 * Which later joins lobbyd must be asked about (lobby_verdict.ask); the
 * bridge lets the others continue without a round trip.
 */
enum lobby_ask {
    LOBBY_ASK_EVERY_JOIN,              /* every join to a main room */
    LOBBY_ASK_TOKEN_LOBBY_OR_PASSWORD, /* joins with a token, or into a room whose lobby is on
                                          or that has a password */
    LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW /* those, and joins that create a room */
};

/* An owner's wish for the room's lobby (context.room.lobby in the token). */
enum lobby_wish {
    LOBBY_WISH_NONE,
    LOBBY_WISH_ON,
    LOBBY_WISH_OFF
};

/* What a verdict does to the main room's lobby before the join goes in. */
enum lobby_switch {
    LOBBY_SWITCH_NONE,
    LOBBY_SWITCH_ON,                   /* the room (new or present) becomes members-only */
    LOBBY_SWITCH_OFF                   /* it stops being members-only; the waiting walk in */
};

/* How the room password relates to the lobby (lobby_config). */
enum lobby_password_mode {
    LOBBY_PASSWORD_BYPASS,             /* stock: the right password skips the lobby */
    LOBBY_PASSWORD_ALSO_REQUIRED,      /* the password is an extra gate, never a bypass */
    LOBBY_PASSWORD_IGNORED             /* the lobby never looks at the password */
};

/* Guests of a room no host (owner) has joined yet (lobby_config.before_host). */
enum lobby_before_host {
    LOBBY_BEFORE_HOST_ALLOW,           /* default: as if there were a host */
    LOBBY_BEFORE_HOST_WAIT,            /* they wait in the lobby; the first host sees them */
    LOBBY_BEFORE_HOST_DENY             /* they are refused until a host has joined */
};

/* What to do with a join whose token was presented and refused. */
enum lobby_invalid_token {
    LOBBY_INVALID_TOKEN_GUEST,         /* default: carry on as a guest */
    LOBBY_INVALID_TOKEN_DENY
};

/*
 * Which error a DENY maps to. The lobby module does not speak XMPP; the
 * names say what the condition means, xmpp/ picks the stanza error.
 */
enum lobby_deny {
    LOBBY_DENY_FORBIDDEN,              /* banned: auth/forbidden */
    LOBBY_DENY_NOT_AUTHORIZED,         /* password needed: auth/not-authorized */
    LOBBY_DENY_NOT_ALLOWED,            /* refused by policy: cancel/not-allowed */
    LOBBY_DENY_INTERNAL,               /* lobbyd failed: wait/internal-server-error */
    LOBBY_DENY_CONFLICT,               /* nick in use: cancel/conflict */
    LOBBY_DENY_FULL                    /* lobby full: wait/service-unavailable */
};

/*
 * Facts about one main-room join. All strings are borrowed for the call;
 * the lobby module copies what it keeps. NULL strings are read as absent.
 */
struct lobby_join {
    const char *room;                  /* bare main-room JID, "myroom@conference.meet.test" */
    const char *nick;                  /* requested occupant nick */
    const char *real_jid;              /* full real JID of the joining session */
    const char *session;               /* opaque id of the client session */
    const char *display_name;          /* NULL or "": none given */
    enum lobby_affiliation affiliation; /* current affiliation of the bare JID in the room */
    bool room_exists;
    bool members_only;                 /* the main room's lobby is on */
    enum lobby_password password;
    enum lobby_token_state token;
    const char *token_reason;          /* INVALID: why the token was refused */
    bool token_owner;                  /* VALID: verified owner/moderator right for this room */
    bool token_bypass;                 /* VALID: verified lobby_bypass right */
    enum lobby_wish token_lobby;       /* VALID: context.room.lobby */
    const char *token_lobby_message;   /* VALID: context.room.lobby_message, or NULL */
    bool has_token_before_host;        /* VALID: context.room.before_host is given */
    enum lobby_before_host token_before_host; /* VALID: context.room.before_host */
    bool has_token_room_allow;         /* VALID: context.room.allow is given (maybe empty) */
    const char *const *token_room_allow; /* VALID: its entries (jwt/room_claims.h) */
    size_t n_token_room_allow;
    const char *token_email;           /* VALID: context.user.email, or NULL */
    const char *token_sub;             /* VALID: sub (the tenant), or NULL */
    const char *token_group;           /* VALID: context.group, or NULL */
    bool token_member;                 /* VALID: context.user.affiliation member */
    const char *token_iss;             /* VALID: iss, or NULL */
    const char *token_user_id;         /* VALID: context.user.id, or NULL */
    const char *token_user_name;       /* VALID: context.user.name, or NULL */
    const char *client_ip;             /* the session's address key (knock_limit_per_ip), or
                                          NULL: not reported */
};

/* What an owner token's context.room.allow did to the room (lobby_verdict). */
enum lobby_allow_note {
    LOBBY_ALLOW_NOTE_NONE,             /* nothing, or the same list again */
    LOBBY_ALLOW_NOTE_SET,              /* the room's allow list is now the token's */
    LOBBY_ALLOW_NOTE_UNTRUSTED,        /* ignored: iss not in room_allow_issuers (said
                                          once per room) */
    LOBBY_ALLOW_NOTE_TOO_BIG           /* ignored: beyond LOBBY_ROOM_ALLOW_MAX entries or
                                          LOBBY_ALLOW_ENTRY_MAX bytes */
};

/* The answer to one main-room join. */
struct lobby_verdict {
    enum lobby_action action;
    enum lobby_affiliation affiliation; /* ALLOW: affiliation to grant; NONE: keep the current one */
    enum lobby_deny deny;              /* DENY: which error to send */
    bool supply_password;              /* ALLOW: the room password must be supplied to the join */
    enum lobby_ask ask;                /* which later joins the bridge must ask about */
    bool ask_room;                     /* and every later join into this room: before_host
                                          holds there until a host comes (rule 5) */
    const char *rule;                  /* static name of the rule that fired */
    char lobby_jid[LOBBY_JID_MAX];     /* KNOCK: node@lobby_domain; "" otherwise */
    char text[LOBBY_TEXT_MAX];         /* operator-readable reason */
    enum lobby_switch lobby_switch;    /* ALLOW: the room's lobby goes on or off first */
    const char *switch_rule;           /* why ("lobby-default", "owner-token",
                                          "first-owner", "before-host"); NULL: none */
    enum lobby_allow_note allow_note;  /* ALLOW of an owner token: its context.room.allow */
    bool before_host_set;              /* ALLOW of an owner token: the room's own before_host
                                          changed to the token's */
};

/*
 * Deployment settings. lobby_new() copies everything, so the caller may
 * free its own copy afterwards.
 */
struct lobby_config {
    const char *lobby_domain;          /* "lobby.meet.test" */
    enum lobby_password_mode password_mode;
    enum lobby_invalid_token invalid_token;
    bool displayname_required;         /* never applies to owners */
    bool ask_tokenless_joins;          /* judge every join, not only those with something to decide */
    bool lobby_default_on;             /* a new room gets its lobby on */
    bool lobby_off_after_first_owner;  /* the first owner's join turns it off */
    enum lobby_before_host before_host;
    size_t max_waiting_per_room;       /* 1..LOBBY_MAX_WAITING_PER_ROOM; 0: that */
    size_t max_waiting_total;          /* knockers in all lobbies; 0: no cap */
    uint64_t max_wait_ms;              /* a knocker not let in by then is sent away; 0: never */
    uint64_t end_without_host_ms;      /* knockers with no host present that long are sent
                                          away; 0: never */
    const char *const *admit_rules;    /* "NAME KIND [VALUE]" (lobby/admit.h), in order */
    size_t n_admit_rules;              /* at most LOBBY_MAX_ADMIT_RULES */
    const char *const *room_allow_issuers; /* iss values whose owner tokens may set a room's
                                          allow list; none: context.room.allow is ignored */
    size_t n_room_allow_issuers;       /* at most LOBBY_MAX_ALLOW_ISSUERS */
    const char *const *service_jids;   /* bare JIDs or domains that bypass the lobby */
    size_t n_service_jids;             /* at most LOBBY_MAX_SERVICE_JIDS */
    uint64_t rejoin_window_ms;         /* see "Admission scope" in lobby.h */
    uint64_t deny_cooldown_ms;         /* a denied session may not knock again for this long; 0: off */
    const char *lobby_message;         /* told to every knocker, unless the room has its own;
                                          NULL: none; below LOBBY_MESSAGE_MAX bytes */
    bool show_position;                /* a knocker is told how many wait ahead of it */
    unsigned knock_limit;              /* knocks per identity in knock_window_ms; 0: off */
    uint64_t knock_window_ms;          /* 1..LOBBY_KNOCK_WINDOW_MAX_MS when knock_limit is set */
    unsigned knock_limit_per_ip;       /* knocks per client address in knock_ip_window_ms; 0: off */
    uint64_t knock_ip_window_ms;
    uint8_t hash_seed[16];             /* random, drawn by the daemon at start */
};

/*
 * A presence joining a lobby room (node@lobby_domain/nick), or a later
 * presence of the same occupant. Strings borrowed for the call.
 */
struct lobby_knock {
    const char *lobby_room;            /* bare lobby-room JID */
    const char *nick;                  /* requested nick (the client's random one) */
    const char *real_jid;              /* full real JID of the sender */
    const char *session;               /* opaque id of the client session */
    const char *display_name;          /* NULL: none */
    const char *email;                 /* NULL: none */
};

/* What the daemon must do after an event; see struct lobby_effect. */
enum lobby_effect_kind {
    LOBBY_DO_REFUSE,                   /* error presence for a lobby-room join: deny, text;
                                          event: why, for counting ("knock-limit" ...) */
    LOBBY_DO_SELF_PRESENCE,            /* 'to' is in 'room' as 'nick' (status 110) */
    LOBBY_DO_OCCUPANT_PRESENCE,        /* tell 'to' that 'nick' (subject_jid, name, email) is in 'room' */
    LOBBY_DO_OCCUPANT_GONE,            /* tell 'to' that 'nick' left 'room'; is_self: 'to' is 'nick' */
    LOBBY_DO_KICK,                     /* 'nick' was kicked (307) by 'actor' with reason 'text'; sent to 'to' */
    LOBBY_DO_DESTROY,                  /* 'room' is gone for 'to'; newjid: where to go (or NULL); text: reason;
                                          event: the limit that ended the wait, or NULL */
    LOBBY_DO_NOTIFY_MAIN,              /* lobby-notify 'event' in main room 'room' from occupant 'actor' */
    LOBBY_DO_RELAY,                    /* pass the message being handled to 'to', from 'room'/'nick' */
    LOBBY_DO_NOTICE,                   /* a message from lobby room 'room' to knocker 'to': text;
                                          event: "welcome" (the knock's), NULL (host left) */
    LOBBY_DO_EJECT,                    /* remove occupant 'nick' (real JID 'to') from main room
                                          'room' on behalf of 'actor' (NULL: lobbyd), reason 'text' */
    LOBBY_DO_INVITE,                   /* invite waiter 'to' into main room 'room' (the approval
                                          the client acts on) on behalf of 'actor' */
    LOBBY_DO_SET_LOBBY                 /* switch main room 'room' members-only (flag) */
};

/*
 * What lobbyd vouches for about a knocker it shows (SELF_PRESENCE and
 * OCCUPANT_PRESENCE of a knocker): its token's name and e-mail, or nothing.
 */
enum lobby_verified {
    LOBBY_VERIFIED_UNSET,              /* not a knocker's presence: no statement */
    LOBBY_VERIFIED_NONE,               /* no valid token: name and e-mail are as typed */
    LOBBY_VERIFIED_TOKEN               /* a valid token: verified_name, verified_email */
};

/*
 * One effect. Every string is owned by the struct lobby_actions holding
 * it and valid until lobby_actions_clear(); NULL when not used.
 */
struct lobby_effect {
    enum lobby_effect_kind kind;
    enum lobby_deny deny;              /* REFUSE */
    bool is_moderator;                 /* presences: the subject is a lobby moderator */
    bool is_self;                      /* OCCUPANT_GONE, KICK: sent to the subject itself */
    bool flag;                         /* NOTIFY_MAIN LOBBY-ENABLED: the new state;
                                          SELF_PRESENCE: the answer to the join itself */
    const char *event;                 /* NOTIFY_MAIN: "LOBBY-ACCESS-GRANTED" ...; DESTROY:
                                          "max-wait", "end-without-host"; REFUSE: "lobby-off",
                                          "malformed", "nick-in-use", "moderators-full",
                                          "cooldown", "full", "full-total", "knock-limit",
                                          "knock-limit-ip"; static */
    char *room;                        /* lobby-room JID; main-room JID for NOTIFY_MAIN */
    char *to;                          /* full real JID of the recipient */
    char *nick;                        /* the lobby occupant the effect is about */
    char *subject_jid;                 /* its full real JID */
    char *name;                        /* its display name (a knocker's verified one if any) */
    char *email;                       /* its e-mail (likewise) */
    enum lobby_verified verified;      /* knocker presences: what lobbyd vouches for */
    char *verified_name;               /* TOKEN: the token's context.user.name, or NULL */
    char *verified_email;              /* TOKEN: the token's context.user.email, or NULL */
    char *actor;                       /* who did it (moderator's occupant JID or nick) */
    char *newjid;                      /* DESTROY: main room to go to, or NULL */
    char *text;                        /* reason */
    char *ip;                          /* REFUSE "knock-limit-ip": the address counted */
    uint64_t knock_ms;                 /* NOTIFY_MAIN, DESTROY of a knocker: when it knocked */
};

/* An ordered batch of effects, at most LOBBY_MAX_EFFECTS. */
struct lobby_actions {
    struct lobby_effect *v;
    size_t n;
    size_t cap;
};

#endif /* LOBBYD_LOBBY_EVENT_H */
