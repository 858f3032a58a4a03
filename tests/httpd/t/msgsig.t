# ApproovMessageSigning: the install signature (RFC 9421) of each request,
# by the P-256 key whose public half the token carries in ipk, and the
# Content-Digest (RFC 9530) of the body, which must still reach the
# handler or the proxied backend whole.  The signatures are made by
# tools/approov-token sign-request (APPROOV_TEST_TOOL), as the SDK would.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp t_debug);
use File::Temp qw(tempdir);
use ApproovMint qw(%SECRET mint);
use ApproovTest qw(outcome watched_outcome connection_open connection_outcome
                   install_token signature_headers);

my $tool = $ENV{APPROOV_TEST_TOOL};
plan tests => 24 + 14 + 7, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                         => $tool && -x $tool };

my $keys = Apache::Test::vars('t_conf') . '/keys';
my $install_key = "$keys/ec.key.pem";
my $dir = tempdir('approov-msgsig-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $other_key = "$dir/other.key.pem";
system('openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt',
       'ec_paramgen_curve:P-256', '-out', $other_key) == 0
    or die 'openssl genpkey failed';

# GET path with the token and a signature made with these options (the
# signed path defaults to the requested one).
sub signed_get {
    my ($path, $token, %opt) = @_;
    my @sig = signature_headers(path => $path, token => $token, %opt);
    return outcome($path, 'Approov-Token' => $opt{send_token} || $token, @sig);
}

my $token = install_token($install_key);
my $no_ipk = mint();
my $path = '/msgsig/ok.txt';

ok t_cmp(signed_get($path, $token), '200 -', 'Required: signed request');
ok t_cmp(signed_get($path, $token, flags => ['--as-string']), '200 -',
         'Required: signature sent as a string (Android SDK)');
ok t_cmp(signed_get($path, $token, flags => ['--no-alg']), '200 -',
         'Required: no alg parameter');
ok t_cmp(outcome($path, 'Approov-Token' => $token), '401 sig_missing_headers',
         'Required: no signature');
ok t_cmp(outcome($path, 'Approov-Token' => $no_ipk), '401 sig_no_ipk',
         'Required: a token without ipk');
ok t_cmp(signed_get($path, $token, path => '/msgsig/other.txt'),
         '401 sig_bad_signature', 'Required: signed for another path');
ok t_cmp(signed_get($path, $token, method => 'POST'),
         '401 sig_bad_signature', 'Required: signed for another method');
ok t_cmp(signed_get($path, $token, key => $other_key),
         '401 sig_bad_signature', 'Required: signed with another install key');
ok t_cmp(signed_get($path, $token,
                    send_token => install_token($install_key, 'did=another')),
         '401 sig_bad_signature', 'Required: the token was swapped after signing');
ok t_cmp(signed_get($path, install_token($other_key), key => $install_key),
         '401 sig_bad_signature', 'Required: ipk of another installation');
ok t_cmp(signed_get($path, $token, created => time - 3600),
         '401 sig_too_old', 'Required: created an hour ago');
ok t_cmp(signed_get($path, $token, created => time + 3600),
         '401 sig_created_in_future', 'Required: created in an hour');
ok t_cmp(signed_get($path, $token, cover => ['@method', 'approov-token']),
         '401 sig_missing_component', 'Required: the target is not covered');
ok t_cmp(signed_get($path, mint(exp_in => -10)), '401 expired',
         'Required: the token is checked first');

$path = '/msgsig-ifpresent/ok.txt';
ok t_cmp(outcome($path, 'Approov-Token' => $no_ipk), '200 -',
         'IfPresent: a token without ipk passes unsigned');
ok t_cmp(outcome($path, 'Approov-Token' => $token), '401 sig_missing_headers',
         'IfPresent: a token with ipk needs a signature');
ok t_cmp(signed_get($path, $token), '200 -', 'IfPresent: signed request');

# Bodies: Content-Digest is checked, and the handler gets the same bytes.
my $body = join '&', map { "field$_=" . ('x' x 100) } 1 .. 200;   # ~21 KB
for my $case ([ 'CGI', '/msgsig/echo.cgi' ],
              [ 'proxied', '/msgsig-proxied/echo.cgi' ]) {
    my ($name, $target) = @$case;
    my @sig = signature_headers(path => $target, token => $token,
                                method => 'POST', body => $body);
    my $res = Apache::TestRequest::POST($target, 'Approov-Token' => $token,
                                        @sig, content => $body);
    ok t_cmp($res->code, 200, "$name: signed body accepted");
    ok t_cmp($res->content eq $body ? 'the same body' : 'another body '
             . length($res->content), 'the same body',
             "$name: the handler got the body whole");
    @sig = signature_headers(path => $target, token => $token,
                             method => 'POST', body => "$body!");
    $res = Apache::TestRequest::POST($target, 'Approov-Token' => $token,
                                     @sig, content => $body);
    ok t_cmp($res->code, 401, "$name: a body that does not match its digest");
}
# The digest itself is covered: changing it breaks the signature.
my %sig = signature_headers(path => '/msgsig/echo.cgi', token => $token,
                            method => 'POST', body => 'a');
my %other = signature_headers(path => '/msgsig/echo.cgi', token => $token,
                              method => 'POST', body => 'b');
ok t_cmp(watched_outcome(sub {
             Apache::TestRequest::POST('/msgsig/echo.cgi', 'Approov-Token' => $token,
                 %sig, 'Content-Digest' => $other{'Content-Digest'}, content => 'b')->code
         }),
         '401 sig_bad_signature', 'a Content-Digest swapped for the body sent');

# Each way the signature headers themselves can be wrong, with its reason.
# The headers are made by the tool, then edited as an attacker (or a broken
# client) would.
sub edited_get {
    my ($what, $edit, %opt) = @_;
    my %sig = signature_headers(path => $path, token => $token, %opt);
    $edit->(\%sig);
    return outcome($path, 'Approov-Token' => $token, %sig, @{ $opt{extra} || [] });
}
$path = '/msgsig/ok.txt';
# (expires is allowed ApproovMessageSigningClockSkew, 60 s, like created)
ok t_cmp(signed_get($path, $token, created => time - 200,
                    flags => ['--expires', time - 120]),
         '401 sig_expired', 'expires has passed');
ok t_cmp(edited_get('no created', sub { $_[0]{'Signature-Input'} =~ s/;created=\d+//
                                            or die 'no created' }),
         '401 sig_no_created', 'no created parameter');
ok t_cmp(edited_get('alg', sub { $_[0]{'Signature-Input'} =~ s/alg="[^"]*"/alg="rsa-pss-sha512"/
                                     or die 'no alg' }),
         '401 sig_bad_alg', 'alg other than ecdsa-p256-sha256');
