# Account message signatures: a token with mskid (and no ipk) needs the
# account signature (RFC 9421, label account, hmac-sha256) by the account
# key of that mskid (ApproovAccountSigningSecret, or
# APPROOV_ACCOUNT_SIGNING_SECRET in an env file or httpd's environment).
# The scopes are t/conf/msgsig_account.conf.in's; the signatures are made
# by tools/approov-token sign-request --account-key (APPROOV_TEST_TOOL), as
# the SDK would.  The second half starts httpd -t on small configurations:
# the directive's start-up errors.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp t_debug);
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);
use ApproovMint qw(%SECRET);
use ApproovTest qw(outcome run_tool install_token signature_headers
                   connection_open connection_outcome);
use IO::Socket::INET ();
use Time::HiRes qw(sleep);

my $tool = $ENV{APPROOV_TEST_TOOL};
plan tests => 40 + 5 + 33 + 5, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                              => $tool && -x $tool };

# The secrets of t/conf/msgsig_account.conf.in and t/conf/account.env.
my %ACCOUNT = (
    k1      => 'HmYlNyo+5EW3GbWWkxDfFa8TDB5aVLF/WIiQ6XsnTYM=',
    k2      => 'OXRqMjCHkhowxZhGtbCD-77oCEWjmPrsqaWBROHGw_PZ_OV565slDA',
    envfile => 'jAmynnl73Es+b6OLwgW7SYHcSlCB4hh3Q3NKHhD2k6w=',
    # Configured nowhere.
    unknown => 'QUhA3vmA9t0Ncbb5kCDLBNjc2bV1YQ0mZm0q0Z1yV3E=',
);

# A token (main secret) with these claims (NAME=VALUE or NAME:=JSON), by
# approov-token mint --claim, as an account with signing enabled issues.
sub token_with {
    my @claims = @_;
    my $token = run_tool('mint', '--secret', $SECRET{main},
                         map { ('--claim', $_) } @claims);
    chomp $token;
    return $token;
}

# Signature headers for GET path with token: account => secret name (an
# account member), install => 1 (an install member by t/conf/keys/ec.key.pem),
# or both; more sign-request arguments in flags.
sub signed {
    my ($path, $token, %opt) = @_;
    my @args = ('sign-request', '--method', $opt{method} || 'GET',
                '--url', Apache::TestRequest::resolve_url($opt{signed_path}
                                                          || $path),
                '--header', "Approov-Token: $token");
    push @args, '--install-key', Apache::Test::vars('t_conf') . '/keys/ec.key.pem'
        if $opt{install};
    push @args, '--account-key', $ACCOUNT{ $opt{account} } if $opt{account};
    push @args, '--created', $opt{created} if defined $opt{created};
    push @args, @{ $opt{flags} || [] };
    return map { /^([\w-]+):\s*(.*)$/ ? ($1, $2) : () }
           split /\n/, run_tool(@args);
}

# The outcome of GET path with the token and these signature headers.
sub send_signed {
    my ($path, $token, @sig) = @_;
    return outcome($path, 'Approov-Token' => $token, @sig);
}

# Headers with every member of label `from` renamed to `to`.
sub relabel {
    my ($from, $to, %h) = @_;
    for my $name ('Signature-Input', 'Signature') {
        $h{$name} =~ s/(^|, )\Q$from\E=/$1$to=/g;
    }
    return %h;
}

my $k1 = token_with('mskid=k1');
my $k2 = token_with('mskid=k2');
my $k3 = token_with('mskid=k3');
my $path = '/account/ok.txt';

# ---- ApproovMessageSigning Required, keys k1 and k2
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1')),
         '200 -', 'Required: account signature by the mskid\'s key');
ok t_cmp(send_signed($path, $k2, signed($path, $k2, account => 'k2')),
         '200 -', 'Required: the second (rotated) key, base64url unpadded');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1',
                                        flags => ['--as-string'])),
         '200 -', 'Required: signature sent as a string');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1',
                                        flags => ['--no-alg'])),
         '200 -', 'Required: no alg parameter');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k2')),
         '401 sig_bad_signature', 'Required: signed with the other id\'s key');
ok t_cmp(send_signed($path, $k2, signed($path, $k2, account => 'k1')),
         '401 sig_bad_signature', 'Required: k2 token signed with k1');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'unknown')),
         '401 sig_bad_signature', 'Required: forged with a secret of no scope');
ok t_cmp(send_signed($path, $k3, signed($path, $k3, account => 'k1')),
         '401 sig_unknown_mskid', 'Required: an mskid with no key');
ok t_cmp(send_signed($path, token_with('mskid='), signed($path, $k1, account => 'k1')),
         '401 sig_unknown_mskid', 'Required: an empty mskid');
