# Message signing sees the request target as the client sent it (RFC 9421
# section 2.2): @path, @query, @query-param, @request-target and
# @target-uri come from the request line, percent-encoding, "..", "//"
# kept, never from httpd's decoded and normalised path.  The signatures
# here are made by a signer of the test's own (the signature base built in
# Perl, ECDSA by the openssl command), independent of the module's code,
# and cross-checked against tools/approov-token sign-request.  Requests go
# over a raw connection so that no client library rewrites the target.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp t_debug);
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);
use ApproovTest qw(connection_open connection_outcome install_token run_tool);

my $tool = $ENV{APPROOV_TEST_TOOL};
plan tests => 16, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                         => $tool && -x $tool };

my $key = Apache::Test::vars('t_conf') . '/keys/ec.key.pem';
my $dir = tempdir('approov-target-XXXXXX', TMPDIR => 1, CLEANUP => 1);

my $token = install_token($key);
my $conn = connection_open();
my $authority = $conn->{hostport};

# RFC 9421 section 2.2.8: a query parameter's value, decoded as
# application/x-www-form-urlencoded and re-encoded.
sub query_param {
    my ($query, $name) = @_;
    for my $pair (split /&/, $query) {
        my ($n, $v) = split /=/, $pair, 2;
        next unless $n eq $name;
        ($v //= '') =~ tr/+/ /;
        $v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
        $v =~ s/([^A-Za-z0-9*\-._])/sprintf '%%%02X', ord $1/ge;
        return $v;
    }
    die "no $name in $query";
}

# Signature-Input and Signature for GET of $target (as sent), signed over
# $signed_target (default: the same) covering @method, the components
# given and approov-token.
sub signature_headers {
    my ($target, %opt) = @_;
    my $signed = $opt{signed_target} // $target;
    my ($path, $query) = $signed =~ /\A([^?]*)(?:\?(.*))?\z/s;
    my %value = (
        '@method'         => 'GET',
        '@path'           => $path,
        '@query'          => '?' . ($query // ''),
        '@request-target' => $signed,
        '@target-uri'     => "http://$authority$signed",
        'approov-token'   => $token,
    );
    my @ids;
    my @lines;
    for my $component ('@method', @{ $opt{cover} }, 'approov-token') {
        my ($name, $param) = split /;/, $component, 2;
        my $id = qq("$name") . (defined $param ? qq(;name="$param") : '');
        my $v = defined $param ? query_param($query, $param) : $value{$name};
        push @ids, $id;
        push @lines, "$id: $v";
    }
    my $params = '(' . join(' ', @ids) . ');created=' . time
                 . ';alg="ecdsa-p256-sha256"';
    my $base = join("\n", @lines, qq("\@signature-params": $params));
    open my $fh, '>', "$dir/base" or die $!;
    print $fh $base;
    close $fh;
    system('openssl', 'dgst', '-sha256', '-sign', $key, '-out', "$dir/sig",
           "$dir/base") == 0 or die 'openssl dgst failed';
    open $fh, '<:raw', "$dir/sig" or die $!;
    my $der = do { local $/; <$fh> };
    close $fh;
    # ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } -> r || s
    my ($r, $s) = unpack 'x2 x C/a x C/a', $der;
    my $rs = join '', map { substr(("\0" x 32) . $_, -32) } $r, $s;
    return ('Signature-Input' => "install=$params",
            'Signature' => 'install=:' . encode_base64($rs, '') . ':');
}

sub signed_outcome {
    my ($target, %opt) = @_;
    return connection_outcome($conn, $target, 'Approov-Token' => $token,
                              signature_headers($target, %opt));
}

# An escaped path, signed as sent: @path and @target-uri.
for my $cover (['@path'], ['@target-uri'], ['@path', '@request-target']) {
    ok t_cmp(signed_outcome('/msgsig/a%20b.txt', cover => $cover), '200 -',
             "@$cover of /msgsig/a%20b.txt, signed as sent");
}
ok t_cmp(signed_outcome('/msgsig/a%20b.txt', cover => ['@path'],
                        signed_target => '/msgsig/a b.txt'),
         '401 sig_bad_signature', 'signed over the decoded path: refused');

# A signature over one spelling does not cover another that httpd maps to
# the same file.
for my $sent ('/msgsig/x/../ok.txt', '/msgsig/%6fk.txt', '/msgsig//ok.txt',
              '/msgsig/./ok.txt') {
    ok t_cmp(signed_outcome($sent, cover => ['@path'],
                            signed_target => '/msgsig/ok.txt'),
             '401 sig_bad_signature',
             "signed for /msgsig/ok.txt, sent as $sent: refused");
}
for my $sent ('/msgsig/x/../ok.txt', '/msgsig/%6fk.txt', '/msgsig//ok.txt') {
    ok t_cmp(signed_outcome($sent, cover => ['@target-uri']), '200 -',
             "$sent signed as sent: accepted");
}

# Queries: escapes kept in @query, decoded and re-encoded in @query-param.
my $q = '/msgsig/ok.txt?q=%C3%A9t%C3%A9&x=a%2Fb+c&e=';
ok t_cmp(signed_outcome($q, cover => ['@path', '@query']), '200 -',
         '@query with escapes, signed as sent');
ok t_cmp(signed_outcome($q, cover => ['@path', '@query-param;q',
                                      '@query-param;x']),
         '200 -', '@query-param of escaped values');
ok t_cmp(signed_outcome($q, cover => ['@path', '@query'],
                        signed_target => '/msgsig/ok.txt?q=%c3%a9t%c3%a9&x=a%2Fb+c&e='),
         '401 sig_bad_signature', '@query signed with other escapes: refused');

# The tool signs the same way (one signer checks the other).
my %tool = map { /^([\w-]+):\s*(.*)$/ ? ($1, $2) : () } split /\n/,
    run_tool('sign-request', '--install-key', $key, '--method', 'GET',
             '--url', "http://$authority/msgsig/a%20b.txt",
             '--header', "Approov-Token: $token");
ok t_cmp(connection_outcome($conn, '/msgsig/a%20b.txt', 'Approov-Token' => $token,
                            %tool),
         '200 -', 'approov-token sign-request over an escaped path');

# Non-ASCII bytes never reach a signature base: httpd refuses them in a
# request line, or the check does.
my $res_code = connection_outcome(connection_open(), "/msgsig/caf\xc3\xa9.txt",
                                  'Approov-Token' => $token,
                                  signature_headers('/msgsig/ok.txt', cover => ['@path']));
ok t_cmp($res_code, qr/^(400|401) /, 'a raw non-ASCII path is refused');
