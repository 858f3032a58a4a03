# httpd refuses to start, and "httpd -t" says why, when a secret is
# missing, empty, badly encoded or shorter than RFC 7518 3.2 allows, when an
# env file is missing or lacks the variable, or when a value is out of
# range.  Each case is a small config
# of its own, checked with the same httpd and module as the rest.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use Time::HiRes qw(sleep);
use Digest::SHA qw(hmac_sha256 hmac_sha384 hmac_sha512);
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use ApproovMint qw(%SECRET mint b64url);

my $httpd = Apache::Test::vars('httpd');
my $module = $ENV{APPROOV_TEST_MODULE};
my $main = $SECRET{main};
(my $main_url = $main) =~ tr{+/}{-_};
(my $main_url_unpadded = $main_url) =~ s/=+$//;
(my $main_unpadded = $main) =~ s/=+$//;

# The MPM and authz_core the test server loaded.
my $conf_dir = Apache::Test::vars('t_conf');
open my $fh, '<', "$conf_dir/httpd.conf" or die "$conf_dir/httpd.conf: $!";
my ($mpm) = grep { /^\s*LoadModule\s+mpm_\w+_module\s/ } <$fh>;
close $fh;
die "no MPM in $conf_dir/httpd.conf" unless $mpm;
my $modules_dir = $ENV{APPROOV_TEST_MODULES_DIR};

my $dir = tempdir('approov-startup-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub write_file {
    my ($name, $text) = @_;
    open my $out, '>', "$dir/$name" or die "$dir/$name: $!";
    print $out $text;
    close $out;
    return "$dir/$name";
}

write_file('good.env', <<"DOTENV");
# A comment, a blank line, an unrelated variable and export with quotes.

OTHER=1
export APPROOV_BASE64_SECRET="$main"
DOTENV
write_file('single.env', "APPROOV_BASE64_SECRET='$main'\n");
write_file('no-variable.env', "# nothing here\nOTHER_SECRET=$main\n");
write_file('bad-value.env', "APPROOV_BASE64_SECRET=not*base64!\n");
write_file('empty-value.env', "APPROOV_BASE64_SECRET=\n");
write_file('twice.env', "APPROOV_BASE64_SECRET=$main\nAPPROOV_BASE64_SECRET=$main\n");

# RFC 7518 3.2: an HMAC key at least as long as the hash output, 32 bytes
# for HS256 (48 for HS384, 64 for HS512).  Secrets of n bytes:
sub secret_of { my ($n) = @_; return join '', map { chr(($_ * 37 + 11) % 256) } 1 .. $n }
my $b31 = encode_base64(secret_of(31), '');
my $b32 = encode_base64(secret_of(32), '');
write_file('short.env', "APPROOV_BASE64_SECRET=$b31\n");
write_file('just-long-enough.env', "APPROOV_BASE64_SECRET=$b32\n");
# ... and JWK Sets of one oct key of n bytes, with alg or without.
sub oct_jwks {
    my ($name, $n, $alg) = @_;
    my %key = (kty => 'oct', k => b64url(secret_of($n)));
    $key{alg} = $alg if $alg;
    return write_file($name, JSON::PP->new->canonical->encode({ keys => [ \%key ] }));
}
oct_jwks("oct-$_.jwks", $_) for 31, 32, 48, 64;
oct_jwks('oct-hs256-31.jwks', 31, 'HS256');
oct_jwks('oct-hs384-47.jwks', 47, 'HS384');
oct_jwks('oct-hs384-48.jwks', 48, 'HS384');
oct_jwks('oct-hs512-63.jwks', 63, 'HS512');
oct_jwks('oct-hs512-64.jwks', 64, 'HS512');

# A whole httpd.conf around some lines.
sub config {
    my ($name, $body, $port) = @_;
    $port ||= 1;
    return write_file("$name.conf", <<"CONF");
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/$name.pid"
ErrorLog "$dir/$name.error_log"
ServerName localhost
Listen 127.0.0.1:$port
$mpm
LoadModule authz_core_module "$modules_dir/mod_authz_core.so"
LoadModule approov_module "$module"
DocumentRoot "$dir"
$body
CONF
}

# Run httpd with APPROOV_BASE64_SECRET set to $secret, or unset if undef.
sub run_httpd {
    my ($secret, @args) = @_;
    local %ENV = %ENV;
    delete $ENV{APPROOV_BASE64_SECRET};
    $ENV{APPROOV_BASE64_SECRET} = $secret if defined $secret;
    my $out = `"$httpd" @args 2>&1`;
    return ($? >> 8, $out);
}