ok t_cmp(send_signed($path, token_with('mskid:=1'), signed($path, $k1, account => 'k1')),
         '401 sig_bad_mskid', 'Required: an mskid that is a number');
ok t_cmp(send_signed($path, token_with('mskid:=null'), signed($path, $k1, account => 'k1')),
         '401 sig_bad_mskid', 'Required: an mskid that is null');
ok t_cmp(outcome($path, 'Approov-Token' => $k1), '401 sig_missing_headers',
         'Required: no signature');
ok t_cmp(outcome($path, 'Approov-Token' => token_with()), '401 sig_no_ipk',
         'Required: neither ipk nor mskid');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1',
                                        signed_path => '/account/other.txt')),
         '401 sig_bad_signature', 'Required: signed for another path');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1',
                                        method => 'POST')),
         '401 sig_bad_signature', 'Required: signed for another method');
ok t_cmp(send_signed($path, token_with('mskid=k1', 'did=another'),
                     signed($path, $k1, account => 'k1')),
         '401 sig_bad_signature', 'Required: the token was swapped after signing');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1',
                                        created => time - 3600)),
         '401 sig_too_old', 'Required: created an hour ago');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1',
                                        created => time + 3600)),
         '401 sig_created_in_future', 'Required: created in an hour');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1',
                                        flags => ['--cover', '@method',
                                                  '--cover', 'approov-token'])),
         '401 sig_missing_component', 'Required: the target is not covered');

# Replayed from the other label: the label is not signed (RFC 9421), the
# algorithm is.
ok t_cmp(send_signed($path, $k1, relabel('install', 'account',
                                         signed($path, $k1, install => 1))),
         '401 sig_bad_alg', 'an install signature relabelled account (alg)');
ok t_cmp(send_signed($path, $k1, relabel('install', 'account',
                                         signed($path, $k1, install => 1,
                                                flags => ['--no-alg']))),
         '401 sig_bad_signature', 'an install signature relabelled account (no alg)');
ok t_cmp(send_signed($path, $k1, relabel('account', 'install',
                                         signed($path, $k1, account => 'k1'))),
         '401 sig_bad_signature_input', 'an account signature relabelled install, mskid token');
my $both = install_token(undef, 'mskid=k1');
ok t_cmp(send_signed($path, $both, relabel('account', 'install',
                                           signed($path, $both, account => 'k1'))),
         '401 sig_bad_alg', 'an account signature relabelled install, ipk token (alg)');
ok t_cmp(send_signed($path, $both, relabel('account', 'install',
                                           signed($path, $both, account => 'k1',
                                                  flags => ['--no-alg']))),
         '401 sig_bad_signature', 'an account signature relabelled install, ipk token (no alg)');

# A token with ipk and mskid: the install signature is checked.
ok t_cmp(send_signed($path, $both, signed($path, $both, install => 1)),
         '200 -', 'ipk and mskid: the install signature alone');
ok t_cmp(send_signed($path, $both, signed($path, $both, install => 1,
                                          account => 'k1')),
         '200 -', 'ipk and mskid: both members');
ok t_cmp(send_signed($path, $both, signed($path, $both, account => 'k1')),
         '401 sig_bad_signature_input', 'ipk and mskid: the account member alone');
ok t_cmp(send_signed($path, $both, signed($path, $both, install => 1,
                                          account => 'unknown')),
         '200 -', 'ipk and mskid: the account member is not checked');
# A token with mskid only, both members: the account one is checked.
ok t_cmp(send_signed($path, $k1, signed($path, $k1, install => 1,
                                        account => 'k1')),
         '200 -', 'mskid only, both members');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, install => 1,
                                        account => 'k2')),
         '401 sig_bad_signature', 'mskid only, both members, account forged');

# ---- IfPresent, the same keys
$path = '/account-ifpresent/ok.txt';
ok t_cmp(outcome($path, 'Approov-Token' => token_with()), '200 -',
         'IfPresent: neither claim passes unsigned');
ok t_cmp(outcome($path, 'Approov-Token' => $k1), '401 sig_missing_headers',
         'IfPresent: mskid needs a signature where the scope has account keys');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1')),
         '200 -', 'IfPresent: account signature');
ok t_cmp(send_signed($path, $k3, signed($path, $k3, account => 'k1')),
         '401 sig_unknown_mskid', 'IfPresent: an mskid with no key');

# ---- no account key in the scope
ok t_cmp(send_signed('/account-nokey/ok.txt', $k1,
                     signed('/account-nokey/ok.txt', $k1, account => 'k1')),
         '401 sig_no_account_key', 'Required, no account key: mskid refused');
ok t_cmp(outcome('/account-nokey/ok.txt', 'Approov-Token' => $k1),
         '401 sig_no_account_key', 'Required, no account key: unsigned too');
