# The server under test loads the freshly built module, and only that.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest qw(GET);
use Apache::TestUtil;
use ApproovTest qw(read_file);

plan tests => 4;

my $conf_dir = Apache::Test::vars('t_conf');
my $conf = join '', map { read_file("$conf_dir/$_") } qw(httpd.conf extra.conf);
my @loads = $conf =~ /^\s*LoadModule\s+approov_module\s+(.*?)\s*$/mg;
ok t_cmp(scalar(@loads), 1, 'one LoadModule approov_module in the test config');
ok t_cmp($loads[0], '"${APPROOV_TEST_MODULE}"', 'it loads APPROOV_TEST_MODULE');
ok t_cmp(scalar(() = $conf =~ /^\s*LoadModule\s.*mod_approov/mig), 0,
         'no LoadModule names a mod_approov.so (an installed copy stays out)');

# Without a token, a protected path is refused: the module is active.
ok t_cmp(GET('/protected/ok.txt')->code, 401, 'the module is active');
