/*
 * stun.h - what a STUN message from a client says: is it a request, and
 * which application marked it.
 *
 * Call media finds its path with ICE: a client port asks STUN and TURN
 * servers, then carries the call from that same port (peers.h).  Some
 * applications put attributes of their own in those requests (WhatsApp's
 * 0x4000-0x4002, Zoom's 0x0103, Google's 0xFF03, Microsoft's ICE extensions
 * such as CANDIDATE-IDENTIFIER 0x8054 and IMPLEMENTATION-VERSION 0x8070).  The
 * capture thread reads them here, from the request itself, and the note it
 * keeps for the client port carries the application, so that a media flow
 * from that port later is named by it whichever worker holds either flow.
 * (nDPI draws the same conclusion inside its detection module and keeps it in
 * a cache shared only by the flows of one worker; dpi.c keeps that cache per
 * flow, for the determinism nDPI's could not give.)
 *
 * A request may also carry the REALM of the service's TURN server, a domain
 * the catalog can name (proto_names_stun_realm reads it).
 *
 * Every byte is read through cursor.h; a message is walked no further than its
 * own length says, and never past the bytes given.
 */
#ifndef SHADOWTAP_STUN_H
#define SHADOWTAP_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum stun_app {
    STUN_APP_NONE = 0,
    STUN_APP_WHATSAPP,
    STUN_APP_ZOOM,
    STUN_APP_GOOGLE,
    STUN_APP_MICROSOFT,
    STUN_APP_COUNT
};

/* True when a UDP payload is a STUN request or indication (RFC 5389 header
 * with the magic cookie and a consistent length), or an RFC 3489 Binding
 * Request. */
bool stun_is_request(const uint8_t *payload, size_t len);

/* The application whose own attributes the message carries, or
 * STUN_APP_NONE.  The message must pass stun_is_request(). */
enum stun_app stun_application(const uint8_t *payload, size_t len);

/* The nDPI protocol name of the application ("WhatsAppCall", "Zoom",
 * "GoogleHangoutDuo", "SkypeCall"), through which the catalog names its
 * service (services.conf's ndpi lists); NULL for STUN_APP_NONE. */
const char *stun_app_ndpi_name(enum stun_app app);

#endif