ok t_cmp(edited_get('input', sub { $_[0]{'Signature-Input'} =~ s/\)/,/ or die }),
         '401 sig_bad_signature_input', 'Signature-Input not a structured dictionary');
ok t_cmp(edited_get('sig', sub { $_[0]{'Signature'} =~ s/=:/=:!/ or die }),
         '401 sig_bad_signature_header', 'Signature not a byte sequence or string');
ok t_cmp(edited_get('label', sub { s/^install=/other=/ for values %{ $_[0] } }),
         '401 sig_bad_signature_input', 'no member labelled install');
ok t_cmp(edited_get('dup', sub { $_[0]{'Signature-Input'} =~ s/\("\@method"/("\@method" "\@method"/
                                     or die }),
         '401 sig_duplicate_component', 'a component covered twice');
ok t_cmp(edited_get('unknown', sub { $_[0]{'Signature-Input'} =~ s/"\@method"/"\@nonsense"/
                                         or die }),
         '401 sig_unknown_component', 'an unknown derived component');
ok t_cmp(edited_get('absent', sub { },
                    cover => ['@method', '@target-uri', 'approov-token', 'x-approov-extra'],
                    flags => ['--header', 'X-Approov-Extra: 1']),
         '401 sig_component_absent', 'a covered header missing from the request');
ok t_cmp(edited_get('present', sub { },
                    cover => ['@method', '@target-uri', 'approov-token', 'x-approov-extra'],
                    flags => ['--header', 'X-Approov-Extra: 1'],
                    extra => ['X-Approov-Extra' => '1']),
         '200 -', 'the same, with the header sent');

# Content-Digest: the reason of a mismatch, a digest covered but not sent,
# a body over ApproovMessageSigningMaxBody.
sub post_outcome {
    my ($target, $body, %opt) = @_;
    my %sig = signature_headers(path => $target, token => $token, method => 'POST',
                                body => $opt{signed_body} // $body);
    delete $sig{'Content-Digest'} if $opt{no_digest};
    return watched_outcome(sub {
        Apache::TestRequest::POST($target, 'Approov-Token' => $token,
                                  %sig, content => $body)->code
    });
}
ok t_cmp(post_outcome('/msgsig/echo.cgi', 'abc', signed_body => 'abd'),
         '401 digest_mismatch', 'a body that does not match its digest: reason');
ok t_cmp(post_outcome('/msgsig/echo.cgi', 'abc', no_digest => 1),
         '401 sig_component_absent', 'content-digest covered but not sent');
ok t_cmp(post_outcome('/msgsig-small/echo.cgi', 'x' x 1024), '200 -',
         'a body of exactly ApproovMessageSigningMaxBody');
ok t_cmp(post_outcome('/msgsig-small/echo.cgi', 'x' x 1025),
         '401 sig_body_too_large', 'a body over ApproovMessageSigningMaxBody');

# One keep-alive connection: the token is kept from its second request on
# (t/keepalive.t), and every request's own signature is still checked.
{
    my $conn = connection_open();
    my $on_path = '/msgsig/ok.txt';
    my $on = sub {
        return connection_outcome($conn, $on_path, 'Approov-Token' => $token, @_);
    };
    for my $n (1 .. 3) {
        ok t_cmp($on->(signature_headers(path => $on_path, token => $token)),
                 '200 -', "one connection: signed request $n");
    }
    ok t_cmp($on->(), '401 sig_missing_headers', 'one connection: then unsigned');
    ok t_cmp($on->(signature_headers(path => $on_path, token => $token,
                                     key => $other_key)),
             '401 sig_bad_signature', 'one connection: then another install key');
    ok t_cmp($on->(signature_headers(path => '/msgsig/other.txt', token => $token)),
             '401 sig_bad_signature', 'one connection: then signed for another path');
    ok t_cmp($on->(signature_headers(path => $on_path, token => $token)),
             '200 -', 'one connection: and signed again');
}