my $on = "<Location /api/>\n    Approov On\n</Location>";
my $keys = "$conf_dir/keys";
write_file('bad.jwks', '{"keys":[{"kty":"EC","crv":"P-256","x":"AAAA"}]}');
write_file('not-json.jwks', "{\"keys\": [\n");

# [ name, config body, APPROOV_BASE64_SECRET, undef (starts) or a list of
#   patterns the error must match ]
my @cases = (
    # These start: each is a control for the failures below.
    [ 'directive',          "ApproovBase64Secret \"$main\"\n$on" ],
    [ 'base64url',          "ApproovBase64Secret $main_url\n$on" ],
    [ 'base64url-unpadded', "ApproovBase64Secret $main_url_unpadded\n$on" ],
    [ 'unpadded',           "ApproovBase64Secret $main_unpadded\n$on" ],
    [ 'process-env',        $on, $SECRET{procenv} ],
    [ 'env-file',           "ApproovEnvFile good.env\n$on" ],
    [ 'env-file-absolute',  "ApproovEnvFile $dir/single.env\n$on" ],
    [ 'in-location',        "<Location /api/>\n    Approov On\n    ApproovBase64Secret $main\n</Location>" ],
    [ 'off-without-secret', "<Location /api/>\n    Approov Off\n</Location>" ],
    [ 'options',            "ApproovBase64Secret $main\nApproovLeeway 300\nApproovFailureStatus 400\nApproovTokenHeader Authorization \"Bearer \"\n$on" ],
    [ 'public-key',         "ApproovPublicKeyFile $keys/rsa.pub.pem\n$on" ],
    [ 'public-keys-kids',   "ApproovPublicKeyFile $keys/ec.pub.pem ec\nApproovPublicKeyFile $keys/ed25519.pub.pem ed\nApproovBase64Secret $main\n$on" ],
    [ 'jwks',               "ApproovJWKSFile $keys/jwks.json\n$on" ],
    [ 'rotation',           "ApproovBase64Secret $main 2025\nApproovBase64Secret $SECRET{directive} 2026\n$on" ],
    [ 'secret-32-bytes',    "ApproovBase64Secret $b32\n$on" ],
    [ 'env-file-32-bytes',  "ApproovEnvFile just-long-enough.env\n$on" ],
    [ 'process-env-32-bytes', $on, $b32 ],
    [ 'jwks-oct-32',        "ApproovJWKSFile oct-32.jwks\n$on" ],
    [ 'jwks-oct-hs384-48',  "ApproovJWKSFile oct-hs384-48.jwks\n$on" ],
    [ 'jwks-oct-hs512-64',  "ApproovJWKSFile oct-hs512-64.jwks\n$on" ],

    # These must not start.
    [ 'no-secret', $on, undef,
      [ qr/Approov On/, qr/\Q$dir\E\/no-secret\.conf/ ] ],
    [ 'no-secret-server-wide', 'Approov On', undef,
      [ qr/Approov On/, qr/\Q$dir\E\/no-secret-server-wide\.conf/ ] ],
    [ 'bad-process-env', $on, 'not*base64!',
      [ qr/APPROOV_BASE64_SECRET/ ] ],
    [ 'bad-base64', "ApproovBase64Secret \"not*base64!\"\n$on", undef,
      [ qr/ApproovBase64Secret/, qr/line \d+ of \Q$dir\E\/bad-base64\.conf/ ] ],
    [ 'bad-base64-space', "ApproovBase64Secret \"h+CX0tOz dAAR9l15\"\n$on", undef,
      [ qr/ApproovBase64Secret/, qr/line \d+ of \Q$dir\E\/bad-base64-space\.conf/ ] ],
    [ 'empty-secret', "ApproovBase64Secret \"\"\n$on", undef,
      [ qr/ApproovBase64Secret/, qr/line \d+ of \Q$dir\E\/empty-secret\.conf/ ] ],
    [ 'secret-31-bytes', "ApproovBase64Secret $b31\n$on", undef,
      [ qr/ApproovBase64Secret/, qr/line \d+ of \Q$dir\E\/secret-31-bytes\.conf/,
        qr/31 bytes/ ] ],
    [ 'secret-31-bytes-with-kid', "ApproovBase64Secret $b31 2026\nApproovBase64Secret $main 2025\n$on", undef,
      [ qr/ApproovBase64Secret/, qr/31 bytes/ ] ],
    [ 'env-file-31-bytes', "ApproovEnvFile short.env\n$on", $SECRET{procenv},
      [ qr/ApproovEnvFile/, qr/\Q$dir\E\/short\.env/, qr/31 bytes/ ] ],
    [ 'process-env-31-bytes', $on, $b31,
      [ qr/APPROOV_BASE64_SECRET in httpd's environment/, qr/31 bytes/,
        qr/Approov On at \Q$dir\E\/process-env-31-bytes\.conf/ ] ],
    [ 'jwks-oct-31', "ApproovJWKSFile oct-31.jwks\n$on", undef,
      [ qr/ApproovJWKSFile/, qr/\Q$dir\E\/oct-31\.jwks/, qr/31 bytes is too short/ ] ],
    [ 'jwks-oct-hs256-31', "ApproovJWKSFile oct-hs256-31.jwks\n$on", undef,
      [ qr/ApproovJWKSFile/, qr/oct-hs256-31\.jwks/, qr/too short for HS256/ ] ],
    [ 'jwks-oct-hs384-47', "ApproovJWKSFile oct-hs384-47.jwks\n$on", undef,
      [ qr/ApproovJWKSFile/, qr/oct-hs384-47\.jwks/, qr/too short for HS384/ ] ],
    [ 'jwks-oct-hs512-63', "ApproovJWKSFile oct-hs512-63.jwks\n$on", undef,
      [ qr/ApproovJWKSFile/, qr/oct-hs512-63\.jwks/, qr/too short for HS512/ ] ],
    [ 'missing-env-file', "ApproovEnvFile missing.env\n$on", $SECRET{procenv},
      [ qr/ApproovEnvFile/, qr/\Q$dir\E\/missing\.env/ ] ],
    [ 'env-file-without-variable', "ApproovEnvFile no-variable.env\n$on", $SECRET{procenv},
      [ qr/APPROOV_BASE64_SECRET/, qr/\Q$dir\E\/no-variable\.env/ ] ],
    [ 'env-file-bad-value', "ApproovEnvFile bad-value.env\n$on", $SECRET{procenv},
      [ qr/\Q$dir\E\/bad-value\.env/ ] ],
    [ 'env-file-empty-value', "ApproovEnvFile empty-value.env\n$on", $SECRET{procenv},
      [ qr/\Q$dir\E\/empty-value\.env/ ] ],
    [ 'env-file-twice', "ApproovEnvFile twice.env\n$on", $SECRET{procenv},
      [ qr/\Q$dir\E\/twice\.env/ ] ],
    [ 'leeway-too-big', "ApproovBase64Secret $main\nApproovLeeway 301\n$on", undef,
      [ qr/ApproovLeeway/, qr/line \d+ of / ] ],
    [ 'leeway-negative', "ApproovBase64Secret $main\nApproovLeeway -1\n$on", undef,
      [ qr/ApproovLeeway/ ] ],
    [ 'leeway-not-a-number', "ApproovBase64Secret $main\nApproovLeeway 10s\n$on", undef,
      [ qr/ApproovLeeway/ ] ],
    [ 'failure-status-403', "ApproovBase64Secret $main\nApproovFailureStatus 403\n$on", undef,
      [ qr/ApproovFailureStatus/ ] ],
    [ 'public-key-missing', "ApproovPublicKeyFile missing.pem\n$on", undef,
      [ qr/ApproovPublicKeyFile/, qr/\Q$dir\E\/missing\.pem/ ] ],
    [ 'public-key-not-a-key', "ApproovPublicKeyFile $dir/good.env\n$on", undef,
      [ qr/ApproovPublicKeyFile/, qr/\Q$dir\E\/good\.env/ ] ],
    [ 'public-key-private', "ApproovPublicKeyFile $keys/rsa.key.pem\n$on", undef,
      [ qr/ApproovPublicKeyFile/ ] ],
    [ 'public-key-weak-rsa', "ApproovPublicKeyFile $keys/rsa1024.pub.pem\n$on", undef,
      [ qr/ApproovPublicKeyFile/, qr/rsa1024\.pub\.pem/ ] ],
    [ 'duplicate-kid', "ApproovBase64Secret $main 2025\nApproovBase64Secret $SECRET{directive} 2025\n$on", undef,
      [ qr/ApproovBase64Secret/, qr/kid '2025'/ ] ],
    [ 'two-without-kid', "ApproovBase64Secret $main\nApproovPublicKeyFile $keys/rsa.pub.pem\n$on", undef,
      [ qr/ApproovPublicKeyFile/, qr/without a kid/ ] ],
    [ 'jwks-missing', "ApproovJWKSFile missing.jwks\n$on", undef,
      [ qr/ApproovJWKSFile/, qr/\Q$dir\E\/missing\.jwks/ ] ],
    [ 'jwks-not-json', "ApproovJWKSFile not-json.jwks\n$on", undef,
      [ qr/ApproovJWKSFile/, qr/not-json\.jwks/ ] ],
    [ 'jwks-bad-key', "ApproovJWKSFile bad.jwks\n$on", undef,
      [ qr/ApproovJWKSFile/, qr/bad\.jwks/ ] ],
);

