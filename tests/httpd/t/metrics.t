# SetHandler approov-metrics: every counter in the Prometheus text format
# 0.0.4, read here by the reference client's own parser
# (python3-prometheus-client, t/lib/parse_metrics.py) and checked against
# requests of known outcomes made between two scrapes: on the test server
# (outcomes, missing tokens by the SDK's Approov-Status, keys per scope),
# and on a node of this test's own (ApproovReplay's) with a Redis replay
# cache, stopped mid-test, and two ApproovJWKSURI whose key server is
# down, one with a cached copy (replay hits and errors, the JWKS
# families).
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest qw(GET HEAD POST);
use Apache::TestUtil qw(t_cmp t_debug);
use IPC::Open3 qw(open3);
use JSON::PP ();
use ApproovMint qw(mint broken);
use ApproovTest qw(get_with status_counters);
use ApproovMint qw(b64url secret_bytes);
use ApproovReplay qw(start_cache stop_cache node node_start node_stop
                     signed send_to);
use File::Temp qw(tempdir);

plan tests => 57;

my $content_type = 'text/plain; version=0.0.4; charset=utf-8';

# Debian's interpreter first: python3-prometheus-client is installed for it
# (scripts/deps.sh), whatever else is on PATH.
my ($python) = grep { -x } '/usr/bin/python3';
$python ||= 'python3';

# The page parsed: { family name => { type, help, samples => [[name,
# {labels}, value], ...] } }.  Dies (the test fails) when the parser is
# missing or refuses the page.
sub parse {
    my ($text) = @_;
    my $pid = open3(my $in, my $out, undef, $python,
                    "$FindBin::Bin/lib/parse_metrics.py");
    print $in $text;
    close $in;
    my $json = do { local $/; <$out> };
    waitpid $pid, 0;
    die "parse_metrics.py failed (exit status $?)\n" if $?;
    my %families = map { $_->{name} => $_ } @{ JSON::PP->new->decode($json) };
    return \%families;
}

sub scrape {
    my $res = GET('/approov-metrics');
    die 'GET /approov-metrics: ' . $res->code . "\n" unless $res->code == 200;
    return ($res, parse($res->content));
}

# approov_requests_total as { "outcome mode" => value }.
sub requests {
    my ($families) = @_;
    my $family = $families->{approov_requests} or return {};
    return { map { ("$_->[1]{outcome} $_->[1]{mode}" => $_->[2]) }
             grep { $_->[0] eq 'approov_requests_total' }
             @{ $family->{samples} } };
}

my ($first, $before) = scrape();
my $before_requests = requests($before);

# approov_missing_tokens_total as { "sdk_status mode" => value }.
sub missing {
    my ($families) = @_;
    my $family = $families->{approov_missing_tokens} or return {};
    return { map { ("$_->[1]{sdk_status} $_->[1]{mode}" => $_->[2]) }
             grep { $_->[0] eq 'approov_missing_tokens_total' }
             @{ $family->{samples} } };
}
my $before_missing = missing($before);

# Missing tokens, with the Approov-Status header the SDK would send
# (undef: none), and the series each one counts in.
my %missing_sent = (
    enforce     => [undef, 'no_network', 'no_network', 'NO_NETWORK',
                    'rejected', 'not-a-status'],
    report_only => [undef, undef, 'mitm_detected'],
);
my %missing_made = (
    'none enforce'              => 1,
    'no_network enforce'        => 3,
    'rejected enforce'          => 1,
    'other enforce'             => 1,
    'none report_only'          => 2,
    'mitm_detected report_only' => 1,
);

# Requests of known outcomes, enforced and report-only (the missing ones
# below, by their Approov-Status).
my %made = (
    'valid enforce'              => 2,
    'missing enforce'            => scalar @{ $missing_sent{enforce} },
    'expired enforce'            => 3,
    'bad_signature enforce'      => 1,
    'missing report_only'        => scalar @{ $missing_sent{report_only} },
    'valid report_only'          => 1,
    'expired report_only'        => 1,
);
my %token = (
    valid         => sub { mint() },
    missing       => sub { undef },
    expired       => sub { broken('expired') },
    bad_signature => sub { broken('bad_signature') },
);
my $statuses = '';
for my $series (sort keys %made) {
    my ($outcome, $mode) = split ' ', $series;
    my $path = $mode eq 'enforce' ? '/protected/ok.txt' : '/report-only/ok.txt';
    next if $outcome eq 'missing';
    for (1 .. $made{$series}) {
        $statuses .= get_with($path, $token{$outcome}->())->code . ' ';
    }
}
for my $mode (sort keys %missing_sent) {
    my $path = $mode eq 'enforce' ? '/protected/ok.txt' : '/report-only/ok.txt';
    for my $sdk (@{ $missing_sent{$mode} }) {
        $statuses .= get_with($path, undef, defined $sdk
                                            ? ('Approov-Status' => $sdk)
                                            : ())->code . ' ';
    }
}
t_debug("statuses: $statuses");