ok t_cmp(outcome('/account-nokey-ifpresent/ok.txt', 'Approov-Token' => $k1),
         '200 -', 'IfPresent, no account key: mskid ignored');
ok t_cmp(outcome('/account-nokey-ifpresent/ok.txt',
                 'Approov-Token' => install_token(undef, 'mskid=k1')),
         '401 sig_missing_headers', 'IfPresent, no account key: ipk still checked');

# ---- the secret from an env file (no mskid there: it takes any)
$path = '/account-envfile/ok.txt';
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'envfile')),
         '200 -', 'env file: account signature by its secret');
ok t_cmp(send_signed($path, $k1, signed($path, $k1, account => 'k1')),
         '401 sig_bad_signature', 'env file: another secret');

# ---- one connection: from the second request on, the connection's token
# cache holds the token, and its mskid with it.
{
    my $conn = connection_open();
    my $on_path = '/account/ok.txt';
    my $on = sub {
        return connection_outcome($conn, $on_path, 'Approov-Token' => $k1, @_);
    };
    for my $n (1 .. 3) {
        ok t_cmp($on->(signed($on_path, $k1, account => 'k1')), '200 -',
                 "one connection: signed request $n");
    }
    ok t_cmp($on->(signed($on_path, $k1, account => 'k2')),
             '401 sig_bad_signature', 'one connection: then forged');
    ok t_cmp($on->(), '401 sig_missing_headers', 'one connection: then unsigned');
}

# ---- start-up
my $httpd = Apache::Test::vars('httpd');
my $module = $ENV{APPROOV_TEST_MODULE};
my $modules_dir = $ENV{APPROOV_TEST_MODULES_DIR};
my $conf_dir = Apache::Test::vars('t_conf');
open my $fh, '<', "$conf_dir/httpd.conf" or die "$conf_dir/httpd.conf: $!";
my ($mpm) = grep { /^\s*LoadModule\s+mpm_\w+_module\s/ } <$fh>;
close $fh;
my $dir = tempdir('approov-account-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub write_file {
    my ($name, $text) = @_;
    open my $out, '>', "$dir/$name" or die "$dir/$name: $!";
    print $out $text;
    close $out;
    return "$dir/$name";
}

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

# httpd -t with APPROOV_ACCOUNT_SIGNING_SECRET set to $secret (unset if
# undef) and APPROOV_BASE64_SECRET unset.
sub configtest {
    my ($conf, $secret) = @_;
    local %ENV = %ENV;
    delete @ENV{qw(APPROOV_BASE64_SECRET APPROOV_ACCOUNT_SIGNING_SECRET)};
    $ENV{APPROOV_ACCOUNT_SIGNING_SECRET} = $secret if defined $secret;
    my $out = `"$httpd" -t -f "$conf" 2>&1`;
    return ($? >> 8, $out);
}

my $main = $SECRET{main};
my $short = encode_base64('x' x 31, '');
my $on = "ApproovBase64Secret $main\n<Location /api/>\n    Approov On\n"
       . "    ApproovMessageSigning Required\n</Location>";
write_file('good.env', "APPROOV_BASE64_SECRET=$main\n"
                       . "APPROOV_ACCOUNT_SIGNING_SECRET=$ACCOUNT{k1}\n");
write_file('short.env', "APPROOV_BASE64_SECRET=$main\n"
                        . "APPROOV_ACCOUNT_SIGNING_SECRET=$short\n");
write_file('twice.env', "APPROOV_BASE64_SECRET=$main\n"
                        . "APPROOV_ACCOUNT_SIGNING_SECRET=$ACCOUNT{k1}\n"
                        . "APPROOV_ACCOUNT_SIGNING_SECRET=$ACCOUNT{k2}\n");

