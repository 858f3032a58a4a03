# The request body around ApproovMessageSigning, when the signature covers
# content-digest and mod_approov reads the body before any handler
# (t/conf/body.conf.in has the scopes):
# - httpd's own body errors keep httpd's status, are logged and counted as
#   body_error, and never reach the handler;
# - ApproovReportOnly never changes traffic: a body over
#   ApproovMessageSigningMaxBody still reaches the handler or backend
#   whole, with Content-Length or chunked;
# - after an internal redirect (front controller, DirectoryIndex,
#   ErrorDocument) the handler still gets the body read for the check.
# Requests are written by hand on a socket, so that the body's framing is
# exactly what the test says.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp t_debug t_start_error_log_watch
                        t_finish_error_log_watch);
use Digest::SHA qw(sha256_hex);
use ApproovTest qw(connection_open connection_write connection_read_all chunked
                   install_token signature_headers status_counters read_file
                   unique);

my $tool = $ENV{APPROOV_TEST_TOOL};
my $reqtimeout = -f "$ENV{APPROOV_TEST_MODULES_DIR}/mod_reqtimeout.so";

my @errors = (
    # [ name, how the body is sent, httpd's status, location ]
    [ 'a malformed chunk',                    'bad-chunk', 400 ],
    [ 'Content-Length over LimitRequestBody', 'length',    413 ],
    [ 'chunked over LimitRequestBody',        'chunked',   413 ],
    [ 'a client that stops sending',          'stall',     408 ],
    # Under Satisfy Any with Require all granted, httpd goes on to
    # authorization after the refusal: it must hold there too.
    [ 'Satisfy Any: a malformed chunk',       'bad-chunk', 400, '/body-errors-any/' ],
    [ 'Satisfy Any: Content-Length over LimitRequestBody', 'length', 413,
      '/body-errors-any/' ],
);
# [ target, the script that runs, size, framing ]: the proxied requests
# run /body/echo.cgi, open, as the backend.
my @report_only;
for my $target ([ '/body-report-only/echo.cgi', '/body-report-only/echo.cgi' ],
                [ '/body-report-only-proxied/echo.cgi', '/body/echo.cgi' ]) {
    for my $size (5 * 1024, 100 * 1024) {
        push @report_only, [ @$target, $size, $_ ] for qw(length chunked);
    }
}
my @redirects = (
    # [ name, path under the prefix, status, script under the prefix,
    #   method, REDIRECT_REQUEST_METHOD, whether the body reaches it ]
    [ 'front controller (RewriteRule in <Directory>)', 'app/some/route',
      200, 'app/index.cgi', 'POST', '-', 1 ],
    [ 'DirectoryIndex', 'dir/', 200, 'dir/index.cgi', 'POST', '-', 1 ],
    # mod_dir's lookup is a GET subrequest with a configuration of its
    # own: its access phase runs again.
    [ 'DirectoryIndex in the parent directory', 'dir/up/', 200,
      'dir/index.cgi', 'POST', '-', 1 ],
    # A handler that fails without reading the body (mod_cgid, no such
    # script): httpd turns the ErrorDocument's request into a GET, and the
    # error script can still read the body the client sent.
    [ 'ErrorDocument 404 after mod_cgid', 'errdoc/missing.cgi',
      404, 'errdoc/error.cgi', 'GET', 'POST', 1 ],
    # The same into another directory and <Location>: the redirected
    # request (a GET) has a configuration of its own.
    [ 'ErrorDocument 404 elsewhere after mod_cgid', 'errdoc/far/missing.cgi',
      404, 'echo.cgi', 'GET', 'POST', 1 ],
    # The default handler discards the body before its 404: nothing is
    # left for the error script, with mod_approov or without.
    [ 'ErrorDocument 404 after the default handler', 'errdoc/missing.txt',
      404, 'errdoc/error.cgi', 'GET', 'POST', 0 ],
);

plan tests => 3 * @errors + 2 + 2 + @report_only + 2 + 2 + 2 * @redirects,
    need { 'tools/approov-token (APPROOV_TEST_TOOL)' => $tool && -x $tool };

my $token = install_token();

# A body of $size printable bytes (the signing tool takes it as an
# argument), different at every offset.
sub body_of {
    my ($size) = @_;
    my $text = '';
    $text .= sprintf "%07d %s\n", length $text, sha256_hex(length $text)
        while length $text < $size;
    return substr $text, 0, $size;
}