# Where Approov On is and where the key is: virtual hosts, <Location>
# and <Directory> sections.  Each is checked with httpd -t and a real start.
# [ name, config body, APPROOV_BASE64_SECRET, the secret that then verifies
#   tokens at the path (starts) or undef (refused: the last Approov On in
#   the file has no secret, and the error must name its file and line) ]
sub vhost {
    my ($inside) = @_;
    $inside =~ s/^/    /mg;
    return "<VirtualHost *>\n    ServerName vhost.example\n$inside</VirtualHost>";
}
my $key = "ApproovBase64Secret $main";
my @scopes = (
    # These start, and check tokens at /api/v1/x or /d/e/x.
    [ 'vhost-own-secret', vhost("Approov On\n$key\n"), undef, 'main' ],
    [ 'vhost-location-vhost-secret',
      vhost("$key\n<Location /api/>\n    Approov On\n</Location>\n"), undef, 'main' ],
    [ 'vhost-server-secret', "$key\n" . vhost("Approov On\n"), undef, 'main' ],
    [ 'vhost-process-env', vhost("Approov On\n"), $SECRET{procenv}, 'procenv' ],
    [ 'location-encloses',
      "<Location /api>\n    $key\n</Location>\n<Location /api/v1>\n    Approov On\n</Location>",
      undef, 'main' ],
    # The main server's <Location> sections apply in every virtual host.
    [ 'server-location-encloses-vhost-location',
      "<Location /api/>\n    $key\n</Location>\n"
      . vhost("<Location /api/v1/>\n    Approov On\n</Location>\n"), undef, 'main' ],
    [ 'directory-own-key',
      "<Directory \"$dir/d/e\">\n    Approov On\n    $key\n</Directory>", undef, 'main' ],
    [ 'directory-encloses',
      "<Directory \"$dir/d\">\n    $key\n</Directory>\n<Directory \"$dir/d/e\">\n    Approov On\n</Directory>",
      undef, 'main' ],

    # These must not start.
    [ 'vhost-no-secret', vhost("Approov On\n") ],
    [ 'vhost-other-vhost-has-secret',
      vhost("Approov On\n$key\n") . "\n" . vhost("ServerAlias other.example\nApproov On\n") ],
    [ 'vhost-location-server-location-key',
      "<Location /a/>\n    Approov On\n    $key\n</Location>\n"
      . vhost("<Location /b/>\n    Approov On\n</Location>\n") ],
    [ 'vhost-location-sibling-key',
      vhost("<Location /a/>\n    $key\n</Location>\n<Location /b/>\n    Approov On\n</Location>\n") ],
    [ 'location-sibling-key',
      "<Location /a/>\n    $key\n</Location>\n<Location /b/>\n    Approov On\n</Location>" ],
    [ 'location-key-in-vhost-only',
      vhost("<Location /api/>\n    $key\n</Location>\n") . "\n<Location /api/v1/>\n    Approov On\n</Location>" ],
    [ 'directory-no-key', "<Directory \"$dir/d/e\">\n    Approov On\n</Directory>" ],
    [ 'directory-sibling-key',
      "<Directory \"$dir/other\">\n    $key\n</Directory>\n<Directory \"$dir/d/e\">\n    Approov On\n</Directory>" ],
);

