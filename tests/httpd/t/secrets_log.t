# Nothing secret reaches the error log, even at LogLevel trace8: not a
# secret in any text form (base64, base64url, padded or not), not its
# decoded bytes (raw or in hex), not a token sent.  /trace8/ (a protected
# static file and a protected mod_proxy front) logs everything httpd and
# the module log for its requests; the whole error log of the run is
# searched, start-up included.
#
# And at start-up, an env file every user can read draws a warning naming
# the directive's place and the file, without the secret.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp t_debug t_start_error_log_watch
                        t_finish_error_log_watch);
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);
use ApproovMint qw(%SECRET mint broken sign b64url secret_bytes);
use ApproovTest qw(get_with error_log_path read_file unique);

# --------------------------------------------------------- tokens at trace8
my @tokens = (
    [ valid         => mint(claims => { did => 'device-1', ip => '1.2.3.4' }), 200 ],
    [ valid_long    => mint(exp_in => 3600, claims => { pad => 'q' x 2000 }), 200 ],
    [ expired       => broken('expired'),                401 ],
    [ wrong_secret  => broken('bad_signature'),          401 ],
    [ tampered      => broken('bad_signature_tampered'), 401 ],
    [ alg_none      => broken('bad_alg'),                401 ],
    [ bad_payload   => broken('bad_payload'),            401 ],
    [ bad_exp       => broken('bad_exp'),                401 ],
    [ not_yet_valid => broken('not_yet_valid'),          401 ],
    [ malformed     => broken('malformed'),              401 ],
    [ too_long      => broken('too_long'),               401 ],
    [ nested_secret => mint(secret => 'nested'),         401 ],
);

# The forms a secret could take in a log line.
sub secret_forms {
    my ($name) = @_;
    my $bytes = secret_bytes($name);
    my $b64 = encode_base64($bytes, '');
    (my $b64_unpadded = $b64) =~ s/=+\z//;
    (my $url = $b64) =~ tr{+/}{-_};
    (my $url_unpadded = $url) =~ s/=+\z//;
    my $hex = unpack 'H*', $bytes;
    return (
        "$name as configured"         => $SECRET{$name},
        "$name in base64"             => $b64,
        "$name in base64, unpadded"   => $b64_unpadded,
        "$name in base64url"          => $url,
        "$name in base64url, unpadded"=> $url_unpadded,
        "$name in lower-case hex"     => $hex,
        "$name in upper-case hex"     => uc $hex,
        "$name in spaced hex"         => join(' ', unpack '(H2)*', $bytes),
        "$name in colon hex"          => join(':', unpack '(H2)*', $bytes),
        "$name as raw bytes"          => $bytes,
        # A prefix is enough to give a secret away.
        "$name, its first 12 bytes in hex" => substr($hex, 0, 24),
        "$name, its first 16 characters"   => substr($SECRET{$name}, 0, 16),
    );
}

my @secret_forms = map { secret_forms($_) } sort keys %SECRET;

plan tests => 2 * @tokens + 2 + 2 + @secret_forms / 2 + 3 + 7;

my $log_path = error_log_path();
my $log_start = -s $log_path;

my @sent;
for my $case (@tokens) {
    my ($name, $token, $status) = @$case;
    push @sent, [ $name, $token ];
    for my $path ("/trace8/ok.txt", "/trace8/proxied/ok.txt") {
        my $res = get_with("$path?" . unique($name), $token,
                           Authorization => "Bearer $token");
        ok t_cmp($res->code, $status, "trace8 $path, $name token: $status");
    }
}
# The same tokens in another header and in the query string of a refused
# request.
{
    my $token = $tokens[0][1];
    ok t_cmp(get_with('/trace8/ok.txt', undef, 'X-Approov-Token' => $token)->code,
             401, 'trace8, a token in another header: 401');
    ok t_cmp(get_with('/trace8/ok.txt?t=x', '',
                      'Cookie' => "approov=$token")->code,
             401, 'trace8, an empty header and a token in a cookie: 401');
}

my $log = read_file($log_path);
my $trace = substr $log, $log_start // 0;

# trace8 really was on for these requests: httpd's own trace lines and the
# module's rejection lines are there.
ok t_cmp(scalar(() = $trace =~ /\[[a-z_0-9]+:trace[1-8]\]/g) > 0 ? 'trace lines' : 'none',
         'trace lines', 'the /trace8/ requests were logged at trace level');
