# ApproovReportOnly: every check runs and is logged at warn, every request
# goes through.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp t_debug t_start_error_log_watch
                        t_finish_error_log_watch);
use ApproovMint qw(mint broken);
use ApproovTest qw(get_with);

my @cases = (
    [ missing       => undef ],
    [ bad_signature => broken('bad_signature') ],
    [ expired       => broken('expired') ],
    [ valid         => mint() ],
);

plan tests => 2 * @cases;

for my $case (@cases) {
    my ($reason, $token) = @$case;
    t_start_error_log_watch();
    my $res = get_with('/report-only/ok.txt', $token);
    my @lines = grep { /approov/ } t_finish_error_log_watch();
    t_debug("log: $_") for @lines;
    ok t_cmp($res->code . ' ' . $res->content, "200 ok\n", "$reason: served");
    my $want = $reason eq 'valid' ? 0 : 1;
    ok t_cmp(scalar(grep {
            /\[approov:warn\].* approov: token would be rejected \(report-only\): reason=\Q$reason\E /
        } @lines), $want,
        $want ? "$reason: logged at warn" : "$reason: nothing logged");
}
