#!/bin/sh
# A front controller in a protected directory: the matrix's handler.
exec "${0%/*}/../res/hit.cgi"
