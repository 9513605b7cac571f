/* Which content coding an answer gets at the gateway: the client's Accept-Encoding against what
 * the gateway can write (gzip, br), and which answers are worth compressing at all. Pure string
 * logic (compress.h does the work). */
#ifndef CLAIMSUITE_GATEWAY_COMPRESS_CHOICE_H
#define CLAIMSUITE_GATEWAY_COMPRESS_CHOICE_H

enum gw_encoding { GW_ENC_IDENTITY, GW_ENC_GZIP, GW_ENC_BR, GW_ENC_COUNT };

/* "identity", "gzip", "br". */
const char *gw_encoding_name(enum gw_encoding e);

/* The coding to use for accept_encoding (the header's value, NULL when absent: identity).
 * q-values count (q=0 refuses a coding, "*" stands for codings not named); br is preferred when
 * its q is at least gzip's. Unreadable parts are ignored. */
enum gw_encoding gw_encoding_choose(const char *accept_encoding);

/* 1 when a body of content_type (the header's value, parameters allowed) is worth compressing:
 * text, JSON, YAML, XML, JavaScript, SVG, ...; 0 for formats compressed already (image/... but
 * SVG, video/..., audio/..., WOFF fonts, zip, gzip, pdf, application/octet-stream) and for an
 * answer without a Content-Type (unknown bytes). */
int gw_content_type_compressible(const char *content_type);

#endif
