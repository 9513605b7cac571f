/* The inspection report of a case as a PDF (inspection/report_pdf.c): the case's facts, its
 * inspection task, and the task's reports with their photos, drawn with libharu. Pure: no
 * database, no HTTP; photos come from the blob store it is given, the PDF goes to the writer it
 * is given. */
#ifndef CLAIMSUITE_CASES_INSPECTION_REPORT_PDF_H
#define CLAIMSUITE_CASES_INSPECTION_REPORT_PDF_H

#include <jansson.h>

#include "blob.h"

#define REPORT_PDF_MAX_PHOTOS 40                 /* photos embedded in one PDF */
#define REPORT_PDF_MAX_PHOTO_BYTES (120LL << 20) /* and their bytes in memory, all together */

/* Draws input (borrowed):
 *   {"case": <case_document()>, "task": <task_document() of the inspection>,
 *    "reports": [<task_report_document()>, ...], "generated_at": "<RFC 3339>"}
 * (a report's author is its added_by_name when given, else its added_by)
 * as an A4 PDF: the claim number, the case's facts, the task, then each report in the array's
 * order (author, time, text, files). Absent or null members are left out (a NULL input: a page
 * with the heading only). Text is UTF-8; what Windows-1252 (the built-in fonts' WinAnsiEncoding)
 * lacks is drawn as '?'.
 * A report's JPEG and PNG files are read from photos (borrowed; NULL: none) and embedded, at most
 * REPORT_PDF_MAX_PHOTOS and REPORT_PDF_MAX_PHOTO_BYTES (a PNG counts its decoded pixels, which
 * libharu holds until the PDF is saved); other files, and photos missing, corrupt or over those
 * caps, are listed by name and type.
 * The PDF is appended to out (borrowed) with blob_write; the caller began the upload and finishes
 * or aborts it. CS_OK; CS_ERR when out is NULL, libharu fails (logged), memory runs out or
 * blob_write refuses (logged; out may then hold part of a PDF: abort it). Thread-safe: one libharu
 * document per call, no globals. */
int inspection_report_pdf(const json_t *input, struct blob_store *photos, struct blob_writer *out);

#endif
