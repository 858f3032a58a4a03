# Replay protection (ApproovMessageSigningReplay, shmcb) through the
# integration matrix's paths: a signed request that httpd hands on inside
# itself (mod_rewrite [PT] and a front controller, mod_dir's index, SSI
# subrequests, an ErrorDocument) is accepted once, never refused as a
# replay of itself, and its replay is refused, counted and logged once;
# behind mod_proxy a replay never reaches the backend; under Satisfy Any
# with mod_allowmethods refusing first, a replay is still refused.  Install
# signatures (ApproovReplay::signed) and account signatures (label
# account, recorded under the token's mskid) alike.  A node of the test's
# own (t/lib/ApproovReplay.pm): the test server has no replay cache.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use ApproovMint qw(%SECRET);
use ApproovTest qw(run_tool read_file);
use ApproovReplay qw(node node_start node_stop signed send_to counters);

my $tool = $ENV{APPROOV_TEST_TOOL};

# [ name, path the client sends, what the first request gets (status,
#   body), replays counted for the second ]
my @paths = (
    [ 'plain scope',                   '/replay/ok.txt',     200, "ok\n", 1 ],
    [ 'RewriteRule [PT] open -> scope', '/pt/ok.txt',        200, "ok\n", 1 ],
    [ 'front controller, protected dir -> another scope', '/fcp/a/route', 200, "ok\n", 1 ],
    [ 'front controller, open dir -> scope', '/fco/a/route', 200, "ok\n", 1 ],
    [ 'DirectoryIndex in another scope', '/di/',             200, "ok\n", 1 ],
    [ 'ErrorDocument 404 -> another scope', '/replay/missing.txt', 404, "ok\n", 1 ],
    [ 'AllowMethods POST refuses first, Satisfy Any', '/any/ok.txt', 200, "ok\n", 1 ],
    [ 'proxy',                         '/proxy/ok.txt',      200, "backend\n", 1 ],
    # Two includes, each a subrequest into a protected scope, each judged.
    [ 'SSI, two includes in two scopes', '/ssi/page.shtml',  200,
      "[ok\n][ok\n]\n", 2 ],
);

plan tests => 5 * @paths * 2 + 1 + 4, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                                         => $tool && -x $tool };

