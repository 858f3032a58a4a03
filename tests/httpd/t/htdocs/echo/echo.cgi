#!/bin/sh
# Echo the request body back: what the handler (or backend) was given.
printf 'Content-Type: text/plain\n\n'
exec cat