my $tests = 0;
$tests += 1 + ($_->[3] ? @{ $_->[3] } : 0) for @cases;
$tests += $_->[3] ? 1 + 3 : 2 + 2 for @scopes;
plan tests => $tests + 3 + 3 + 3 + 4 + 5;

for my $case (@cases) {
    my ($name, $body, $secret, $errors) = @$case;
    my $conf = config($name, $body);
    my ($status, $out) = run_httpd($secret, '-t', '-f', $conf);
    t_debug("$name: exit $status: $out");
    if (!$errors) {
        ok t_cmp("$status $out", qr/^0 .*Syntax OK/s, "$name: httpd -t passes");
        next;
    }
    ok t_cmp($status != 0 && $out !~ /Syntax OK/ ? 'refused' : "exit $status: $out",
             'refused', "$name: httpd -t fails");
    ok t_cmp($out, $_, "$name: the error says $_") for @$errors;
}

# A real start, not only -t: refused without a secret ...
sub free_port {
    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                     Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    return $sock->sockport;
}

my $port = free_port();
my $conf = config('start-no-secret', $on, $port);
my ($status, $out) = run_httpd(undef, '-f', $conf, '-k', 'start');
t_debug("start-no-secret: exit $status: $out");
sleep 0.5;
ok t_cmp($status != 0 ? 'refused' : 'started', 'refused',
         'without a secret, httpd -k start fails');
