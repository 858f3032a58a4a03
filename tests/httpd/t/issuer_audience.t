# ApproovIssuer and ApproovAudience (t/conf/issuer_audience.conf.in): a
# token's iss must be the configured string byte for byte, its aud a
# string or a non-empty array of strings naming one of the configured
# audiences; the reason is logged (bad_iss, bad_aud), set in
# APPROOV_RESULT and counted.  The values are the scope's own, also for a
# token a keep-alive connection's cache holds from another scope.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp t_debug t_start_error_log_watch
                        t_finish_error_log_watch);
use ApproovMint qw(mint broken);
use ApproovTest qw(outcome connection_open connection_outcome
                   status_counters unique httpd_conf run_httpd free_port);
use File::Temp qw(tempdir);

my $ISS = 'acme.approov.io';
my $A = 'api-a.example.com';
my $B = 'api-b.example.com';

# [ path, claims, "<status> <reason logged>", name ]
my @cases = (
    [ iss => { iss => $ISS }, '200 -', 'iss as configured' ],
    [ iss => {}, '401 bad_iss', 'no iss' ],
    [ iss => { iss => undef }, '401 bad_iss', 'iss null' ],
    [ iss => { iss => 7 }, '401 bad_iss', 'iss a number' ],
    [ iss => { iss => [$ISS] }, '401 bad_iss', 'iss an array' ],
    [ iss => { iss => uc $ISS }, '401 bad_iss', 'iss in other case' ],
    [ iss => { iss => "$ISS." }, '401 bad_iss', 'iss with a byte more' ],
    [ iss => { iss => "https://$ISS" }, '401 bad_iss', 'iss as a URL' ],
    [ iss => { iss => 'evil.approov.io' }, '401 bad_iss', 'another account' ],
    [ iss => { aud => $A }, '401 bad_iss', 'an aud, no iss' ],

    [ 'aud-a' => { aud => $A }, '200 -', 'aud a string' ],
    [ 'aud-a' => { aud => ['x', $A] }, '200 -', 'aud an array naming it' ],
    [ 'aud-a' => { aud => $B }, '401 bad_aud', 'aud another string' ],
    [ 'aud-a' => { aud => ['x', $B] }, '401 bad_aud', 'aud an array without it' ],
    [ 'aud-a' => {}, '401 bad_aud', 'no aud' ],
    [ 'aud-a' => { aud => [] }, '401 bad_aud', 'aud an empty array' ],
    [ 'aud-a' => { aud => [$A, 1] }, '401 bad_aud', 'aud an array with a number' ],
    [ 'aud-a' => { aud => { $A => 1 } }, '401 bad_aud', 'aud an object' ],
    [ 'aud-a' => { aud => "$A $B" }, '401 bad_aud', 'aud two names in one string' ],
    [ 'aud-a' => { iss => $ISS }, '401 bad_aud', 'an iss, no aud' ],

    [ 'aud-b' => { aud => $B }, '200 -', 'the first of two audiences' ],
    [ 'aud-b' => { aud => 'other.example.com' }, '200 -', 'the second of two' ],
    [ 'aud-b' => { aud => $A }, '401 bad_aud', 'neither of two' ],

    [ 'aud-a/inherit' => { aud => $A }, '200 -', 'inherited audience' ],
    [ 'aud-a/inherit' => { aud => $B }, '401 bad_aud', 'inherited audience, another' ],
    [ 'aud-a/replaced' => { aud => $B }, '200 -', 'a nested scope\'s own audience' ],
    [ 'aud-a/replaced' => { aud => $A }, '401 bad_aud', 'the enclosing one no longer' ],

    [ both => { iss => $ISS, aud => $A }, '200 -', 'both right' ],
    [ both => { iss => 'x', aud => $A }, '401 bad_iss', 'iss wrong, aud right' ],
    [ both => { iss => $ISS, aud => 'x' }, '401 bad_aud', 'iss right, aud wrong' ],
    [ both => { iss => 'x', aud => 'x' }, '401 bad_iss', 'both wrong: iss first' ],

    [ dir => { iss => 'dir.approov.io' }, '200 -', '<Directory>: its iss' ],
    [ dir => { iss => $ISS }, '401 bad_iss', '<Directory>: another iss' ],
);

plan tests => @cases + 36;

