# A protected mod_proxy front: a refused request never reaches the backend,
# an accepted one does.  The backend (/backend/ on this same server) logs
# each hit with its query string to logs/backend_hits.log and marks its
# responses with X-Approov-Test-Backend.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest qw(GET);
use Apache::TestUtil;
use Time::HiRes qw(sleep);
use ApproovMint qw(mint broken);
use ApproovTest qw(get_with refusal_ok read_file unique);

my $hits = Apache::Test::vars('t_logs') . '/backend_hits.log';

sub hit_logged {
    my ($id) = @_;
    return index(read_file($hits), "?hit=$id\n") >= 0;
}

my @refused = (
    [ 'no token',      undef ],
    [ 'wrong secret',  broken('bad_signature') ],
    [ 'expired',       broken('expired') ],
    [ 'alg none',      broken('bad_alg') ],
);

plan tests => 2 + 2 * @refused + 4;

# The backend itself is open and marks its responses.
my $res = GET('/backend/ok.txt?hit=' . unique('direct'));
ok t_cmp($res->code, 200, 'the backend answers directly');
ok t_cmp($res->header('X-Approov-Test-Backend') // '', 'reached',
         'and marks its responses');

my @ids;
for my $case (@refused) {
    my ($name, $token) = @$case;
    my $id = unique('refused');
    push @ids, [ $name, $id ];
    refusal_ok(get_with("/proxied/ok.txt?hit=$id", $token), 401,
               "proxied, $name");
}

my $id = unique('accepted');
$res = get_with("/proxied/ok.txt?hit=$id", mint());
ok t_cmp($res->code . ' ' . $res->content, "200 ok\n",
         'proxied, valid token: the backend\'s 200');
ok t_cmp($res->header('X-Approov-Test-Backend') // '', 'reached',
         'proxied, valid token: the response came from the backend');

# The backend logs a hit after it has answered: wait for it.
my $logged = 0;
for (1 .. 50) {
    last if $logged = hit_logged($id);
    sleep 0.1;
}
ok t_cmp($logged, 1, 'proxied, valid token: the backend logged the hit');
ok t_cmp(scalar(grep { /\Q?hit=$id\E/ } split /\n/, read_file($hits)), 1,
         'proxied, valid token: exactly one backend hit');

# Every earlier request would have been logged by now.
for my $case (@ids) {
    my ($name, $refused_id) = @$case;
    ok t_cmp(hit_logged($refused_id) ? 'reached' : 'not reached',
             'not reached', "proxied, $name: the backend was not reached");
}
