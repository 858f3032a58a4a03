# The counters across a package upgrade: a graceful restart that loads
# another build of the module, with another number of outcomes (what
# "apt install" of a newer package and "systemctl reload apache2" do).
# The shared counters outlive the restart, so the new build must never
# read or count past them, nor show one outcome's count under another's
# name: after the restart the counters either start from zero or keep
# each its own value.  A restart into the same build keeps them (as
# t/counters.t has it).  The second build (APPROOV_TEST_MODULE_EXTRA,
# which make check builds with -DAPPROOV_TEST_EXTRA_OUTCOMES=3) is
# swapped in for the file LoadModule names, as dpkg would: a new file
# renamed over the old one.  The server is one of this test's own.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp t_debug);
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use Time::HiRes qw(sleep);
use ApproovMint qw(%SECRET mint broken);

my $module = $ENV{APPROOV_TEST_MODULE};
my $extra = $ENV{APPROOV_TEST_MODULE_EXTRA};

# The first start: 2 tests; each restart: 5; the second build: 1.
plan tests => 2 + 5 * 3 + 1,
    need { 'a build with more outcomes (APPROOV_MODULE_EXTRA, as make check gives)'
           => $extra && -f $extra };

my $httpd = Apache::Test::vars('httpd');
my $conf_dir = Apache::Test::vars('t_conf');
open my $fh, '<', "$conf_dir/httpd.conf" or die "$conf_dir/httpd.conf: $!";
my ($mpm) = grep { /^\s*LoadModule\s+mpm_\w+_module\s/ } <$fh>;
close $fh;
my $modules_dir = $ENV{APPROOV_TEST_MODULES_DIR};

