# The install key of a token kept by the connection's token cache is made
# once, on the token's first signed request, and kept with it: a new token
# on the same keep-alive connection brings its own key, and each request's
# signature is still checked against the key of the token it carries.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use File::Temp qw(tempdir);
use ApproovTest qw(connection_open connection_outcome install_token
                   signature_headers);

my $tool = $ENV{APPROOV_TEST_TOOL};
plan tests => 6, need { 'tools/approov-token (APPROOV_TEST_TOOL)'
                        => $tool && -x $tool };

my $keys = Apache::Test::vars('t_conf') . '/keys';
my $key_a = "$keys/ec.key.pem";
my $dir = tempdir('approov-msgsig-cache-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $key_b = "$dir/b.key.pem";
system('openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt',
       'ec_paramgen_curve:P-256', '-out', $key_b) == 0
    or die 'openssl genpkey failed';

my $token_a = install_token($key_a);
my $token_b = install_token($key_b);
my $path = '/msgsig/ok.txt';
my $conn = connection_open();

# A request on the connection with this token, signed with this key.
sub signed {
    my ($token, $key) = @_;
    return connection_outcome($conn, $path, 'Approov-Token' => $token,
        signature_headers(path => $path, token => $token, key => $key));
}

ok t_cmp(signed($token_a, $key_a), '200 -', 'token A signed by A');
ok t_cmp(signed($token_a, $key_a), '200 -', 'token A again (cached), signed by A');
ok t_cmp(signed($token_b, $key_b), '200 -',
         'then token B signed by B: its own key, not the one kept for A');
ok t_cmp(signed($token_b, $key_b), '200 -', 'token B again (cached), signed by B');
ok t_cmp(signed($token_b, $key_a), '401 sig_bad_signature',
         'token B signed by A is refused');
ok t_cmp(signed($token_a, $key_a), '200 -', 'back to token A signed by A');
