# The integration matrix (issue 13), module load order: mod_access_compat
# (Order/Allow/Deny), mod_allowmethods, Basic authentication and Satisfy
# around an "Approov On" scope, on two small servers of this test's own
# that differ only in the order of their LoadModule lines:
#   approov first: mod_approov before every other access checker;
#   approov last:  Debian's order (a2enmod sorts the .load files by name,
#                  so access_compat and allowmethods come before approov).
# Under Satisfy Any, an access checker that refuses before mod_approov's
# has run must not let authentication or Require admit a request without
# a token.  Issue 13's reproduction 1 is the 'Deny from all, Basic,
# Satisfy Any' row with alice; reproduction 2 the AllowMethods OPTIONS row.
# The resources are static files whose content the client would see
# ("reached"); for HEAD and OPTIONS only the status tells ('-').
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use Digest::SHA qw(sha1_base64);
use File::Temp qw(tempdir);
use ApproovMint qw(%SECRET);
use ApproovTest qw(http_request free_port matrix_check httpd_conf
                   start_httpd stop_httpd);

my $modules = $ENV{APPROOV_TEST_MODULES_DIR};
my $module = $ENV{APPROOV_TEST_MODULE};
my $dir = tempdir('approov-matrix-order-XXXXXX', TMPDIR => 1, CLEANUP => 1);

# label => the scope's directives, each scope with Approov On.
my $basic = qq{AuthType Basic\nAuthName matrix\nAuthUserFile "$dir/htpasswd"};
my %scope = (
    'deny-any-basic'   => "Order deny,allow\nDeny from all\n$basic\nRequire valid-user\nSatisfy Any",
    'deny-all-basic'   => "Order deny,allow\nDeny from all\n$basic\nRequire valid-user\nSatisfy All",
    'deny-any-granted' => "Order deny,allow\nDeny from all\nRequire all granted\nSatisfy Any",
    'allow-any-basic'  => "Order allow,deny\nAllow from all\n$basic\nRequire valid-user\nSatisfy Any",
    'allow-all-basic'  => "Order allow,deny\nAllow from all\n$basic\nRequire valid-user\nSatisfy All",
    'allow-any'        => "Order allow,deny\nAllow from all\nSatisfy Any",
    'allow-all'        => "Order allow,deny\nAllow from all\nSatisfy All",
    'allowmethods-any' => "AllowMethods GET POST\nRequire all granted\nSatisfy Any",
);

# [ config, request, with, status with approov first, with approov last,
#   reached ]
my @rows = (
    [ 'deny-any-basic',   'GET /deny-any-basic/ok.txt',       'alice',       401, 401, 'no' ],
    [ 'deny-any-basic',   'GET /deny-any-basic/ok.txt',       '-',           401, 401, 'no' ],
    [ 'deny-any-basic',   'GET /deny-any-basic/ok.txt',       'token',       401, 401, 'no' ],
    [ 'deny-any-basic',   'GET /deny-any-basic/ok.txt',       'token+alice', 200, 200, 'yes' ],
    [ 'deny-all-basic',   'GET /deny-all-basic/ok.txt',       'alice',       401, 403, 'no' ],
    [ 'deny-all-basic',   'GET /deny-all-basic/ok.txt',       'token+alice', 403, 403, 'no' ],
    [ 'deny-any-granted', 'GET /deny-any-granted/ok.txt',     '-',           401, 401, 'no' ],
    [ 'deny-any-granted', 'HEAD /deny-any-granted/ok.txt',    '-',           401, 401, '-' ],
    [ 'deny-any-granted', 'OPTIONS /deny-any-granted/ok.txt', '-',           401, 401, '-' ],
    [ 'deny-any-granted', 'GET /deny-any-granted/ok.txt',     'token',       200, 200, 'yes' ],
    [ 'allow-any-basic',  'GET /allow-any-basic/ok.txt',      'alice',       401, 401, 'no' ],
    [ 'allow-any-basic',  'GET /allow-any-basic/ok.txt',      'token',       200, 200, 'yes' ],
    [ 'allow-all-basic',  'GET /allow-all-basic/ok.txt',      'alice',       401, 401, 'no' ],
    [ 'allow-all-basic',  'GET /allow-all-basic/ok.txt',      'token',       401, 401, 'no' ],
    [ 'allow-all-basic',  'GET /allow-all-basic/ok.txt',      'token+alice', 200, 200, 'yes' ],
    [ 'allow-any',        'GET /allow-any/ok.txt',            '-',           401, 401, 'no' ],
    [ 'allow-any',        'GET /allow-any/ok.txt',            'token',       200, 200, 'yes' ],
    [ 'allow-all',        'GET /allow-all/ok.txt',            '-',           401, 401, 'no' ],
    [ 'allow-all',        'GET /allow-all/ok.txt',            'token',       200, 200, 'yes' ],
    [ 'allowmethods-any', 'OPTIONS /allowmethods-any/ok.txt', '-',           401, 401, '-' ],
    [ 'allowmethods-any', 'OPTIONS /allowmethods-any/ok.txt', 'token',       200, 200, '-' ],
    [ 'allowmethods-any', 'GET /allowmethods-any/ok.txt',     '-',           401, 401, 'no' ],
    [ 'allowmethods-any', 'GET /allowmethods-any/ok.txt',     'token',       200, 200, 'yes' ],
);

# The LoadModule lines of each server, in order.
my @others = qw(access_compat allowmethods);
my @auth = qw(auth_basic authn_core authn_file authz_core authz_user);
my %order = (
    'approov first' => [ 'approov', @others, @auth ],
    'approov last'  => [ @others, 'approov', @auth ],
);

plan tests => 2 * (2 + @rows);

open my $fh, '>', "$dir/htpasswd" or die "$dir/htpasswd: $!";
print $fh map { "$_:{SHA}" . sha1_base64('pw') . "=\n" } qw(alice bob);
close $fh;
for my $label (keys %scope) {
    mkdir "$dir/$label" or die "$dir/$label: $!";
    open my $out, '>', "$dir/$label/ok.txt" or die "$dir/$label/ok.txt: $!";
    print $out "matrix-protected-content\n";
    close $out;
}

my @running;
END { stop_httpd($_) for @running }

my $column = 3;
for my $name ('approov first', 'approov last') {
    my $port = free_port();
    my @load = map {
        $_ eq 'approov' ? qq{LoadModule approov_module "$module"}
                        : qq{LoadModule ${_}_module "$modules/mod_$_.so"}
    } @{ $order{$name} };
    my $conf = httpd_conf($dir, $name =~ tr/ /-/r, $port, @load,
        qq{DocumentRoot "$dir"}, "ApproovBase64Secret $SECRET{main}",
        map { "<Location /$_/>\nApproov On\n$scope{$_}\n</Location>" } sort keys %scope);
    push @running, $conf;
    ok t_cmp(start_httpd($conf) ? 'started' : 'not started', 'started',
             "$name: httpd starts");
    my $hit_log = "$dir/no-hit-log";
    matrix_check(sub { http_request("127.0.0.1:$port", @_) }, $hit_log,
                 map { { config => "$name: $_->[0]", request => $_->[1],
                         with => $_->[2], status => $_->[$column],
                         reached => $_->[5] } } @rows);
    ok t_cmp(stop_httpd($conf) ? 'stopped' : 'running', 'stopped', "$name: it stops");
    @running = grep { $_ ne $conf } @running;
    $column++;
}