my $dir = tempdir('approov-upgrade-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $so = "$dir/mod_approov.so";
my $port = do {
    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                     Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    $sock->sockport;
};
my $conf = "$dir/httpd.conf";
open my $out, '>', $conf or die "$conf: $!";
print $out <<"CONF";
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
LogLevel notice
ServerName localhost
Listen 127.0.0.1:$port
$mpm
LoadModule authz_core_module "$modules_dir/mod_authz_core.so"
LoadModule status_module "$modules_dir/mod_status.so"
LoadModule approov_module "$so"
DocumentRoot "$dir"
<Location /api/>
    Approov On
    ApproovBase64Secret "$SECRET{main}"
</Location>
<Location /report-only/>
    Approov On
    ApproovBase64Secret "$SECRET{main}"
    ApproovReportOnly On
</Location>
<Location /server-status>
    SetHandler server-status
</Location>
CONF
close $out;

# Put this build where LoadModule looks: a new file renamed over the old.
sub install {
    my ($build) = @_;
    copy($build, "$so.new") or die "copy $build: $!";
    rename "$so.new", $so or die "rename to $so: $!";
}

sub httpd {
    my (@args) = @_;
    my $text = `"$httpd" -f "$conf" @args 2>&1`;
    t_debug("httpd @args: exit " . ($? >> 8) . ": $text");
    return $? >> 8;
}

require LWP::UserAgent;
my $ua = LWP::UserAgent->new(timeout => 10);

sub status {
    my $res = $ua->get("http://127.0.0.1:$port/server-status?auto");
    return undef unless $res->code == 200;
    my %line = $res->content =~ /^(\w+): (\S+)$/mg;
    return \%line;
}

# The counters as the server shows them now, and its generation.
sub counters {
    my $status = status() or return ({}, -1);
    return ({ map { $_ => $status->{$_} } grep { /^Approov/ } keys %$status },
            $status->{ParentServerConfigGeneration} // -1);
}

my $log_seen = 0;
# The error log's lines since the last call.
sub new_log_lines {
    open my $in, '<', "$dir/error_log" or return ();
    my @lines = <$in>;
    close $in;
    my @new = @lines[$log_seen .. $#lines];
    $log_seen = @lines;
    return @new;
}

# Requests that count: each outcome a different number of times in each
# mode, so that a count shown under another name cannot pass for its own
# (a missing token also counts under its SDK status, none here).
my @requests = (
    [ '/api/x',         undef,                   1, 'ApproovMissing',
      'ApproovMissingSdkStatusNone' ],
    [ '/api/x',         mint(),                  2, 'ApproovValid' ],
    [ '/api/x',         broken('expired'),       3, 'ApproovExpired' ],
    [ '/report-only/x', undef,                   4, 'ApproovReportOnlyMissing',
      'ApproovReportOnlyMissingSdkStatusNone' ],
    [ '/report-only/x', mint(),                  5, 'ApproovReportOnlyValid' ],
    [ '/report-only/x', broken('bad_signature'), 6, 'ApproovReportOnlyBadSignature' ],
);

# Send them all ($scale times each); returns what they add to each counter.
sub send_requests {
    my ($scale) = @_;
    my %added;
    for my $request (@requests) {
        my ($path, $token, $times, @counters) = @$request;
        for (1 .. $times * $scale) {
            $ua->get("http://127.0.0.1:$port$path",
                     defined $token ? ('Approov-Token' => $token) : ());
        }
        $added{$_} += $times * $scale for @counters;
    }
    return \%added;
}

# "fresh" when every counter is zero, "kept" when every counter the last
# build also had shows its value there and the others zero; otherwise
# which counters show what.
sub carried {
    my ($before, $after) = @_;
    return 'fresh' unless grep { $_ != 0 } values %$after;
    my @moved = map { "$_=$after->{$_} (was " . ($before->{$_} // 'absent') . ')' }
                grep { $after->{$_} != ($before->{$_} // 0) } sort keys %$after;
    return @moved ? "@moved" : 'kept';
}

# Graceful restart into $build (undef: the same); five tests.
sub restart_into {
    my ($name, $build, $before, $log_expected) = @_;
    my (undef, $generation) = counters();
    install($build) if $build;
    new_log_lines();
    httpd('-k', 'graceful');
    # Wait (at most 20 s) for a child of the new generation to answer.
    my ($after, $now);
    for (1 .. 200) {
        sleep 0.1;
        ($after, $now) = counters();
        last if $now > $generation;
    }
    ok t_cmp($now > $generation ? 'restarted' : "generation $now", 'restarted',
             "$name: the new generation answers");
    t_debug("$name: $_=$after->{$_}") for sort keys %$after;
    ok t_cmp(carried($before, $after), $log_expected ? qr/^(fresh|kept)$/ : 'kept',
             $log_expected ? "$name: every counter from zero, or each its own value"
                           : "$name: every counter kept its value");
    my @notes = grep { /approov: .*counter/i } new_log_lines();
    t_debug("$name: log: $_") for @notes;
    ok t_cmp(scalar @notes, $log_expected ? 1 : 0,
             $log_expected ? "$name: the error log says the counters changed"
                           : "$name: nothing logged about the counters");
    my $res = $ua->get("http://127.0.0.1:$port/api/x", 'Approov-Token' => broken('expired'));
    ok t_cmp($res->code, 401, "$name: and goes on checking");
    ($before) = counters();
    my $added = send_requests(1);
    my ($later) = counters();
    my @wrong = map { "$_ +" . ($later->{$_} - ($before->{$_} // 0)) }
                grep { $later->{$_} - ($before->{$_} // 0) != ($added->{$_} // 0) }
                sort keys %$later;
    ok t_cmp("@wrong", '', "$name: each request counted under its own name");
    return $later;
}

install($module);
my $pid_file = "$dir/httpd.pid";
END {
    if ($pid_file && open my $pid_fh, '<', $pid_file) {
        my $pid = <$pid_fh>;
        kill 'TERM', $1 if defined $pid && $pid =~ /^(\d+)/;
    }
}
ok t_cmp(httpd('-k', 'start'), 0, 'httpd starts with the first build');
for (1 .. 100) { last if -s $pid_file; sleep 0.05 }
my $added = send_requests(1);
my ($first) = counters();
ok t_cmp(join(' ', map { "$_=" . ($first->{$_} // 'absent') } sort keys %$added),
         join(' ', map { "$_=$added->{$_}" } sort keys %$added),
         'the first build counts each outcome');

my $counts = restart_into('same build', undef, $first, 0);
my $first_names = keys %$counts;
my $upgraded = restart_into('upgrade to more outcomes', $extra, $counts, 1);
ok t_cmp(scalar(keys %$upgraded) > $first_names
             ? 'more' : scalar(keys %$upgraded) . " (was $first_names)",
         'more', 'the second build shows more counters (its extra outcomes)');
restart_into('downgrade to fewer outcomes', $module, $upgraded, 1);

httpd('-k', 'stop');
for (1 .. 100) { last unless -e $pid_file; sleep 0.05 }
