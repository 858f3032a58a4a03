# Where the secret comes from: ApproovBase64Secret, ApproovEnvFile, or
# APPROOV_BASE64_SECRET in httpd's environment.  Each source has its own
# secret (t/lib/ApproovMint.pm), so the one token that passes in a scope
# shows which source that scope used.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil;
use ApproovMint qw(%SECRET mint);
use ApproovTest qw(get_with);

my @names = qw(main envfile procenv nested directive unknown);

# [ module (undef: main server), path, the one secret that passes ]
my @cases = (
    [ undef, '/protected/ok.txt',               'main' ],
    [ undef, '/protected/inherit/ok.txt',       'main' ],
    [ undef, '/envfile/ok.txt',                 'envfile' ],
    [ undef, '/procenv/ok.txt',                 'procenv' ],
    # The more specific scope wins, whatever the kind of its source.
    [ undef, '/protected/nested/ok.txt',        'nested' ],
    [ undef, '/protected/nested-envfile/ok.txt', 'envfile' ],
    # The directive wins over the env file in the same scope.
    [ undef, '/both/ok.txt',                    'directive' ],
    [ undef, '/both-reversed/ok.txt',           'directive' ],
    # A virtual host with Approov On and a host-wide secret.
    [ 'approov_vhost', '/open/ok.txt',          'directive' ],
    # A <Location> of the main server applies inside the host, and wins.
    [ 'approov_vhost', '/protected/ok.txt',     'main' ],
    # A scope without a secret of its own takes the host's, not the
    # process environment's.
    [ 'approov_vhost', '/procenv/ok.txt',       'directive' ],
    [ 'approov_vhost', '/vhost-envfile/ok.txt', 'envfile' ],
);

plan tests => @cases * (@names + 1);

for my $case (@cases) {
    my ($module, $path, $want) = @$case;
    Apache::TestRequest::module($module || 'default');
    my $where = ($module ? "$module " : '') . $path;

    ok t_cmp(get_with($path, undef)->code, 401, "$where: no token");
    for my $name (@names) {
        my $expect = $name eq $want ? 200 : 401;
        ok t_cmp(get_with($path, mint(secret => $name))->code, $expect,
                 "$where: token signed with the $name secret");
    }
}
