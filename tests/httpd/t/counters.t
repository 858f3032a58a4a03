# The counters on mod_status's page live in shared memory that outlives a
# graceful restart: after "httpd -k graceful" (SIGUSR1 to the parent) the
# new generation of children shows the same counts, and goes on counting.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest qw(GET);
use Apache::TestUtil;
use Time::HiRes qw(sleep);
use ApproovMint qw(mint broken);
use ApproovTest qw(get_with);

plan tests => 6;

sub status {
    my $res = GET('/server-status?auto');
    return unless $res->code == 200;
    my %line = $res->content =~ /^(\w+): (\S+)$/mg;
    return \%line;
}

sub approov_counts {
    my ($status) = @_;
    return { map { $_ => $status->{$_} } grep { /^Approov/ } keys %$status };
}

get_with('/protected/ok.txt', mint());
get_with('/protected/ok.txt', broken('bad_signature'));
my $before = status();
t_debug('counters before the restart');
ok $before && $before->{ApproovValid} >= 1 && $before->{ApproovBadSignature} >= 1;
my $generation = $before->{ParentServerConfigGeneration};
t_debug('mod_status shows the configuration generation');
ok defined $generation;

my $pid_file = Apache::Test::vars('t_logs') . '/httpd.pid';
open my $fh, '<', $pid_file or die "$pid_file: $!";
chomp(my $pid = <$fh>);
close $fh;
kill 'USR1', $pid or die "cannot signal httpd $pid: $!";

# Wait (at most 20 s) for the new generation to answer.
my $after;
for (1 .. 200) {
    sleep 0.1;
    my $now = status();
    if ($now && ($now->{ParentServerConfigGeneration} // -1) > $generation) {
        $after = $now;
        last;
    }
}
t_debug('httpd came back from the graceful restart');
ok $after;
$after ||= {};

ok t_cmp(join(',', map { "$_=" . ($after->{$_} // '-') }
                   sort keys %{ approov_counts($before) }),
         join(',', map { "$_=$before->{$_}" } sort keys %{ approov_counts($before) }),
         'every counter survived the graceful restart unchanged');

get_with('/protected/ok.txt', mint());
my $later = status() || {};
ok t_cmp(($later->{ApproovValid} // 0) - ($before->{ApproovValid} // 0), 1,
         'the new generation goes on counting');

my $res = get_with('/protected/ok.txt', broken('expired'));
ok t_cmp($res->code, 401, 'and goes on checking');