# POST $path on a new connection, signed for $opt{signed_body} (default
# the body), with the body framed as $opt{framing}: 'length' (the
# default), 'chunked', or the bytes to send after the headers as they are
# (with $opt{headers} to frame them).  Returns the response (see
# ApproovTest::connection_read) or undef.
sub post {
    my ($path, $body, %opt) = @_;
    my %sig = signature_headers(path => $path, token => $token,
                                method => 'POST',
                                body => $opt{signed_body} // $body);
    $sig{'Content-Digest'} = $opt{digest} if $opt{digest};
    my $conn = connection_open();
    my $framing = $opt{framing} || 'length';
    my @headers = ('Approov-Token' => $token, %sig,
                   'X-Test-Id' => $opt{id} // '-', 'Connection' => 'close',
                   @{ $opt{headers} || [] });
    my $send;
    if ($framing eq 'length') {
        push @headers, 'Content-Length' => length $body;
        $send = $body;
    }
    elsif ($framing eq 'chunked') {
        push @headers, 'Transfer-Encoding' => 'chunked';
        $send = chunked($body, 4000);
    }
    else {
        $send = $framing;
    }
    my $text = "POST $path HTTP/1.1\r\nHost: $conn->{hostport}\r\n";
    while (my ($name, $value) = splice @headers, 0, 2) {
        $text .= "$name: $value\r\n";
    }
    connection_write($conn, "$text\r\n$send");
    return connection_read_all($conn);
}

# "<status> <what echo.cgi said>" of a response.
sub echoed {
    my ($res) = @_;
    return 'no response' unless $res;
    my %echo = $res->{body} =~ /^(\w+)=(.*)$/mg;
    t_debug(join ' ', 'response:', $res->{code},
            map({ "$_: $res->{headers}{$_}" } sort keys %{ $res->{headers} }),
            "body: $res->{body}") unless %echo;
    return join ' ', $res->{code},
        map { "$_=" . ($echo{$_} // '?') } qw(method redirect_method script length sha256);
}

# What echoed() must say when $script got $body with this method.
sub expected {
    my ($status, $script, $body, $method, $redirect_method) = @_;
    return join ' ', $status, "method=$method",
        'redirect_method=' . ($redirect_method // '-'), "script=$script",
        'length=' . length($body), 'sha256=' . sha256_hex($body);
}

sub approov_counts {
    my $status = status_counters() || {};
    return { map { $_ => $status->{$_} } grep { /^Approov/ } keys %$status };
}

my $hits_log = Apache::Test::vars('t_logs') . '/body_cgi_hits.log';

# ---------------------------------------------------------- body errors
my $before = approov_counts();
my $counted = 0;
for my $case (@errors) {
    my ($name, $how, $status, $where) = @$case;
    $where //= '/body-errors/';
    if ($how eq 'stall' && !$reqtimeout) {
        skip 'mod_reqtimeout is not installed', 0 for 1 .. 3;
        next;
    }
    my $id = unique('body-error');
    my $body = body_of(5000);
    my %opt = (id => $id);
    if ($how eq 'bad-chunk') {
        # A chunk size that is not hexadecimal.
        %opt = (%opt, framing => "zz\r\n$body\r\n0\r\n\r\n",
                headers => [ 'Transfer-Encoding' => 'chunked' ]);
    }
    elsif ($how eq 'chunked') {
        $opt{framing} = 'chunked';
    }
    elsif ($how eq 'stall') {
        # The headers and 100 bytes of 3000 (under LimitRequestBody), then
        # nothing.
        $body = body_of(3000);
        %opt = (%opt, framing => substr($body, 0, 100),
                headers => [ 'Content-Length' => length $body ]);
        Apache::TestRequest::module('approov_body_timeout');
    }
    t_start_error_log_watch();
    my $res = post("${where}echo.cgi", $body, %opt);
    my @log = t_finish_error_log_watch();
    Apache::TestRequest::module('default');
    t_debug("$name: $_") for grep { /approov/ } @log;
    $counted++;
    ok t_cmp($res ? $res->{code} : 'no response', $status, "$name: httpd's own $status");
    ok t_cmp(scalar(grep { /\[approov:info\].*\breason=body_error\b/ } @log), 1,
             "$name: logged at info with reason=body_error");
    ok t_cmp(scalar(grep { $_ eq $id } split /\n/, read_file($hits_log)), 0,
             "$name: the handler never ran");
}
my $after = approov_counts();
ok t_cmp(($after->{ApproovBodyError} // 'absent') . '',
         ($before->{ApproovBodyError} // 0) + $counted . '',
         'each body error counted as ApproovBodyError');
ok t_cmp(join(' ', map { "$_+" . (($after->{$_} // 0) - ($before->{$_} // 0)) }
                   grep { $_ ne 'ApproovBodyError'
                          && ($after->{$_} // 0) != ($before->{$_} // 0) }
                   sort keys %$after),
         '', 'and as nothing else');

# The server is still well: a signed body on a new connection goes
# through whole, and the counters page is a table of numbers, one
# report-only counter beside each enforced one.
{
    my $body = body_of(3000);
    ok t_cmp(echoed(post('/body-errors/echo.cgi', $body)),
             expected(200, '/body-errors/echo.cgi', $body, 'POST'),
             'then a signed body on a new connection goes through whole');
    my $counts = approov_counts();
    t_debug('counters: ' . join ' ', map { "$_=$counts->{$_}" } sort keys %$counts);
    my @odd = grep { $counts->{$_} !~ /^\d+\z/ } sort keys %$counts;
    for my $name (sort keys %$counts) {
        (my $pair = $name) =~ s/^Approov(ReportOnly)?/$1 ? 'Approov' : 'ApproovReportOnly'/e;
        push @odd, "$name alone" unless exists $counts->{$pair};
    }
    push @odd, 'no counters' unless %$counts;
    ok t_cmp("@odd", '', 'and the counters page is sane');
}

# ---------------------------------------------------------- report-only
# A valid signature whose Content-Digest covers a body over
# ApproovMessageSigningMaxBody (1024): sig_body_too_large, reported only.
t_start_error_log_watch();
$before = approov_counts();
for my $case (@report_only) {
    my ($target, $script, $size, $framing) = @$case;
    my $body = body_of($size);
    ok t_cmp(echoed(post($target, $body, framing => $framing)),
             expected(200, $script, $body, 'POST'),
             "report-only, body over the limit: $target, $size bytes, $framing: "
             . 'the whole body reaches the handler');
}
my @log = t_finish_error_log_watch();
$after = approov_counts();
ok t_cmp(scalar(grep { /\[approov:warn\].*would be rejected \(report-only\): reason=sig_body_too_large / } @log),
         scalar @report_only, 'report-only: each logged as sig_body_too_large');
ok t_cmp(($after->{ApproovReportOnlySigBodyTooLarge} // 0)
             - ($before->{ApproovReportOnlySigBodyTooLarge} // 0),
         scalar @report_only, 'report-only: each counted as ReportOnlySigBodyTooLarge');
{
    # Under the limit the digest is checked, and in report-only mode the
    # body goes through whether it matches or not.
    my $body = body_of(512);
    ok t_cmp(echoed(post('/body-report-only/echo.cgi', $body)),
             expected(200, '/body-report-only/echo.cgi', $body, 'POST'),
             'report-only, under the limit, matching digest: the whole body');
    ok t_cmp(echoed(post('/body-report-only/echo.cgi', $body,
                         signed_body => body_of(511) . '!')),
             expected(200, '/body-report-only/echo.cgi', $body, 'POST'),
             'report-only, under the limit, digest mismatch: the whole body');
}

# ----------------------------------------------------- internal redirects
# Each once on the open tree (httpd's own behaviour, the control) and once
# signed; the signature is valid and Content-Digest matches the 5 KB body.
for my $case (@redirects) {
    my ($name, $path, $status, $script, $method, $redirect_method, $whole) = @$case;
    my $body = body_of(5 * 1024);
    for my $prefix ('/body/', '/body-signed/') {
        ok t_cmp(echoed(post("$prefix$path", $body)),
                 expected($status, "$prefix$script", $whole ? $body : '',
                          $method, $redirect_method eq '-' ? undef : $redirect_method),
                 "$prefix: $name: " . ($whole ? 'the whole body' : 'no body')
                 . " reaches $script");
    }
}
