# The requests of one keep-alive connection.  A token that verified on it
# is kept, and the next request that repeats it byte for byte, for the same
# keys, is not verified again (the module's connection cache); everything
# else is judged per request as on a new connection: another token, the
# same token under other keys, expiry, binding, and the claims each request
# exports, pipelined requests included.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp t_debug);
use ApproovMint qw(mint pay);
use ApproovTest qw(connection_open connection_send connection_read
                   connection_request connection_outcome read_file unique);

plan tests => 46;

my $conn = connection_open();
my $claims = '/claims/ok.txt';

# "<status> <APPROOV_RESULT> <APPROOV_CLAIM_DID>" of a /claims/ response.
sub seen {
    my ($res) = @_;
    return 'no response (connection closed?)' unless $res;
    return join ' ', $res->{code}, $res->{headers}{'x-approov-result'} // '-',
                     $res->{headers}{'x-approov-did'} // '-';
}

# "<status> <reason logged>" of one request on the connection.
sub outcome_on {
    my ($path, @headers) = @_;
    return connection_outcome($conn, $path, @headers);
}

my $token_a = mint(claims => { did => 'device-a' });
my $token_b = mint(claims => { did => 'device-b' });
# a's header and payload under a signature that is not theirs.
(my $forged = $token_a) =~ s/\.(.)([^.]*)\z/'.' . ($1 eq 'A' ? 'B' : 'A') . $2/e;

# --------------------------------------------------- one token, then others
for my $n (1 .. 3) {
    ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_a)),
             '200 valid device-a', "token a, request $n on the connection");
}
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_b)),
         '200 valid device-b', 'token b next: its own claims');
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_a)),
         '200 valid device-a', 'token a again');
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_a)),
         '200 valid device-a', 'token a once more');
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $forged)),
         '401 bad_signature -', "a's header and payload, another signature");
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_a . 'A')),
         qr/^401 (malformed|bad_signature) -$/, 'token a and one byte more');
ok t_cmp(seen(connection_request($conn, $claims,
                                 'Approov-Token' => substr($token_a, 0, -1))),
         qr/^401 (malformed|bad_signature) -$/, 'token a less its last byte');
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_a)),
         '200 valid device-a', 'then token a again');
ok t_cmp(seen(connection_request($conn, $claims)), '401 missing -',
         'no token after token a');
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_a)),
         '200 valid device-a', 'and token a after that');

# Two claims that make one variable name: the last one (JSON::PP sorts the
# names: odd_name after odd-name) on every request, kept token or not.
my $token_odd = mint(claims => { 'odd-name' => 'first', odd_name => 'last' });
for my $n (1 .. 3) {
    my $res = connection_request($conn, $claims, 'Approov-Token' => $token_odd);
    ok t_cmp($res ? $res->{headers}{'x-approov-odd-name'} // '-' : 'no response',
             'last', "odd-name and odd_name, request $n: the last one");
}
# A variable of that name set before the check: replaced by the claim's.
for my $n (1 .. 3) {
    ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_a,
                                     'X-Preset-Did' => 'from-config')),
             '200 valid device-a', "APPROOV_CLAIM_DID set before, request $n");
}

# ------------------------------------------------ the same token, other keys
# /protected/nested/ has a secret of its own.
my $nested = '/protected/nested/ok.txt';
my $token_n = mint(secret => 'nested', claims => { did => 'device-n' });
ok t_cmp(outcome_on($nested, 'Approov-Token' => $token_a), '401 bad_signature',
         'token a (kept for /claims/) where another secret rules');
ok t_cmp(outcome_on($nested, 'Approov-Token' => $token_n), '200 -',
         'that secret\'s token there');
ok t_cmp(outcome_on($nested, 'Approov-Token' => $token_n), '200 -',
         'and again');
ok t_cmp(outcome_on($claims, 'Approov-Token' => $token_n), '401 bad_signature',
         'that token (kept for the nested secret) under the main secret');
ok t_cmp(outcome_on($nested, 'Approov-Token' => $token_n), '200 -',
         'and back under its own');

# ------------------------------------------------- expiry of a kept token
my $exp = time + 4;   # room for a slow server (valgrind)
my $token_e = mint(exp => $exp, claims => { did => 'device-e' });
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_e)),
         '200 valid device-e', 'a token with seconds left');
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_e)),
         '200 valid device-e', 'again at once');
select undef, undef, undef, 0.2 while time < $exp;
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_e)),
         '401 expired -', 'the same token once exp has passed');
ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_e)),
         '401 expired -', 'and still');

# ----------------------------------------------- binding of a kept token
my $auth = 'Bearer session-1';
my $bound = mint(claims => { pay => pay($auth) });
my $binding = '/binding/ok.txt';
for my $n (1 .. 3) {
    ok t_cmp(outcome_on($binding, 'Approov-Token' => $bound, Authorization => $auth),
             '200 -', "bound token, request $n");
}
ok t_cmp(outcome_on($binding, 'Approov-Token' => $bound,
                    Authorization => 'Bearer session-2'),
         '401 pay_mismatch', 'the same token with another Authorization');
ok t_cmp(outcome_on($binding, 'Approov-Token' => $bound), '401 no_binding_header',
         'the same token without Authorization');
ok t_cmp(outcome_on($binding, 'Approov-Token' => $bound, Authorization => $auth),
         '200 -', 'and with the bound value again');

# ---------------------------------------------------------------- pipelined
# Six requests in one write; each one's claims in its response and in the
# access log line httpd writes when it ends.
my $tag = unique('pipe');
my @pipeline = ([1, $token_a, 'valid device-a'], [2, $token_b, 'valid device-b'],
                [3, $token_a, 'valid device-a'], [4, $forged, 'bad_signature -'],
                [5, $token_b, 'valid device-b'], [6, $token_b, 'valid device-b']);
connection_send($conn, map { ["$claims?t=$tag&n=$_->[0]", 'Approov-Token' => $_->[1]] }
                       @pipeline);
for my $p (@pipeline) {
    my ($code) = $p->[2] =~ /^valid/ ? 200 : 401;
    ok t_cmp(seen(connection_read($conn)), "$code $p->[2]",
             "pipelined request $p->[0]: response");
}
my $log = Apache::Test::vars('t_logs') . '/claims.log';
my @lines;
for (1 .. 100) {    # written as each request ends: wait up to 10 s
    @lines = grep { /\Q$tag\E/ } split /\n/, read_file($log);
    last if @lines >= @pipeline;
    select undef, undef, undef, 0.1;
}
t_debug("claims.log: $_") for @lines;
for my $p (@pipeline) {
    my ($line) = grep { /[?&]n=$p->[0]\b/ } @lines;
    ok t_cmp($line // 'no line', "$claims?t=$tag&n=$p->[0] $p->[2]",
             "pipelined request $p->[0]: access log");
}

ok t_cmp(seen(connection_request($conn, $claims, 'Approov-Token' => $token_a)),
         '200 valid device-a', 'the connection served all of it');
