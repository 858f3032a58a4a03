# The SDK's Approov-Status and Approov-TraceID (t/conf/issuer_audience.conf.in,
# /issaud/sdk/): made safe (RFC 9110 tchar only, others as '_', at most 64
# bytes) they go into the rejection's log line (before uri=, only when
# sent), into APPROOV_SDK_STATUS and APPROOV_TRACE_ID on every request
# judged (a CustomLog and mod_headers read them), and missing-token
# refusals are counted by the status (ApproovMissingSdkStatus<Status>).
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp t_debug t_start_error_log_watch
                        t_finish_error_log_watch);
use ApproovMint qw(mint broken);
use ApproovTest qw(read_file status_counters unique);

plan tests => 33;

my $sdk_log = Apache::Test::vars('t_logs') . '/sdk_status.log';

# GET path: the response, the approov lines of the error log, and the
# line of sdk_status.log ("uri result status trace", '-' for unset).
sub request {
    my ($path, @headers) = @_;
    t_start_error_log_watch();
    my $res = Apache::TestRequest::GET($path, @headers);
    my @lines = grep { /approov:/ } t_finish_error_log_watch();
    t_debug("log: $_") for @lines;
    my $access;
    for (1 .. 100) {    # written as the request ends: wait up to 10 s
        ($access) = grep { /^\Q$path\E / } split /\n/, read_file($sdk_log);
        last if defined $access;
        select undef, undef, undef, 0.1;
    }
    t_debug('sdk_status.log: ' . ($access // 'no line'));
    return ($res, \@lines, $access // 'no line');
}

# The delta of every Approov counter over $code.
sub counted {
    my ($code) = @_;
    my $before = status_counters() || {};
    $code->();
    my $after = status_counters() || {};
    return { map { $_ => $after->{$_} - ($before->{$_} // 0) }
             grep { /^Approov/ } keys %$after };
}

# --- a missing token, with both headers
my $path = '/issaud/sdk/' . unique('nonet');
my ($res, $lines, $access) = request($path, 'Approov-Status' => 'no_network',
                                     'Approov-TraceID' => 'a1b2-c3d4');
ok t_cmp($res->code, 401, 'no token: 401');
ok t_cmp(scalar(grep { /\[approov:info\].* approov: token rejected: reason=missing client=127\.0\.0\.1 method=GET sdk_status=no_network trace_id=a1b2-c3d4 uri=\Q$path\E$/ } @$lines),
         1, 'the log line carries sdk_status and trace_id before uri');
ok t_cmp($access, "$path missing no_network a1b2-c3d4", 'CustomLog: both variables');
ok t_cmp(($res->header('X-Approov-Sdk-Status') // '-') . ' '
         . ($res->header('X-Approov-Trace-Id') // '-'),
         'no_network a1b2-c3d4', 'mod_headers: both variables');

# --- a valid token: the variables too, no rejection line
$path = '/issaud/sdk/ok.txt?t=' . unique('ok');
($res, $lines, $access) = request($path, 'Approov-Token' => mint(),
                                  'Approov-Status' => 'success',
                                  'Approov-TraceID' => 'T-1');
ok t_cmp($res->code, 200, 'a valid token: 200');
ok t_cmp(scalar(@$lines), 0, 'no log line');
ok t_cmp($access, "$path valid success T-1", 'CustomLog: set on a valid request too');

# --- a bad token: the fields in its line as well
$path = '/issaud/sdk/' . unique('expired');
($res, $lines, $access) = request($path, 'Approov-Token' => broken('expired'),
                                  'Approov-Status' => 'success');
ok t_cmp($res->code, 401, 'an expired token: 401');
ok t_cmp(scalar(grep { / reason=expired client=127\.0\.0\.1 method=GET sdk_status=success uri=\Q$path\E$/ } @$lines),
         1, 'only the header that came: sdk_status, no trace_id');
ok t_cmp($access, "$path expired success -", 'CustomLog: only APPROOV_SDK_STATUS');

# --- only a trace id
$path = '/issaud/sdk/' . unique('trace');
($res, $lines, $access) = request($path, 'Approov-TraceID' => 'only-trace');
ok t_cmp(scalar(grep { / reason=missing client=127\.0\.0\.1 method=GET trace_id=only-trace uri=\Q$path\E$/ } @$lines),
         1, 'only trace_id');
ok t_cmp($access, "$path missing - only-trace", 'CustomLog: only APPROOV_TRACE_ID');

# --- neither: the line as it always was, no variable
$path = '/issaud/sdk/' . unique('neither');
($res, $lines, $access) = request($path);
ok t_cmp(scalar(grep { / reason=missing client=127\.0\.0\.1 method=GET uri=\Q$path\E$/ } @$lines),
         1, 'neither header: the line as before');
ok t_cmp($access, "$path missing - -", 'CustomLog: neither variable');

# --- what the client sends is made safe
my @unsafe = (
    [ 'no network "x"=y', 'no_network__x__y', 'space, quotes and =' ],
    [ 'a,b;c\\d', 'a_b_c_d', 'separators and backslash' ],
    [ "caf\xc3\xa9", 'caf__', 'bytes above 0x7f' ],
    [ 'x' x 65, 'x' x 64, '65 bytes: cut to 64' ],
    [ ('y' x 63) . ' zz', ('y' x 63) . '_', 'cut after the replacement' ],
    [ "!#\$%&'*+-.^_`|~Az09", "!#\$%&'*+-.^_`|~Az09", 'every tchar kept' ],
    [ 'reason=valid uri=/x', 'reason_valid_uri__x', 'no field of its own in the line' ],
);
for my $case (@unsafe) {
    my ($sent, $want, $name) = @$case;
    $path = '/issaud/sdk/' . unique('unsafe');
    ($res, $lines, $access) = request($path, 'Approov-Status' => $sent,
                                      'Approov-TraceID' => $sent);
    ok t_cmp(scalar(grep { / method=GET sdk_status=\Q$want\E trace_id=\Q$want\E uri=\Q$path\E$/ } @$lines),
             1, "log: $name");
    ok t_cmp($access, "$path missing $want $want", "CustomLog: $name");
}

# --- the counters of missing tokens, by status
my $delta = counted(sub {
    Apache::TestRequest::GET('/issaud/sdk/ok.txt', 'Approov-Status' => 'no_network') for 1 .. 2;
    Apache::TestRequest::GET('/issaud/sdk/ok.txt', 'Approov-Status' => 'REJECTED');
    Apache::TestRequest::GET('/issaud/sdk/ok.txt', 'Approov-Status' => 'mitm_detected');
    Apache::TestRequest::GET('/issaud/sdk/ok.txt', 'Approov-Status' => 'bad_payload');
    Apache::TestRequest::GET('/issaud/sdk/ok.txt', 'Approov-Status' => 'no_network, rejected');
    Apache::TestRequest::GET('/issaud/sdk/ok.txt', 'Approov-Status' => 'none');
    Apache::TestRequest::GET('/issaud/sdk/ok.txt');
    Apache::TestRequest::GET('/issaud/sdk/ok.txt', 'Approov-TraceID' => 'x');
    # Not missing tokens: counted as their outcome only.
    Apache::TestRequest::GET('/issaud/sdk/ok.txt', 'Approov-Status' => 'success',
                             'Approov-Token' => mint());
    Apache::TestRequest::GET('/issaud/sdk/ok.txt', 'Approov-Status' => 'no_network',
                             'Approov-Token' => broken('expired'));
    # Report-only, apart.
    Apache::TestRequest::GET('/issaud/report-only/ok.txt', 'Approov-Status' => 'rejected');
});
my %want = (
    ApproovMissing => 9,
    ApproovMissingSdkStatusNoNetwork => 2,
    ApproovMissingSdkStatusRejected => 1,
    ApproovMissingSdkStatusMitmDetected => 1,
    ApproovMissingSdkStatusBadPayload => 1,
    ApproovMissingSdkStatusOther => 2,
    ApproovMissingSdkStatusNone => 2,
    ApproovMissingSdkStatusSuccess => 0,
    ApproovReportOnlyMissing => 1,
    ApproovReportOnlyMissingSdkStatusRejected => 1,
    ApproovReportOnlyMissingSdkStatusNone => 0,
    ApproovExpired => 1,
);
ok t_cmp(join(' ', map { "$_=" . ($delta->{$_} // 'absent') } sort keys %want),
         join(' ', map { "$_=$want{$_}" } sort keys %want),
         'missing tokens counted by the SDK status');
my $sum = 0;
$sum += $delta->{$_} for grep { /^ApproovMissingSdkStatus/ } keys %$delta;
ok t_cmp($sum, $delta->{ApproovMissing}, 'the statuses add up to ApproovMissing');

# Every status of the list has its counters, enforced and report-only.
my $status = status_counters() || {};
my @names = qw(None Other Success NoNetwork MitmDetected PoorNetwork
               NoApproovService BadUrl UnknownUrl UnprotectedUrl
               NoNetworkPermission MissingLibDependency InternalError
               Rejected Disabled UnknownKey BadKey BadPayload);
my @absent = grep { !exists $status->{$_} }
             map { ("ApproovMissingSdkStatus$_", "ApproovReportOnlyMissingSdkStatus$_") } @names;
ok t_cmp("@absent", '', 'a counter for every status, both modes');
ok t_cmp(scalar(grep { /^Approov(ReportOnly)?MissingSdkStatus/ } keys %$status),
         2 * @names, 'and no other');

# The HTML page shows them too.
$res = Apache::TestRequest::GET('/server-status');
ok t_cmp($res->content =~ m{<tr><td>no_network</td><td>\d+</td><td>\d+</td></tr>} ? 1 : 0,
         1, 'mod_status page: a row per SDK status');