ok t_cmp(-e "$dir/start-no-secret.pid" ? 'pid file' : 'no pid file',
         'no pid file', 'and no server runs');
ok t_cmp($out, qr/Approov On/, 'and it says why');

# ... and with a secret too short for HS256.
$port = free_port();
$conf = config('start-short-secret', "ApproovBase64Secret $b31\n$on", $port);
($status, $out) = run_httpd(undef, '-f', $conf, '-k', 'start');
t_debug("start-short-secret: exit $status: $out");
sleep 0.5;
ok t_cmp($status != 0 ? 'refused' : 'started', 'refused',
         'with a 31-byte secret, httpd -k start fails');
ok t_cmp(-e "$dir/start-short-secret.pid" ? 'pid file' : 'no pid file',
         'no pid file', 'and no server runs');
ok t_cmp($out, qr/ApproovBase64Secret.*31 bytes/, 'and it says why');

# Servers this test starts, stopped at the end should the test die first.
my @pid_files;
END {
    for my $pid_file (@pid_files) {
        open my $pid_fh, '<', $pid_file or next;
        my $pid = <$pid_fh>;
        kill 'TERM', $1 if defined $pid && $pid =~ /^(\d+)/;
    }
}

# Start httpd with this config body and APPROOV_BASE64_SECRET, run the
# checks (given the port), stop it.  Three tests of its own.
sub with_server {
    my ($name, $body, $secret, $checks) = @_;
    my $port = free_port();
    my $conf = config($name, $body, $port);
    my $pid_file = "$dir/$name.pid";
    push @pid_files, $pid_file;
    my ($status, $out) = run_httpd($secret, '-f', $conf, '-k', 'start');
    t_debug("$name: exit $status: $out");
    for (1 .. 100) { last if -s $pid_file; sleep 0.05 }
    ok t_cmp($status, 0, "$name: httpd starts");
    $checks->($port);
    run_httpd($secret, '-f', $conf, '-k', 'stop');
    for (1 .. 100) { last unless -e $pid_file; sleep 0.05 }
    ok t_cmp(-e $pid_file ? 'running' : 'stopped', 'stopped', "$name: it stops");
}

require LWP::UserAgent;
my $ua = LWP::UserAgent->new(timeout => 10);
sub codes {
    my ($url, @secrets) = @_;
    return join ' ', map {
        $ua->get($url, defined $_ ? ('Approov-Token' => mint(secret => $_)) : ())->code
    } @secrets;
}

# ... and started with APPROOV_BASE64_SECRET, which it then uses.
with_server('start-env', $on, $SECRET{procenv}, sub {
    my ($port) = @_;
    ok t_cmp(codes("http://127.0.0.1:$port/api/x", undef, 'main', 'procenv'),
             '401 401 404',
             'start-env: no token and the wrong secret refused, its own let through');
});

# A .htaccess file can turn Approov On where no secret reaches: that cannot
# be seen at start-up, so such requests get a 500, and the log names the
# .htaccess file.
mkdir "$dir/ht" or die "$dir/ht: $!";
write_file('ht/.htaccess', "Approov On\n");
write_file('ht/ok.txt', "ok\n");
with_server('start-htaccess', <<"BODY", undef, sub {
<Location /api/>
    Approov On
    ApproovBase64Secret $main
</Location>
<Directory "$dir/ht">
    AllowOverride AuthConfig
</Directory>
LogLevel warn
BODY
    my ($port) = @_;
    ok t_cmp(codes("http://127.0.0.1:$port/ht/ok.txt", undef, 'main'), '500 500',
             'start-htaccess: Approov On in .htaccess without a secret: 500');
    my $log = do { local (@ARGV, $/) = "$dir/start-htaccess.error_log"; <> };
    ok t_cmp($log, qr/Approov On at \Q$dir\E\/ht\/\.htaccess:1 has no secret/,
             'start-htaccess: the error log names the .htaccess file');
});

