# The integration matrix (issue 13), mod_cache's rows: a response to a
# request in an "Approov On" scope is never stored, so no cache serves it
# to a request without a token, with or without mod_cache's quick handler
# (which serves a stored response before any access check), with the
# disk and the socache provider, for a static file and a proxied backend.
# Each open twin is the control: its second request is a cache hit, so a
# stored protected response would be served.  See t/matrix.t for the
# columns; "cache" is the X-Cache header (CacheHeader On).
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil;
use ApproovMint ();
use ApproovTest qw(http_request matrix_check run_tool);

my $hit_log = Apache::Test::vars('t_logs') . '/matrix_hits.log';

# [ config, request, with, status, reached, cache ], for each host and
# provider; the rows of one resource run in this order.
sub rows_for {
    my ($host, $p) = @_;
    my $c = "/matrix/c/$p";
    return (
        [ "$host, $p, open file (control)",   "GET $c/open/ok.txt",        '-',     200, 'yes', '!HIT' ],
        [ "$host, $p, open file (control)",   "GET $c/open/ok.txt",        '-',     200, 'yes', 'HIT' ],
        [ "$host, $p, open proxy (control)",  "GET $c/open-proxy/ok.txt", '-',     200, 'yes', '!HIT' ],
        [ "$host, $p, open proxy (control)",  "GET $c/open-proxy/ok.txt", '-',     200, 'yes', 'HIT' ],
        [ "$host, $p, api file",              "GET $c/api/ok.txt",         'token', 200, 'yes', '!HIT' ],
        [ "$host, $p, api file",              "GET $c/api/ok.txt",         '-',     401, 'no',  '!HIT' ],
        [ "$host, $p, api file",              "HEAD $c/api/ok.txt",        '-',     401, '-',   '!HIT' ],
        [ "$host, $p, api file",              "GET $c/api/ok.txt",         'token', 200, 'yes', '!HIT' ],
        [ "$host, $p, api proxy",             "GET $c/api-proxy/ok.txt",  'token', 200, 'yes', '!HIT' ],
        [ "$host, $p, api proxy",             "GET $c/api-proxy/ok.txt",  '-',     401, 'no',  '!HIT' ],
        [ "$host, $p, api proxy",             "HEAD $c/api-proxy/ok.txt", '-',     401, 'no',  '!HIT' ],
        [ "$host, $p, api proxy",             "GET $c/api-proxy/ok.txt",  'token', 200, 'yes', '!HIT' ],
        [ "$host, $p, iss file",  "GET $c/iss/ok.txt",  'iss',           200, 'yes', '!HIT' ],
        [ "$host, $p, iss file",  "GET $c/iss/ok.txt",  'bad-iss',       401, 'no',  '!HIT' ],
        [ "$host, $p, iss file",  "GET $c/iss/ok.txt",  'token',         401, 'no',  '!HIT' ],
        [ "$host, $p, iss file",  "GET $c/iss/ok.txt",  'iss',           200, 'yes', '!HIT' ],
        [ "$host, $p, acct file", "GET $c/acct/ok.txt", 'acct',          200, 'yes', '!HIT' ],
        [ "$host, $p, acct file", "GET $c/acct/ok.txt", 'acct-unsigned', 401, 'no',  '!HIT' ],
        [ "$host, $p, acct file", "GET $c/acct/ok.txt", '-',             401, 'no',  '!HIT' ],
        [ "$host, $p, acct file", "GET $c/acct/ok.txt", 'acct',          200, 'yes', '!HIT' ],
    );
}

my %hosts = ('quick handler On'  => 'matrix_cache_quick',
             'quick handler Off' => 'matrix_cache_slow');
my @runs = map { my $host = $_; map { [ $host, $_ ] } qw(disk socache) }
           sort keys %hosts;

plan tests => 20 * @runs;

# Without Cache-Control, a file's freshness is 10 % of its age: a file
# copied a moment ago would be stale at once, never a hit.
my $file = Apache::Test::vars('documentroot') . '/matrix/res/ok.txt';
utime time - 7200, time - 7200, $file or die "utime $file: $!";

# t/matrix.t's words for issue 15's checks: a token with the iss and aud
# of MatrixIssAud (or another iss), one with mskid k1 and its account
# signature over the request (or none).
my $ACCOUNT_K1 = 'HmYlNyo+5EW3GbWWkxDfFa8TDB5aVLF/WIiQ6XsnTYM=';
my $authority;
sub claims_token { ('Approov-Token' => ApproovMint::mint(claims => { @_ })) }
my @iss = (iss => 'matrix.approov.io', aud => 'matrix-api');
%ApproovTest::MATRIX_WITH = (
    'iss'     => sub { claims_token(@iss) },
    'bad-iss' => sub { claims_token(@iss, iss => 'other.approov.io') },
    'acct-unsigned' => sub { claims_token(mskid => 'k1') },
    'acct'    => sub {
        my ($method, $target) = @_;
        my ($name, $token) = claims_token(mskid => 'k1');
        return ($name => $token,
                map { /^([\w-]+):\s*(.*)$/ ? ($1, $2) : () }
                split /\n/, run_tool('sign-request', '--method', $method,
                                      '--url', "http://$authority$target",
                                      '--header', "Approov-Token: $token",
                                      '--account-key', $ACCOUNT_K1));
    },
);

for my $run (@runs) {
    my ($host, $provider) = @$run;
    Apache::TestRequest::module($hosts{$host});
    my $hostport = Apache::TestRequest::hostport();
    Apache::TestRequest::module('default');
    $authority = $hostport;
    my @rows = map { { config => $_->[0], request => $_->[1], with => $_->[2],
                       status => $_->[3], reached => $_->[4], cache => $_->[5] } }
               rows_for($host, $provider);
    matrix_check(sub { http_request($hostport, @_) }, $hit_log, @rows);
}