my $ACCOUNT_K1 = 'HmYlNyo+5EW3GbWWkxDfFa8TDB5aVLF/WIiQ6XsnTYM=';
my $dir = tempdir('approov-replay-matrix-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $modules = $ENV{APPROOV_TEST_MODULES_DIR};
mkdir "$dir/htdocs";
for my $sub (qw(fcp fco di ssi backend)) {
    mkdir "$dir/htdocs/$sub";
}
sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}
write_file("$dir/htdocs/fco/ok.txt", "ok\n");
write_file("$dir/htdocs/backend/ok.txt", "backend\n");
write_file("$dir/htdocs/ssi/page.shtml",
           qq{[<!--#include virtual="/replay/ok.txt" -->][<!--#include virtual="/replay-open/ok.txt" -->]\n});
my $scope = <<"SCOPE";
    Approov On
    ApproovBase64Secret "$SECRET{main}"
    ApproovMessageSigning Required
SCOPE
my $node = node($dir, 'rmatrix', "shmcb:$dir/replay(512000)",
    (map { qq{LoadModule ${_}_module "$modules/mod_$_.so"} }
         qw(alias rewrite dir include allowmethods access_compat proxy
              proxy_http http2)),
    'Protocols h2c http/1.1',
    'DirectoryIndex disabled',
    "<Location />\n    ApproovAccountSigningSecret $ACCOUNT_K1 k1\n</Location>",
    "<Location /replay/>\n    ErrorDocument 404 /replay-open/ok.txt\n</Location>",
    'RewriteEngine On',
    'RewriteRule "^/pt/(.*)$" "/replay/$1" [PT]',
    # A front controller in a protected and in an open directory, each
    # handing every missing file to /replay-open/ok.txt.
    map({ (qq{<Directory "$dir/htdocs/$_">}, '    RewriteEngine On',
           '    RewriteCond "%{REQUEST_FILENAME}" !-f',
           '    RewriteRule "^" "/replay-open/ok.txt" [L]', '</Directory>') }
        qw(fcp fco)),
    "<Location /fcp/>\n$scope</Location>",
    # A protected directory whose index is in another protected scope.
    "<Location /di/>\n$scope    DirectoryIndex /replay-open/ok.txt\n</Location>",
    "<Location /any/>\n$scope    AllowMethods POST\n    Require all granted\n"
        . "    Satisfy Any\n</Location>",
    'Alias /any/ "' . "$dir/htdocs/replay/" . '"',
    qq{<Directory "$dir/htdocs/ssi">\n    Options +Includes\n</Directory>},
    'AddType text/html .shtml', 'AddOutputFilter INCLUDES .shtml',
    qq{<Location /backend/>\n    Header always set X-Backend reached\n</Location>});
# The proxied scope names the node's own port, known now.
open my $conf, '>>', $node->{conf} or die "$node->{conf}: $!";
print $conf "<Location /proxy/>\n$scope    ProxyPass http://127.0.0.1:$node->{port}/backend/\n</Location>\n";
close $conf;
END { node_stop($node) if $node }
ok t_cmp(node_start($node) ? 'runs' : 'not started', 'runs', 'the node starts');

# An account token (mskid k1) and its signature over GET $path.  HMAC is
# deterministic: two calls in the same second over the same path would
# give the same signature (a replay of the earlier one), so each token
# carries a claim of its own.
my $account_calls = 0;
sub account_signed {
    my ($path) = @_;
    $account_calls++;
    my $token = run_tool('mint', '--secret', $SECRET{main}, '--claim', 'mskid=k1',
                         '--claim', "n=$account_calls");
    chomp $token;
    return ('Approov-Token' => $token,
            map { /^([\w-]+):\s*(.*)$/ ? ($1, $2) : () }
            split /\n/, run_tool('sign-request', '--method', 'GET',
                                 '--url', "http://$ApproovReplay::HOST$path",
                                 '--header', "Approov-Token: $token",
                                 '--account-key', $ACCOUNT_K1));
}

my %signers = (install => sub { signed($_[0]) }, account => \&account_signed);
for my $label (qw(install account)) {
    for my $row (@paths) {
        my ($name, $path, $status, $body, $replays) = @$row;
        my %sig = $signers{$label}->($path);
        my $got = send_to($node, $path, %sig);
        my $backend = $ApproovReplay::BODY eq "backend\n" ? 1 : 0;
        ok t_cmp("$got $ApproovReplay::BODY", qr/^$status \S+ \Q$body\E\z/,
                 "$label, $name: accepted, not its own replay");
        my $before = counters($node)->{ApproovSigReplayed} // 0;
        my $log = length read_file($node->{log});
        $got = send_to($node, $path, %sig);
        my ($code) = $got =~ /^(\d+)/;
        # SSI shows the page, each include refused.
        ok t_cmp($code // $got, $path =~ /\.shtml$/ ? 200 : 401,
                 "$label, $name: the replay is refused");
        ok t_cmp($ApproovReplay::BODY =~ /\b(ok|backend)\n/ ? 'content' : 'none',
                 'none', "$label, $name: and nothing of the resource or backend comes back");
        ok t_cmp((counters($node)->{ApproovSigReplayed} // 0) - $before, $replays,
                 "$label, $name: the replay is counted $replays time(s)");
        my @lines = grep { /reason=sig_replayed/ }
                    split /\n/, substr(read_file($node->{log}), $log);
        ok t_cmp(scalar @lines, $replays, "$label, $name: and logged $replays time(s)");
    }
}

# Over h2c, the same signature in two streams of one connection, sent at
# once (curl --parallel): each stream is a request of its own, one is
# accepted.  Then a third time on a new connection.
for my $label (qw(install account)) {
    my $path = '/replay/ok.txt';
    my %sig = $signers{$label}->($path);
    my @h = map { ('-H', "$_: $sig{$_}") } sort keys %sig;
    my $url = "http://$ApproovReplay::HOST$path";
    my @curl = ('curl', '-sS', '--max-time', '10', '--http2-prior-knowledge',
                '--connect-to', "$ApproovReplay::HOST:80:127.0.0.1:$node->{port}",
                '-w', '%{http_version} %{http_code}\n', @h);
    open my $fh, '-|', @curl, '--parallel', '--parallel-immediate',
        '-o', '/dev/null', $url, '-o', '/dev/null', $url or die "curl: $!";
    my @got = sort <$fh>;
    close $fh;
    chomp @got;
    ok t_cmp(join(', ', @got), '2 200, 2 401',
             "$label, h2c, two streams of one connection: one accepted");
    open $fh, '-|', @curl, '-o', '/dev/null', $url or die "curl: $!";
    my $third = <$fh> // '';
    close $fh;
    chomp $third;
    ok t_cmp($third, '2 401', "$label, h2c, a new connection: refused");
}
