#!/bin/sh
# The body's echo (../echo.cgi) under this directory's name.
exec "${SCRIPT_FILENAME%/*/*}/echo.cgi"
