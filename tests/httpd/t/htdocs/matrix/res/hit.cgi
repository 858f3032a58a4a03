#!/bin/sh
# The handler (and the proxied backend) of t/matrix*.t.  It writes the
# request's X-Matrix-Id and method to MATRIX_HIT_LOG before it answers, so
# once a test has the response it knows whether this script ran for it.
# The body is read first: a script that exits with its input unread makes
# httpd's read of its output fail.
head -c "${CONTENT_LENGTH:-0}" > /dev/null
printf '%s %s\n' "${HTTP_X_MATRIX_ID:--}" "$REQUEST_METHOD" >> "$MATRIX_HIT_LOG"
printf 'Content-Type: text/plain\n\nmatrix-protected-content\n'
