#!/usr/bin/perl
# What the handler was given, for t/body.t: the method and script it ran
# as, and the length and SHA-256 of the body it read from stdin.  Each run
# is noted, with the request's X-Test-Id, in t/logs/body_cgi_hits.log, so
# a test can tell a request that never reached the handler.
use strict;
use warnings;

use Digest::SHA ();
use FindBin ();

my $id = $ENV{HTTP_X_TEST_ID} // '-';
if (open my $hits, '>>', "$FindBin::Bin/../../logs/body_cgi_hits.log") {
    print $hits "$id\n";
    close $hits;
}

binmode STDIN;
my $sha = Digest::SHA->new(256);
my $length = 0;
while (my $n = read STDIN, my $chunk, 65536) {
    $length += $n;
    $sha->add($chunk);
}

my $text = join '', map { "$_->[0]=" . ($_->[1] // '-') . "\n" } (
    [ method          => $ENV{REQUEST_METHOD} ],
    [ redirect_method => $ENV{REDIRECT_REQUEST_METHOD} ],
    [ script          => $ENV{SCRIPT_NAME} ],
    [ length          => $length ],
    [ sha256          => $sha->hexdigest ],
);
binmode STDOUT;
print "Content-Type: text/plain\nContent-Length: ", length($text), "\n\n", $text;
