# Every example configuration shipped in conf/ is one an operator can drop
# in: with the module and the modules the example uses loaded, and its
# secret file pointed at a real one, "httpd -t" says "Syntax OK".
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use ApproovMint qw(%SECRET);

my $examples = $ENV{APPROOV_TEST_EXAMPLES}
    or die "APPROOV_TEST_EXAMPLES is not set: run through tests/run-httpd-tests.sh";
opendir my $dh, $examples or die "$examples: $!";
my @confs = sort grep { /\.conf$/ } readdir $dh;
closedir $dh;

plan tests => @confs + 1;

my $httpd = Apache::Test::vars('httpd');
my $module = $ENV{APPROOV_TEST_MODULE};
my $modules_dir = $ENV{APPROOV_TEST_MODULES_DIR};
my $conf_dir = Apache::Test::vars('t_conf');
open my $fh, '<', "$conf_dir/httpd.conf" or die "$conf_dir/httpd.conf: $!";
my ($mpm) = grep { /^\s*LoadModule\s+mpm_\w+_module\s/ } <$fh>;
close $fh;

my $dir = tempdir('approov-examples-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $env_file = "$dir/approov.env";
open my $out, '>', $env_file or die "$env_file: $!";
print $out "APPROOV_BASE64_SECRET=$SECRET{main}\n";
close $out;
chmod 0600, $env_file;

# approov.load names Debian's module path: check it names our module.
open my $load, '<', "$examples/approov.load" or die "approov.load: $!";
my ($load_line) = grep { /^\s*LoadModule/ } <$load>;
close $load;
ok t_cmp($load_line, qr{^LoadModule approov_module /usr/lib/apache2/modules/mod_approov\.so$},
         'approov.load loads approov_module from Debian\'s module directory');

my @modules = qw(authz_core authz_host headers proxy proxy_http status
                 socache_shmcb socache_redis);
my $loads = join '', map {
    "LoadModule ${_}_module \"$modules_dir/mod_$_.so\"\n"
} @modules;

for my $name (@confs) {
    open my $in, '<', "$examples/$name" or die "$name: $!";
    my $text = do { local $/; <$in> };
    close $in;
    # Point the examples' secret file at ours; nothing else changes.
    $text =~ s{/etc/apache2/approov\.env}{$env_file}g;
    {
        my $body = $text;
        my $file = "$dir/$name";
        open my $conf, '>', $file or die "$file: $!";
        print $conf <<"CONF";
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
ServerName localhost
Listen 127.0.0.1:1
Define APACHE_LOG_DIR "$dir"
$mpm
$loads
LoadModule approov_module "$module"
DocumentRoot "$dir"
$body
CONF
        close $conf;
        my $result = `"$httpd" -t -f "$file" 2>&1`;
        ok t_cmp($result, qr/Syntax OK/, "$name: httpd -t");
    }
}
