# The integration matrix (issue 13), <Limit> and <LimitExcept>: they do
# not scope a module's directives (httpd just applies them to every
# method), so every mod_approov directive inside one is a start-up error
# that names the file and the line.  Issue 13's reproduction 3 is the
# first row: 'Approov Off' in <Limit OPTIONS> made GET and POST without a
# token get 200.  Each directive is also checked outside a <Limit>, where
# the same line passes "httpd -t", so a row can fail only for the <Limit>.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use ApproovMint qw(%SECRET);
use ApproovTest qw(httpd_conf run_httpd);

my $module = $ENV{APPROOV_TEST_MODULE};
my $modules = $ENV{APPROOV_TEST_MODULES_DIR};
my $keys = Apache::Test::vars('t_conf') . '/keys';
my $dir = tempdir('approov-matrix-limit-XXXXXX', TMPDIR => 1, CLEANUP => 1);

open my $fh, '>', "$dir/good.env" or die "$dir/good.env: $!";
print $fh "APPROOV_BASE64_SECRET=$SECRET{main}\n";
close $fh;

# Every directive of the module, with a value it accepts.
my @directives = (
    'Approov Off',
    'Approov On',
    "ApproovBase64Secret $SECRET{main}",
    "ApproovPublicKeyFile $keys/ec.pub.pem",
    "ApproovJWKSFile $keys/jwks.json",
    'ApproovEnvFile good.env',
    'ApproovTokenHeader Authorization "Bearer "',
    'ApproovLeeway 30',
    'ApproovFailureStatus 400',
    'ApproovTokenBinding Authorization',
    'ApproovTokenBindingOptional On',
    'ApproovMessageSigning IfPresent',
    'ApproovMessageSigningMaxAge 300',
    'ApproovMessageSigningClockSkew 60',
    'ApproovMessageSigningMaxBody 1024',
    'ApproovReportOnly On',
);

# [ config, the lines around the directive (its place is '%s'), refused? ]
my @wrappers = (
    [ 'in <Location>',                    "<Location /api/>\n%s\n</Location>",                             0 ],
    [ 'in <Limit OPTIONS> in <Location>', "<Location /api/>\n<Limit OPTIONS>\n%s\n</Limit>\n</Location>", 1 ],
    [ 'in <LimitExcept GET POST> in <Location>',
      "<Location /api/>\n<LimitExcept GET POST>\n%s\n</LimitExcept>\n</Location>", 1 ],
    [ 'in <Limit GET> in <Directory>',    qq{<Directory "$dir">\n<Limit GET>\n%s\n</Limit>\n</Directory>}, 1 ],
);

plan tests => 1 + 3 + @directives * (@wrappers + 2 * grep { $_->[2] } @wrappers);

my $n = 0;
sub check {
    my ($config, $directive, $lines, $refused) = @_;
    my $name = 'limit' . ++$n;
    # The server-wide secret and "Approov On" the scope needs, then the
    # lines under test.
    my @head = (qq{LoadModule authz_core_module "$modules/mod_authz_core.so"},
                qq{LoadModule approov_module "$module"},
                qq{DocumentRoot "$dir"}, "ApproovBase64Secret $SECRET{main}",
                "<Location /api/>\nApproov On\n</Location>");
    my $conf = httpd_conf($dir, $name, 1, @head, sprintf $lines, $directive);
    # Its line: the last line of the file that holds the directive alone.
    open my $in, '<', $conf or die "$conf: $!";
    my $line;
    while (my $text = <$in>) {
        chomp $text;
        $line = $. if $text eq $directive;
    }
    close $in;
    my ($status, $out) = run_httpd('-t', '-f', $conf);
    t_debug("$directive $config: exit $status: $out");
    my ($keyword) = $directive =~ /^(\w+)/;
    my $label = "$keyword $config";
    if (!$refused) {
        ok t_cmp("$status $out", qr/^0 .*Syntax OK/s, "$label: httpd -t passes");
        return;
    }
    ok t_cmp($status != 0 && $out !~ /Syntax OK/ ? 'refused' : "exit $status: $out",
             'refused', "$label: httpd -t fails");
    ok t_cmp($out, qr/line \Q$line\E of \Q$conf\E/, "$label: the error names file and line $line");
    ok t_cmp($out, qr/\Q$keyword\E.*Limit/s, "$label: and the directive and <Limit>");
}

# Issue 13's reproduction 3, as its reporter wrote it.
my $repro = "<Location /api/>\nApproov On\n<Limit OPTIONS>\n%s\n</Limit>\n</Location>";
check('(reproduction 3)', 'Approov Off', $repro, 1);

for my $directive (@directives) {
    check($_->[0], $directive, $_->[1], $_->[2]) for @wrappers;
}

# Control for the ones above: a start-up error is what the module says
# about its directives, not a <Limit> httpd refuses anyway.
my $conf = httpd_conf($dir, 'limit-other', 1,
    qq{LoadModule authz_core_module "$modules/mod_authz_core.so"},
    qq{LoadModule approov_module "$module"}, qq{DocumentRoot "$dir"},
    "ApproovBase64Secret $SECRET{main}",
    "<Location /api/>\nApproov On\n<Limit OPTIONS>\nRequire all denied\n</Limit>\n</Location>");
my ($status, $out) = run_httpd('-t', '-f', $conf);
ok t_cmp("$status $out", qr/^0 .*Syntax OK/s,
         'control: Require in <Limit OPTIONS> in the same scope passes httpd -t');
