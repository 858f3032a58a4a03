# SetHandler approov-metrics: every counter in the Prometheus text format
# 0.0.4, read here by the reference client's own parser
# (python3-prometheus-client, t/lib/parse_metrics.py) and checked against
# requests of known outcomes made between two scrapes.
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

plan tests => 32;

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

# Requests of known outcomes, enforced and report-only.
my %made = (
    'valid enforce'              => 2,
    'missing enforce'            => 1,
    'expired enforce'            => 3,
    'bad_signature enforce'      => 1,
    'missing report_only'        => 2,
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
    for (1 .. $made{$series}) {
        $statuses .= get_with($path, $token{$outcome}->())->code . ' ';
    }
}
t_debug("statuses: $statuses");

my ($res, $after) = scrape();
my $after_requests = requests($after);

# --------------------------------------------------------- the response
ok t_cmp($res->header('Content-Type'), $content_type, 'Content-Type');
ok t_cmp($res->header('Cache-Control'), 'no-store', 'never cached');

# ------------------------------------------------ the requests' counters
ok t_cmp($after->{approov_requests}{type}, 'counter',
         'approov_requests_total is a counter');
ok t_cmp(scalar(keys %$before_requests), scalar(keys %$after_requests),
         'the same series in both scrapes');
my $status = status_counters() || {};
my @auto = grep { /^Approov/ } keys %$status;
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
ok t_cmp(scalar(grep { / server $/ && !/^\Q$server\E / } keys %keys), 1,
         'a virtual host\'s own server-wide secret');
ok t_cmp(scalar(grep { / Location \/protected\/$/ } keys %keys), 1,
         'the main server\'s sections once, not again under each virtual '
         . 'host');
ok t_cmp(!exists $keys{"$server Location /protected/inherit/"}, 1,
         'no row for a scope without keys of its own');

# ---------------------------------------------------------- the format
my $text = $res->content;
my @missing;
for my $family (qw(approov_build_info approov_requests_total approov_keys)) {
    push @missing, $family
        unless $text =~ /^# HELP \Q$family\E \S.*\n# TYPE \Q$family\E (gauge|counter)\n\Q$family\E[{ ]/m;
}
ok t_cmp(join(' ', @missing), '',
         'each family: HELP, then TYPE, then its samples');
ok t_cmp(scalar(grep { $_->{help} eq '' } values %$after), 0,
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