my ($res, $after) = scrape();
my $after_requests = requests($after);
my $after_missing = missing($after);

# --------------------------------------------------------- the response
ok t_cmp($res->header('Content-Type'), $content_type, 'Content-Type');
ok t_cmp($res->header('Cache-Control'), 'no-store', 'never cached');

# ------------------------------------------------ the requests' counters
ok t_cmp($after->{approov_requests}{type}, 'counter',
         'approov_requests_total is a counter');
ok t_cmp(scalar(keys %$before_requests), scalar(keys %$after_requests),
         'the same series in both scrapes');
my $status = status_counters() || {};
my @auto = grep { /^Approov/ && !/MissingSdkStatus/ } keys %$status;
ok t_cmp(scalar(keys %$after_requests), scalar(@auto),
         'one series per line of mod_status\'s ?auto, every outcome in both '
         . 'modes, zeros too');
ok t_cmp(scalar(grep { $after_requests->{$_} == 0 } keys %$after_requests)
         > 0, 1, 'outcomes never seen are there as 0');

my @wrong;
for my $series (sort keys %$after_requests) {
    my $delta = $after_requests->{$series}
              - ($before_requests->{$series} // -1000);
    my $want = $made{$series} // 0;
    push @wrong, "$series: +$delta, not +$want" if $delta != $want;
}
ok t_cmp(join('; ', @wrong), '',
         'each series went up by the requests of its outcome and mode made '
         . 'between the scrapes, and no other did');
for my $series ('expired enforce', 'valid report_only') {
    ok t_cmp($after_requests->{$series} - $before_requests->{$series},
             $made{$series}, "$series");
}

# The same numbers as mod_status's ?auto lines ("bad_signature" and
# report_only -> ApproovReportOnlyBadSignature); nothing was counted since.
my @differ;
for my $series (sort keys %$after_requests) {
    my ($outcome, $mode) = split ' ', $series;
    my $name = 'Approov' . ($mode eq 'report_only' ? 'ReportOnly' : '')
             . join '', map { ucfirst } split /_/, $outcome;
    push @differ, "$series: $after_requests->{$series} vs "
                  . ($status->{$name} // 'none')
        if ($status->{$name} // -1) != $after_requests->{$series};
}
ok t_cmp(join('; ', @differ), '', 'the values mod_status shows');

# ------------------------------------- missing tokens by the SDK's status
ok t_cmp(($after->{approov_missing_tokens} || {})->{type}, 'counter',
         'approov_missing_tokens_total is a counter');
my @auto_missing = grep { /^Approov\w*MissingSdkStatus/ } keys %$status;
ok t_cmp(scalar(keys %$after_missing) . ' ' . scalar(keys %$before_missing),
         scalar(@auto_missing) . ' ' . scalar(@auto_missing),
         'one series per SDK status and mode (a line of ?auto each), in '
         . 'both scrapes, zeros too');
@wrong = ();
for my $series (sort keys %$after_missing) {
    my $delta = $after_missing->{$series}
              - ($before_missing->{$series} // -1000);
    my $want = $missing_made{$series} // 0;
    push @wrong, "$series: +$delta, not +$want" if $delta != $want;
}
push @wrong, 'no series' unless %$after_missing;
ok t_cmp(join('; ', @wrong), '',
         'each SDK status went up by the missing tokens sent with it '
         . '(none: no header; other: not a status; any letter case), and no '
         . 'other did');
my %mode_sum;
$mode_sum{(split ' ', $_)[1]} += $after_missing->{$_} for keys %$after_missing;
ok t_cmp(join(' ', map { $mode_sum{$_} // 'none' } qw(enforce report_only)),
         join(' ', map { $after_requests->{"missing $_"} }
                   qw(enforce report_only)),
         'per mode, they add up to approov_requests_total{outcome="missing"}');
@differ = ();
for my $series (sort keys %$after_missing) {
    my ($sdk, $mode) = split ' ', $series;
    my $name = 'Approov' . ($mode eq 'report_only' ? 'ReportOnly' : '')
             . 'MissingSdkStatus' . join '', map { ucfirst } split /_/, $sdk;
    push @differ, "$series: $after_missing->{$series} vs "
                  . ($status->{$name} // 'none')
        if ($status->{$name} // -1) != $after_missing->{$series};
}
push @differ, 'no series' unless %$after_missing;
ok t_cmp(join('; ', @differ), '', 'the values of mod_status\'s '
         . 'MissingSdkStatus lines');

# No replay cache and no ApproovJWKSURI on the test server: their families
# are described, with no sample.
my @families_here = qw(approov_replay_hits approov_replay_cache_errors
                       approov_jwks_age_seconds approov_jwks_keys
                       approov_jwks_refreshes approov_jwks_refresh_failures);
ok t_cmp(join(' ', map { $after->{$_} ? scalar @{ $after->{$_}{samples} }
                                      : 'absent' } @families_here),
         join(' ', (0) x @families_here),
         'without a replay cache or a JWKS URI: those families, no samples');

# ------------------------------------------------------------ the others
my $info = $after->{approov_build}
        || $after->{approov_build_info} || { samples => [] };
my ($info_sample) = @{ $info->{samples} };
ok t_cmp($info_sample && $info_sample->[0], 'approov_build_info',
         'approov_build_info');
ok t_cmp($info_sample && $info_sample->[1]{version}, qr/^\d+\.\d+\.\d+/,
         'with the version');
ok t_cmp($info_sample && $info_sample->[2], 1, 'whose value is 1');

my %keys = map { (join(' ', @{ $_->[1] }{qw(server section path)}) => $_->[2]) }
           @{ ($after->{approov_keys} || { samples => [] })->{samples} };
t_debug("keys: $_ = $keys{$_}") for sort keys %keys;
ok t_cmp($after->{approov_keys}{type}, 'gauge', 'approov_keys is a gauge');
my $main = (grep { / Location \/protected\/$/ } keys %keys)[0] // '';
(my $server = $main) =~ s/ .*//;
ok t_cmp($keys{"$server Location /protected/"}, 1,
         'a scope with one secret');
ok t_cmp($keys{"$server Location /rotate/"}, 2, 'a scope with two');
ok t_cmp($keys{"$server Location /metrics-keys/q\"uote\\d"}, 3,
         'a path with a double quote and a backslash, escaped and read back');
ok t_cmp($keys{' environment '}, 1, 'httpd\'s environment');
my $vhost_port = Apache::Test::config()->{vhosts}{approov_vhost}{port} // '?';
ok t_cmp($keys{"localhost:$vhost_port server "}, 1,
         'a virtual host\'s own server-wide secret');
ok t_cmp(scalar(grep { / Location \/protected\/$/ } keys %keys), 1,
         'the main server\'s sections once, not again under each virtual '
         . 'host');
ok t_cmp(!exists $keys{"$server Location /protected/inherit/"}, 1,
         'no row for a scope without keys of its own');

# ---------------------------------------------------------- the format
my $text = $res->content;
my @missing;
for my $family (qw(approov_build_info approov_requests_total approov_keys
                   approov_missing_tokens_total)) {
    push @missing, $family
        unless $text =~ /^# HELP \Q$family\E \S.*\n# TYPE \Q$family\E (gauge|counter)\n\Q$family\E[{ ]/m;
}
ok t_cmp(join(' ', @missing), '',
         'each family: HELP, then TYPE, then its samples');
ok t_cmp(scalar(grep { ($_->{help} // '') eq '' } values %$after), 0,
         'the parser read a help text for every family');

# --------------------------------------------------------------- methods
my $head = HEAD('/approov-metrics');
ok t_cmp($head->code . ' ' . ($head->header('Content-Type') // ''),
         "200 $content_type", 'HEAD');
ok t_cmp($head->content, '', 'HEAD: no body');
my $post = POST('/approov-metrics', content => 'x');
ok t_cmp($post->code, 405, 'POST: 405');
ok t_cmp($post->header('Allow') // '', qr/\bGET\b/, 'Allow names GET');
ok t_cmp(Apache::TestRequest::PUT('/approov-metrics', content => 'x')->code,
         405, 'PUT: 405');

# Who may read it is Require's: the same handler for another address.
ok t_cmp(GET('/approov-metrics-elsewhere')->code, 403,
         'Require ip applies as to any handler');

# The scrapes themselves are no checked requests.
my (undef, $again) = scrape();
ok t_cmp(requests($again)->{'valid enforce'},
         $after_requests->{'valid enforce'}, 'a scrape counts nothing');

# Only where the operator puts it in a scope with Approov On is it checked.
ok t_cmp(GET('/protected/approov-metrics')->code, 401,
         'in a protected scope, without a token: 401');
my $checked = get_with('/protected/approov-metrics', mint());
ok t_cmp($checked->code . ' ' . ($checked->header('Content-Type') // ''),
         "200 $content_type", 'with a valid one: the page');

# ============================================ a node with a replay cache
# Replay hits and cache errors, and the JWKS families, on an httpd of this
# test's own: a Redis replay cache (stopped mid-test), and two JWKS URIs
# whose key server never answers (a port nothing listens on), one with a
# cached copy of two keys written 1000 seconds ago.
my $dir = tempdir('approov-metrics-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $redis = start_cache('redis', $dir);
my $dead = ApproovTest::free_port();
my %jwks_url = (cached => "https://127.0.0.1:$dead/cached",
                none   => "https://127.0.0.1:$dead/none");
{
    my $set = JSON::PP->new->canonical->encode({ keys => [
        map { { kty => 'oct', kid => $_->[0], alg => 'HS256',
                k => b64url(secret_bytes($_->[1])) } }
            [k1 => 'main'], [k2 => 'directive'] ] });
    open my $fh, '>', "$dir/cached.json" or die "$dir/cached.json: $!";
    print $fh $set;
    close $fh or die "$!";
    my $then = time - 1000;
    utime $then, $then, "$dir/cached.json" or die "utime: $!";
}
my $node = node($dir, 'metrics', "redis:127.0.0.1:$redis->{port}",
                "<Location /approov-metrics>\n    SetHandler approov-metrics\n"
                . "</Location>",
                "<Location /jwks-cached/>\n    Approov On\n"
                . "    ApproovJWKSURI $jwks_url{cached}\n"
                . "    ApproovJWKSCacheFile \"$dir/cached.json\"\n</Location>",
                "<Location /jwks-none/>\n    Approov On\n"
                . "    ApproovJWKSURI $jwks_url{none}\n</Location>");
END {
    local $?;
    node_stop($node) if $node;
    stop_cache($redis) if $redis;
}
ok t_cmp(node_start($node) ? 'runs' : 'not started', 'runs',
         'a node with a Redis replay cache and two JWKS URIs starts');

sub node_scrape {
    my $got = send_to($node, '/approov-metrics');
    die "GET /approov-metrics on the node: $got\n" unless $got =~ /^200 /;
    return parse($ApproovReplay::BODY);
}

# { family => { "mode" => value } } for families labelled by mode only.
sub by_mode {
    my ($families, $family) = @_;
    return { map { ($_->[1]{mode} => $_->[2]) }
             @{ ($families->{$family} || { samples => [] })->{samples} } };
}

my $node_before = node_scrape();
my @replayed;
my %sig = signed('/replay/ok.txt');
push @replayed, send_to($node, '/replay/ok.txt', %sig) for 1 .. 3;
my %report = signed('/report/ok.txt');
push @replayed, send_to($node, '/report/ok.txt', %report) for 1 .. 2;
ok t_cmp(join(', ', @replayed),
         '200 valid, 401 sig_replayed, 401 sig_replayed, 200 valid, '
         . '200 sig_replayed', 'replays: refused twice, reported once');
ok t_cmp(stop_cache($redis), 1, 'redis stopped');
my @down = (send_to($node, '/replay/ok.txt', signed('/replay/ok.txt')),
            send_to($node, '/replay-open/ok.txt',
                    signed('/replay-open/ok.txt')),
            send_to($node, '/report/ok.txt', signed('/report/ok.txt')));
ok t_cmp(join(', ', @down),
         '503 replay_cache_unavailable, 200 replay_cache_unavailable, '
         . '200 replay_cache_unavailable',
         'cache down: closed, open and report-only');
my $node_after = node_scrape();

my %replay_made = (
    approov_replay_hits         => { enforce => 2, report_only => 1 },
    approov_replay_cache_errors => { enforce => 2, report_only => 1 },
);
my %request_modes = map { ((split ' ', $_)[1] => 1) } keys %$after_requests;
for my $family (sort keys %replay_made) {
    ok t_cmp(($node_after->{$family} || {})->{type} // 'absent', 'counter',
             "${family}_total is a counter");
    my $before_mode = by_mode($node_before, $family);
    my $after_mode = by_mode($node_after, $family);
    ok t_cmp(join(' ', sort keys %$before_mode),
             join(' ', sort keys %request_modes),
             "${family}_total: the modes of approov_requests_total, from the "
             . 'start');
    ok t_cmp(join(' ', map { ($after_mode->{$_} // 0)
                             - ($before_mode->{$_} // 0) }
                       qw(enforce report_only)),
             join(' ', @{ $replay_made{$family} }{qw(enforce report_only)}),
             "${family}_total went up by the requests made, per mode");
}
# The same numbers as the node's outcome counters.
my $node_requests = requests($node_after);
ok t_cmp(join(' ', map { by_mode($node_after, 'approov_replay_hits')->{$_}
                         // 'none',
                         by_mode($node_after,
                                 'approov_replay_cache_errors')->{$_}
                         // 'none' }
                   qw(enforce report_only)),
         join(' ', map { $node_requests->{"sig_replayed $_"} // 'none',
                         $node_requests->{"replay_cache_unavailable $_"}
                         // 'none' }
                   qw(enforce report_only)),
         'hits and errors are approov_requests_total\'s sig_replayed and '
         . 'replay_cache_unavailable');

# ------------------------------------------------------------ JWKS URIs
# The first fetch fails at once (nothing listens); wait for it.
my $jwks = $node_after;
for (1 .. 40) {
    my %failed = map { ($_->[1]{url} => $_->[2]) }
        @{ ($jwks->{approov_jwks_refresh_failures} || { samples => [] })
               ->{samples} };
    last if ($failed{$jwks_url{cached}} // 0) >= 1
         && ($failed{$jwks_url{none}} // 0) >= 1;
    select undef, undef, undef, 0.25;
    $jwks = node_scrape();
}
my %jwks_type = (approov_jwks_age_seconds => 'gauge',
                 approov_jwks_keys => 'gauge',
                 approov_jwks_refreshes => 'counter',
                 approov_jwks_refresh_failures => 'counter');
ok t_cmp(join(' ', map { ($jwks->{$_} || {})->{type} // 'absent' }
                   sort keys %jwks_type),
         join(' ', map { $jwks_type{$_} } sort keys %jwks_type),
         'the JWKS families and their types');
my %jwks_value;
for my $family (sort keys %jwks_type) {
    for my $sample (@{ ($jwks->{$family} || { samples => [] })->{samples} }) {
        my ($name) = grep { $jwks_url{$_} eq $sample->[1]{url} } keys %jwks_url;
        $jwks_value{"$sample->[0] " . ($name // $sample->[1]{url})}
            = $sample->[2];
    }
}
t_debug("jwks: $_ = $jwks_value{$_}") for sort keys %jwks_value;
ok t_cmp(join(' ', map { $jwks_value{"approov_jwks_keys $_"} // 'none' }
                   qw(cached none)), '2 0',
         'approov_jwks_keys: the cached copy\'s 2 keys; 0 without a set');
ok t_cmp($jwks_value{'approov_jwks_age_seconds cached'} // -1,
         qr/^10[0-5]\d(\.0)?$/,
         'approov_jwks_age_seconds: the cached copy\'s age (1000 s, give or '
         . 'take the test\'s time)');
ok t_cmp(!$jwks->{approov_jwks_age_seconds} ? 'no family'
         : exists $jwks_value{'approov_jwks_age_seconds none'} ? 'a sample'
         : 'no sample',
         'no sample', 'approov_jwks_age_seconds: no sample before any set');
ok t_cmp(join(' ', map { $jwks_value{"approov_jwks_refreshes_total $_"}
                         // 'none' } qw(cached none)), '0 0',
         'approov_jwks_refreshes_total: no fetch has succeeded');
ok t_cmp(join(' ', map { ($jwks_value{"approov_jwks_refresh_failures_total $_"}
                          // 0) >= 1 ? 'counted' : 'not counted' }
                   qw(cached none)), 'counted counted',
         'approov_jwks_refresh_failures_total: the failed fetches');

# approov_keys of a scope whose keys come from a JWKS URI: the set it
# verifies with now.
my %node_keys = map { ("$_->[1]{section} $_->[1]{path}" => $_->[2]) }
    @{ ($jwks->{approov_keys} || { samples => [] })->{samples} };
ok t_cmp(join(' ', map { $node_keys{"Location $_"} // 'none' }
                   qw(/jwks-cached/ /jwks-none/)), '2 0',
         'approov_keys of a JWKS scope: its current set (2), or 0 with none');
# The node verifies with those sets: a k1 token passes the check in the
# scope with the cached copy (the file itself is absent there: 404); the
# scope without a set answers 503 keys_unavailable.
my $k1 = mint(secret => 'main', kid => 'k1');
ok t_cmp(join(', ', send_to($node, '/jwks-cached/x', 'Approov-Token' => $k1),
                    send_to($node, '/jwks-none/x', 'Approov-Token' => $k1)),
         '404 valid, 503 keys_unavailable',
         'the cached set verifies; no set: 503 keys_unavailable');
