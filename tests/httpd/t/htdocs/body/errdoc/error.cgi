#!/bin/sh
# The body's echo (../echo.cgi) as this directory's ErrorDocument.
exec "${SCRIPT_FILENAME%/*/*}/echo.cgi"