ok t_cmp(scalar(() = $trace =~ /approov: token rejected: reason=\w+ .*uri=\/trace8\//g),
         2 * grep({ $_->[2] != 200 } @tokens) + 2,
         'one rejection line per refused /trace8/ request');

my @secret_pairs = @secret_forms;
while (my ($what, $text) = splice @secret_pairs, 0, 2) {
    my $at = index $log, $text;
    t_debug("$what found: " . substr($log, $at > 80 ? $at - 80 : 0, 200))
        if $at >= 0;
    ok t_cmp($at >= 0 ? 'in the error log' : 'absent', 'absent',
             "secret $what");
}

# No token, nor the payload or signature segment of one.
my @leaks;
for my $s (@sent) {
    my ($name, $token) = @{$s};
    my ($h, $p, $sig) = split /\./, $token;
    push @leaks, "$name token" if index($log, $token) >= 0;
    push @leaks, "$name payload" if defined $p && length $p >= 16 && index($log, $p) >= 0;
    push @leaks, "$name signature" if defined $sig && length $sig >= 16 && index($log, $sig) >= 0;
}
ok t_cmp("@leaks", '', 'no token, payload or signature sent is in the error log');
# Nor the claims' values, which only the decoded payload holds.
ok t_cmp(join(' ', grep { index($log, $_) >= 0 } 'device-1', 'q' x 64), '',
         'no claim value of a valid token is in the error log');
ok t_cmp($log =~ /Approov-Token:/i ? 'a request header dump' : 'none', 'none',
         'no Approov-Token request header is dumped');

# ------------------------------------------------- world-readable env file
my $httpd = Apache::Test::vars('httpd');
my $module = $ENV{APPROOV_TEST_MODULE};
my $modules_dir = $ENV{APPROOV_TEST_MODULES_DIR};
my $conf_dir = Apache::Test::vars('t_conf');
my ($mpm) = grep { /^\s*LoadModule\s+mpm_\w+_module\s/ }
            split /^/, read_file("$conf_dir/httpd.conf");
die "no MPM in $conf_dir/httpd.conf" unless $mpm;
chomp $mpm;

my $dir = tempdir('approov-secrets-log-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub write_file {
    my ($path, $text, $mode) = @_;
    open my $out, '>', $path or die "$path: $!";
    print $out $text;
    close $out;
    chmod $mode, $path or die "chmod $path: $!" if defined $mode;
    return $path;
}

# httpd -t on a config whose line 12 names an env file of this mode.
sub configtest {
    my ($name, $mode) = @_;
    my $env = write_file("$dir/$name.env",
                         "APPROOV_BASE64_SECRET=$SECRET{envfile}\n", $mode);
    my $conf = write_file("$dir/$name.conf", <<"CONF");
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/$name.pid"
ErrorLog "$dir/$name.error_log"
ServerName localhost
Listen 127.0.0.1:1
$mpm
LoadModule authz_core_module "$modules_dir/mod_authz_core.so"
LoadModule approov_module "$module"
DocumentRoot "$dir"
# the directive is on line 12
ApproovEnvFile $name.env
<Location /api/>
    Approov On
</Location>
CONF
    local %ENV = %ENV;
    delete $ENV{APPROOV_BASE64_SECRET};
    my $out = `"$httpd" -t -f "$conf" 2>&1`;
    my $status = $? >> 8;
    t_debug("$name: exit $status: $out");
    return ($status, $out, $conf, $env);
}

{
    my ($status, $out, $conf, $env) = configtest('world', 0644);
    ok t_cmp("$status", '0', 'mode 0644: httpd -t still passes (a warning, not an error)');
    ok t_cmp($out, qr/ApproovEnvFile at \Q$conf\E:12: \Q$env\E is readable by every user of this machine/,
             'mode 0644: the warning names the directive\'s file, line and the env file');
    ok t_cmp(index($out, $SECRET{envfile}) < 0 ? 'no secret' : 'the secret',
             'no secret', 'mode 0644: the warning does not show the secret');

    ($status, $out, $conf, $env) = configtest('world-only', 0604);
    ok t_cmp($out, qr/\Q$env\E is readable by every user/,
             'mode 0604: warned too');

    for my $mode (0600, 0640, 0400) {
        my $name = sprintf 'mode-%04o', $mode;
        ($status, $out) = configtest($name, $mode);
        ok t_cmp(($status == 0 ? 'passes' : "exit $status")
                 . ($out =~ /readable by every user/ ? ', warned' : ''),
                 'passes', sprintf('mode %04o: httpd -t passes without a warning', $mode));
    }
}
