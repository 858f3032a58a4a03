# APPROOV_RESULT and APPROOV_CLAIM_<NAME> in the request environment, as
# the configuration passes them on (mod_headers in /claims/), and the
# counters on mod_status's page.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest qw(GET);
use Apache::TestUtil;
use JSON::PP ();
use ApproovMint qw(mint broken sign);
use ApproovTest qw(get_with);

plan tests => 20;

my $exp = time + 300;
my $res = get_with('/claims/ok.txt', mint(exp => $exp, claims => {
    did => 'device-1', flag => JSON::PP::true(), 'odd-name' => "a\tb\\c" }));
ok t_cmp($res->code, 200, 'claims: served');
ok t_cmp($res->header('X-Approov-Result'), 'valid', 'APPROOV_RESULT=valid');
ok t_cmp($res->header('X-Approov-Did'), 'device-1', 'a string claim');
ok t_cmp($res->header('X-Approov-Exp'), $exp, 'a number claim, as an integer');
ok t_cmp($res->header('X-Approov-Flag'), 'true', 'a boolean claim');
ok t_cmp($res->header('X-Approov-Odd-Name'), 'a\x09b\\\\c',
         'the name upper-cased with _, control characters and \ escaped');

$res = get_with('/claims/ok.txt', broken('expired'));
ok t_cmp($res->code . ' ' . ($res->header('X-Approov-Result') // '-'),
         '401 expired', 'APPROOV_RESULT is the reason on a refusal');
ok t_cmp($res->header('X-Approov-Did') // '-', '-', 'and no claim is set');

# Numbers: whole ones as integers, others in their shortest exact form,
# the same on a connection's first request and on one the cache answers.
for my $case (['-42', '-42'], ['0', '0'], ['1.5', '1.5'], ['0.1', '0.1'],
              ['9007199254740991', '9007199254740991'], ['1e21', '1e+21'],
              ['-2.5e-7', '-2.5e-07'], ['1e300', '1e+300'], ['123456789.123', '123456789.123']) {
    my ($json, $want) = @$case;
    my $token = sign('main', '{"alg":"HS256","typ":"JWT"}',
                     '{"exp":' . (time + 300) . ',"num":' . $json . '}');
    my @got = map { my $r = get_with('/claims/ok.txt', $token);
                    $r->header('X-Approov-Num') // '-' } 1 .. 2;
    ok t_cmp("@got", "$want $want", "number claim $json");
}

# Counters: the delta over a few requests of our own.
sub counters {
    my %count = GET('/server-status?auto')->content =~ /^(Approov\w+): (\d+)$/mg;
    return \%count;
}
my $before = counters();
get_with('/protected/ok.txt', broken('expired')) for 1 .. 2;
get_with('/protected/ok.txt', mint());
get_with('/report-only/ok.txt', undef);
my $after = counters();
my %delta = map { $_ => ($after->{$_} // 0) - ($before->{$_} // 0) }
            qw(ApproovExpired ApproovValid ApproovReportOnlyMissing);
ok t_cmp($delta{ApproovExpired}, 2, 'ApproovExpired counts the expired tokens');
ok t_cmp($delta{ApproovValid}, 1, 'ApproovValid counts the valid one');
ok t_cmp($delta{ApproovReportOnlyMissing}, 1,
         'ApproovReportOnlyMissing counts the report-only request');