for my $case (@cases) {
    my ($dir, $claims, $want, $name) = @$case;
    ok t_cmp(outcome("/issaud/$dir/ok.txt", 'Approov-Token' => mint(claims => $claims)),
             $want, "/$dir/: $name");
}

# The signature and the times come first: a forged or expired token with
# the right iss and aud is refused for that, and one with the wrong iss
# and aud and a bad signature never has its claims judged.
{
    (my $forged = mint(claims => { iss => 'x', aud => 'x' }))
        =~ s/\.(.)([^.]*)\z/'.' . ($1 eq 'A' ? 'B' : 'A') . $2/e;
    ok t_cmp(outcome('/issaud/both/ok.txt', 'Approov-Token' => $forged),
             '401 bad_signature', 'forged, wrong iss and aud: bad_signature');
    ok t_cmp(outcome('/issaud/both/ok.txt', 'Approov-Token' =>
                     mint(exp_in => -60, claims => { iss => 'x', aud => 'x' })),
             '401 expired', 'expired, wrong iss and aud: expired');
    ok t_cmp(outcome('/issaud/both/ok.txt'),
             '401 missing', 'no token: missing');
}

# The log line, APPROOV_RESULT and the counters.
{
    my $before = status_counters() || {};
    my $path = '/issaud/aud-a/' . unique('aud');
    t_start_error_log_watch();
    my $res = Apache::TestRequest::GET($path, 'Approov-Token' => mint(claims => { aud => $B }));
    my @lines = grep { /approov/ } t_finish_error_log_watch();
    t_debug("log: $_") for @lines;
    ok t_cmp($res->code . ' ' . ($res->header('X-Approov-Result') // '-'),
             '401 bad_aud', 'APPROOV_RESULT=bad_aud');
    ok t_cmp(scalar(grep { /\[approov:info\].* approov: token rejected: reason=bad_aud client=127\.0\.0\.1 method=GET uri=\Q$path\E$/ } @lines),
             1, 'one log line with reason=bad_aud');

    $path = '/issaud/iss/' . unique('iss');
    t_start_error_log_watch();
    $res = Apache::TestRequest::GET($path, 'Approov-Token' => mint(claims => { iss => 'x' }));
    @lines = grep { /approov/ } t_finish_error_log_watch();
    ok t_cmp($res->code . ' ' . ($res->header('X-Approov-Result') // '-'),
             '401 bad_iss', 'APPROOV_RESULT=bad_iss');
    ok t_cmp(scalar(grep { /\[approov:info\].* approov: token rejected: reason=bad_iss client=127\.0\.0\.1 method=GET uri=\Q$path\E$/ } @lines),
             1, 'one log line with reason=bad_iss');

    # Report-only: logged and counted apart, let through.
    t_start_error_log_watch();
    $res = Apache::TestRequest::GET('/issaud/report-only/ok.txt',
                                    'Approov-Token' => mint(claims => { aud => $B }));
    @lines = grep { /approov/ } t_finish_error_log_watch();
    ok t_cmp($res->code . ' ' . ($res->header('X-Approov-Result') // '-'),
             '200 bad_aud', 'report-only: let through, APPROOV_RESULT=bad_aud');
    ok t_cmp(scalar(grep { /\[approov:warn\].*would be rejected \(report-only\): reason=bad_aud / } @lines),
             1, 'report-only: logged as would be rejected');

    my $after = status_counters() || {};
    my %delta = map { $_ => ($after->{$_} // 0) - ($before->{$_} // 0) }
                qw(ApproovBadAud ApproovBadIss ApproovReportOnlyBadAud);
    ok t_cmp($delta{ApproovBadAud}, 1, 'ApproovBadAud counted');
    ok t_cmp($delta{ApproovBadIss}, 1, 'ApproovBadIss counted');
    ok t_cmp($delta{ApproovReportOnlyBadAud}, 1, 'ApproovReportOnlyBadAud counted');
}

# One keep-alive connection, one key set (the secret is /issaud/'s), two
# scopes with other audiences: the connection's cache holds the token
# after its first full check, and each scope judges it by its own
# audience, in either order and again.
{
    my $conn = connection_open();
    my $token_a = mint(claims => { aud => $A });
    my $token_b = mint(claims => { aud => $B });
    my @steps = (
        [ 'aud-a', $token_a, '200 -' ],
        [ 'aud-a', $token_a, '200 -' ],     # the cache holds it now
        [ 'aud-b', $token_a, '401 bad_aud' ],
        [ 'aud-a', $token_a, '200 -' ],
        [ 'aud-b', $token_a, '401 bad_aud' ],
        [ 'aud-b', $token_b, '200 -' ],
        [ 'aud-b', $token_b, '200 -' ],
        [ 'aud-a', $token_b, '401 bad_aud' ],
        [ 'iss',   $token_b, '401 bad_iss' ],
        [ 'aud-a/replaced', $token_b, '200 -' ],
    );
    my $n = 0;
    for my $step (@steps) {
        my ($dir, $token, $want) = @$step;
        $n++;
        ok t_cmp(connection_outcome($conn, "/issaud/$dir/ok.txt", 'Approov-Token' => $token),
                 $want, "keep-alive request $n: /$dir/ with the token for "
                        . ($token eq $token_a ? 'a' : 'b'));
    }
}

# Start-up: an empty issuer or audience, or none, stops httpd, with the
# file and line (httpd's own words for ApproovIssuer, one argument); so
# does either inside <Limit>; both in one <Location> are fine.
{
    my $dir = tempdir('approov-issaud-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my @cases = (
        [ 'ApproovIssuer ""', qr/ApproovIssuer takes one argument/ ],
        [ 'ApproovIssuer', qr/ApproovIssuer takes one argument/ ],
        [ 'ApproovIssuer a b', qr/ApproovIssuer takes one argument/ ],
        [ 'ApproovAudience a "" b', qr/ApproovAudience: an audience must not be empty/ ],
        [ 'ApproovAudience ""', qr/ApproovAudience: an audience must not be empty/ ],
        [ 'ApproovAudience', qr/ApproovAudience: name at least one audience/ ],
        [ "<Limit GET>\n        ApproovAudience a\n    </Limit>", qr/ApproovAudience.*Limit|Limit.*ApproovAudience/ ],
        [ "ApproovIssuer acme.approov.io\n    ApproovAudience a b\n    ApproovAudience c", undef ],
    );
    my $n = 0;
    for my $case (@cases) {
        my ($lines, $error) = @$case;
        my $conf = httpd_conf($dir, 'startup' . ++$n, free_port(),
            qq{LoadModule approov_module "$ENV{APPROOV_TEST_MODULE}"},
            '<Location /api/>', '    Approov On',
            qq{    ApproovBase64Secret "$ApproovMint::SECRET{main}"},
            "    $lines", '</Location>');
        my ($status, $out) = run_httpd('-t', '-f', $conf);
        t_debug("httpd -t: exit $status: $out");
        ok t_cmp($error ? ($status != 0 && $out =~ $error && $out =~ /startup$n\.conf/ ? 'refused' : "exit $status: $out")
                        : ($status == 0 ? 'Syntax OK' : "exit $status: $out"),
                 $error ? 'refused' : 'Syntax OK', "httpd -t with $lines");
    }
}

# A <VirtualHost>'s own values, and a <Location> inside it that replaces
# only the audience.
{
    Apache::TestRequest::module('approov_issaud_vhost');
    my @vhost = (
        [ '/open/ok.txt', { iss => 'vhost.approov.io', aud => 'vhost.example.com' }, '200 -', 'both the vhost\'s' ],
        [ '/open/ok.txt', { iss => $ISS, aud => 'vhost.example.com' }, '401 bad_iss', 'the main server\'s issuer' ],
        [ '/open/ok.txt', { iss => 'vhost.approov.io', aud => $A }, '401 bad_aud', 'another audience' ],
        [ '/issaud/aud-a/ok.txt', { iss => 'vhost.approov.io', aud => $A }, '200 -', '<Location> audience, vhost issuer' ],
        [ '/issaud/aud-a/ok.txt', { iss => 'vhost.approov.io', aud => 'vhost.example.com' }, '401 bad_aud', 'the vhost audience replaced' ],
        [ '/issaud/aud-a/ok.txt', { aud => $A }, '401 bad_iss', 'the vhost issuer kept' ],
    );
    for my $case (@vhost) {
        my ($path, $claims, $want, $name) = @$case;
        ok t_cmp(outcome($path, 'Approov-Token' => mint(claims => $claims)),
                 $want, "vhost $path: $name");
    }
    Apache::TestRequest::module('default');
}