# [ name, config body, APPROOV_ACCOUNT_SIGNING_SECRET, undef (starts) or
#   patterns the error must match ]
my @cases = (
    [ 'one', "ApproovAccountSigningSecret $ACCOUNT{k1}\n$on" ],
    [ 'rotation', "ApproovAccountSigningSecret $ACCOUNT{k1} k1\n"
                  . "ApproovAccountSigningSecret $ACCOUNT{k2} k2\n$on" ],
    [ 'in-location', "<Location /api/>\n    ApproovAccountSigningSecret $ACCOUNT{k1} k1\n</Location>\n$on" ],
    [ 'env-file', "ApproovEnvFile good.env\n$on" ],
    [ 'process-env', $on, $ACCOUNT{k1} ],
    [ 'duplicate-id', "ApproovAccountSigningSecret $ACCOUNT{k1} k1\n"
                      . "ApproovAccountSigningSecret $ACCOUNT{k2} k1\n$on", undef,
      [ qr/ApproovAccountSigningSecret/, qr/mskid 'k1'/,
        qr/line 13 of \Q$dir\E\/duplicate-id\.conf/ ] ],
    [ 'two-without-id', "ApproovAccountSigningSecret $ACCOUNT{k1}\n"
                        . "ApproovAccountSigningSecret $ACCOUNT{k2}\n$on", undef,
      [ qr/ApproovAccountSigningSecret/, qr/without an mskid/ ] ],
    [ 'short', "ApproovAccountSigningSecret $short k1\n$on", undef,
      [ qr/ApproovAccountSigningSecret/, qr/31 bytes/,
        qr/line 12 of \Q$dir\E\/short\.conf/ ] ],
    [ 'bad-base64', "ApproovAccountSigningSecret not*base64! k1\n$on", undef,
      [ qr/ApproovAccountSigningSecret/, qr/line 12 of \Q$dir\E\/bad-base64\.conf/ ] ],
    [ 'in-limit', "<Location /api/>\n    <Limit GET>\n"
                  . "        ApproovAccountSigningSecret $ACCOUNT{k1}\n"
                  . "    </Limit>\n</Location>\n$on", undef,
      [ qr/ApproovAccountSigningSecret/, qr/Limit/, qr/line 14 of \Q$dir\E\/in-limit\.conf/ ] ],
    [ 'env-file-short', "ApproovEnvFile short.env\n$on", undef,
      [ qr/ApproovEnvFile/, qr/APPROOV_ACCOUNT_SIGNING_SECRET/, qr/31 bytes/,
        qr/\Q$dir\E\/short\.env/ ] ],
    [ 'env-file-twice', "ApproovEnvFile twice.env\n$on", undef,
      [ qr/APPROOV_ACCOUNT_SIGNING_SECRET is set twice/ ] ],
    [ 'process-env-short', $on, $short,
      [ qr/APPROOV_ACCOUNT_SIGNING_SECRET in httpd's environment is unusable/,
        qr/31 bytes/ ] ],
);

for my $case (@cases) {
    my ($name, $body, $secret, $errors) = @$case;
    my ($status, $out) = configtest(config($name, $body), $secret);
    t_debug("$name: exit $status: $out");
    if (!$errors) {
        ok t_cmp("$status $out", qr/^0 .*Syntax OK/s, "$name: httpd -t passes");
        next;
    }
    ok t_cmp($status != 0 && $out !~ /Syntax OK/ ? 'refused' : "exit $status: $out",
             'refused', "$name: httpd -t fails");
    ok t_cmp($out, $_, "$name: the error says $_") for @$errors;
}

# ---- a real start with APPROOV_ACCOUNT_SIGNING_SECRET in httpd's
# environment: it signs for any mskid where no scope sets a key.
{
    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                     Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $sock->sockport;
    close $sock;
    mkdir "$dir/api";
    write_file('api/ok.txt', "ok\n");
    my $conf = config('start-env', "$on\n", $port);
    my $pid_file = "$dir/start-env.pid";
    my $run = sub {
        my (@args) = @_;
        local %ENV = %ENV;
        delete $ENV{APPROOV_BASE64_SECRET};
        $ENV{APPROOV_ACCOUNT_SIGNING_SECRET} = $ACCOUNT{envfile};
        my $out = `"$httpd" -f "$conf" @args 2>&1`;
        return ($? >> 8, $out);
    };
    my ($status, $out) = $run->('-k', 'start');
    t_debug("start-env: exit $status: $out");
    for (1 .. 100) { last if -s $pid_file; sleep 0.05 }
    ok t_cmp($status, 0, 'process environment: httpd starts');
    require LWP::UserAgent;
    my $ua = LWP::UserAgent->new(timeout => 10);
    my $url = "http://127.0.0.1:$port/api/ok.txt";
    my $get = sub {
        my ($token, $secret) = @_;
        my @sig = map { /^([\w-]+):\s*(.*)$/ ? ($1, $2) : () } split /\n/,
            run_tool('sign-request', '--account-key', $ACCOUNT{$secret},
                     '--method', 'GET', '--url', $url,
                     '--header', "Approov-Token: $token");
        return $ua->get($url, 'Approov-Token' => $token, @sig)->code;
    };
    ok t_cmp($get->($k1, 'envfile'), 200, 'process environment: its secret signs');
    ok t_cmp($get->($k3, 'envfile'), 200, 'process environment: for any mskid');
    ok t_cmp($get->($k1, 'k1'), 401, 'process environment: another secret does not');
    $run->('-k', 'stop');
    for (1 .. 100) { last unless -e $pid_file; sleep 0.05 }
    ok t_cmp(-e $pid_file ? 'running' : 'stopped', 'stopped', 'process environment: it stops');
    if (-e $pid_file && open my $pf, '<', $pid_file) {
        my $pid = <$pf>;
        kill 'TERM', $1 if defined $pid && $pid =~ /^(\d+)/;
    }
}