# The scopes above: httpd -t, then a real start.  A refusal names the file
# and line of the Approov On that no secret reaches.
mkdir "$dir/d" or die "$dir/d: $!";
mkdir "$dir/d/e" or die "$dir/d/e: $!";
for my $case (@scopes) {
    my ($name, $body, $secret, $verifies) = @$case;
    my $conf = config("scope-$name", $body);
    my ($status, $out) = run_httpd($secret, '-t', '-f', $conf);
    t_debug("$name: exit $status: $out");
    if ($verifies) {
        ok t_cmp("$status $out", qr/^0 .*Syntax OK/s, "$name: httpd -t passes");
        my $path = $body =~ /Directory/ ? '/d/e/x' : '/api/v1/x';
        with_server("start-$name", $body, $secret, sub {
            my ($port) = @_;
            ok t_cmp(codes("http://127.0.0.1:$port$path", undef, 'unknown', $verifies),
                     '401 401 404', "$name: $path checked with the $verifies secret");
        });
        next;
    }
    my @lines = split /\n/, read_conf($conf);
    my ($line) = grep { $lines[$_ - 1] =~ /^\s*Approov On$/ } reverse 1 .. @lines;
    ok t_cmp($status != 0 && $out !~ /Syntax OK/ ? 'refused' : "exit $status: $out",
             'refused', "$name: httpd -t fails");
    ok t_cmp($out, qr/Approov On at \Q$conf\E:$line\b/,
             "$name: the error names $name.conf:$line");
    my $port = free_port();
    $conf = config("start-$name", $body, $port);
    ($status, $out) = run_httpd($secret, '-f', $conf, '-k', 'start');
    t_debug("start-$name: exit $status: $out");
    push @pid_files, "$dir/start-$name.pid";
    sleep 0.5;
    ok t_cmp($status != 0 ? 'refused' : 'started', 'refused', "$name: httpd -k start fails");
    my $running = -e "$dir/start-$name.pid";
    ok t_cmp($running ? 'pid file' : 'no pid file', 'no pid file',
             "$name: and no server runs");
    run_httpd($secret, '-f', $conf, '-k', 'stop') if $running;
}

sub read_conf {
    my ($path) = @_;
    open my $in, '<', $path or die "$path: $!";
    local $/;
    return scalar <$in>;
}

# An oct JWK without alg verifies the HS algorithms its length allows:
# HS256 from 32 bytes, HS384 from 48, HS512 from 64; a token of a longer
# hash is bad_alg.  Tokens signed here by Digest::SHA.
my %hmac = (HS256 => \&hmac_sha256, HS384 => \&hmac_sha384,
            HS512 => \&hmac_sha512);
sub hs_token {
    my ($alg, $key) = @_;
    my $input = b64url(qq({"alg":"$alg","typ":"JWT"})) . '.'
              . b64url('{"exp":' . (time + 300) . '}');
    return "$input." . b64url($hmac{$alg}->($input, $key));
}
with_server('start-jwks-oct', join('', map { <<"BODY" } 32, 48, 64) . 'LogLevel approov:info', undef, sub {
<Location /k$_/>
    Approov On
    ApproovJWKSFile oct-$_.jwks
</Location>
BODY
    my ($port) = @_;
    my %want = (32 => '404 - 401 bad_alg 401 bad_alg',
                48 => '404 - 404 - 401 bad_alg',
                64 => '404 - 404 - 404 -');
    for my $n (32, 48, 64) {
        my @got;
        for my $alg (qw(HS256 HS384 HS512)) {
            my $log = "$dir/start-jwks-oct.error_log";
            my $before = -s $log || 0;
            my $code = $ua->get("http://127.0.0.1:$port/k$n/x",
                                'Approov-Token' => hs_token($alg, secret_of($n)))->code;
            open my $lfh, '<', $log or die "$log: $!";
            seek $lfh, $before, 0;
            my ($reason) = map { /token rejected: reason=(\w+)/ ? $1 : () } <$lfh>;
            close $lfh;
            push @got, $code, $reason // '-';
        }
        ok t_cmp("@got", $want{$n},
                 "start-jwks-oct: a $n-byte key without alg, HS256 HS384 HS512 tokens");
    }
});
