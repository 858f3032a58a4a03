# ApproovTokenHeader with a prefix, ApproovLeeway, ApproovFailureStatus and
# an ErrorDocument for the failure status.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest qw(GET);
use Apache::TestUtil;
use ApproovMint qw(mint broken);
use ApproovTest qw(get_with refusal_ok);

plan tests => 25;

my $good = mint();

# ApproovTokenHeader Authorization "Bearer ": the prefix must match exactly.
my %bearer = (
    "Bearer $good"  => 200,
    $good           => 401,
    "bearer $good"  => 401,
    "BEARER $good"  => 401,
    "Bearer  $good" => 401,
    "Bearer\t$good" => 401,
    "Basic $good"   => 401,
    'Bearer '       => 401,
    "Bearer " . broken('bad_signature') => 401,
);
for my $value (sort keys %bearer) {
    (my $shown = $value) =~ s/\Q$good\E/<token>/;
    $shown =~ s/\t/\\t/;
    ok t_cmp(GET('/bearer/ok.txt', Authorization => $value)->code,
             $bearer{$value}, "Authorization: $shown");
}
ok t_cmp(get_with('/bearer/ok.txt', $good)->code, 401,
         'Approov-Token is not read where another header is configured');

# ApproovLeeway 30, against the default of 0.
ok t_cmp(get_with('/leeway/ok.txt', mint(exp_in => -10))->code, 200,
         'leeway 30: expired 10 s ago passes');
ok t_cmp(get_with('/leeway/ok.txt', mint(exp_in => -60))->code, 401,
         'leeway 30: expired 60 s ago fails');
ok t_cmp(get_with('/leeway/ok.txt', mint(nbf_in => 10))->code, 200,
         'leeway 30: valid in 10 s passes');
ok t_cmp(get_with('/leeway/ok.txt', mint(nbf_in => 60))->code, 401,
         'leeway 30: valid in 60 s fails');
ok t_cmp(get_with('/protected/ok.txt', mint(exp_in => -10))->code, 401,
         'no leeway: expired 10 s ago fails');
ok t_cmp(get_with('/protected/ok.txt', mint(nbf_in => 10))->code, 401,
         'no leeway: valid in 10 s fails');
ok t_cmp(get_with('/protected/ok.txt', mint(exp_in => 60, nbf_in => -5))->code,
         200, 'no leeway: nbf in the past, exp in the future passes');

# ApproovFailureStatus 400: the same empty refusal, with 400.
for my $case ([ 'no token', undef ], [ 'expired', broken('expired') ]) {
    refusal_ok(get_with('/status400/ok.txt', $case->[1]), 400,
               "failure status 400, $case->[0]");
}
ok t_cmp(get_with('/status400/ok.txt', $good)->code, 200,
         'failure status 400, valid token: 200');

# An ErrorDocument for 401 in the scope is honoured.
my $res = get_with('/errdoc/ok.txt', undef);
ok t_cmp($res->code, 401, 'ErrorDocument 401: still a 401');
ok t_cmp($res->content, qr/^custom text\s*$/, 'ErrorDocument 401: its text');
ok t_cmp(get_with('/errdoc/ok.txt', $good)->code, 200,
         'ErrorDocument 401, valid token: 200');

# A local ErrorDocument is served, with the status kept.
$res = get_with('/errdoc-local/ok.txt', undef);
ok t_cmp($res->code . ' ' . $res->content, "401 ok\n",
         'ErrorDocument 401 /open/ok.txt: its content, with 401');
ok t_cmp(get_with('/errdoc-local/ok.txt', $good)->code, 200,
         'ErrorDocument 401 /open/ok.txt, valid token: 200');
