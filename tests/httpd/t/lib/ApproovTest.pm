package ApproovTest;

# What the .t files share: requests with a token, the shape of a refusal,
# and the error log.

use strict;
use warnings;

use Apache::Test ();
use Apache::TestRequest ();
use Apache::TestUtil ();
use Exporter qw(import);
use IO::Socket::INET ();
use MIME::Base64 ();

use ApproovMint qw(%SECRET);

our @EXPORT_OK = qw(get_with refusal_problems refusal_ok outcome
                    error_log_path read_file unique @REASONS
                    connection_open connection_send connection_read
                    connection_request connection_outcome watched_outcome
                    connection_write connection_read_all chunked run_tool install_token
                    signature_headers status_counters
                    http_request free_port matrix_with matrix_check
                    httpd_conf run_httpd start_httpd stop_httpd);

# Every reason code the module may log.
our @REASONS = qw(missing too_long bad_prefix malformed bad_header bad_alg
                  bad_signature bad_payload bad_exp bad_nbf expired
                  not_yet_valid no_binding_header no_pay bad_pay pay_mismatch
                  unknown_kid no_kid no_key bad_iss bad_aud);

# GET path with the token in Approov-Token (none when undef) and any other
# headers given.
sub get_with {
    my ($path, $token, @headers) = @_;
    unshift @headers, 'Approov-Token' => $token if defined $token;
    return Apache::TestRequest::GET($path, @headers);
}

# What is wrong with $res as a refusal with $status: an empty list when it
# has that status, Content-Length: 0, an empty body and no header that
# names a reason, a secret or the module.
sub refusal_problems {
    my ($res, $status) = @_;
    my @problems;
    push @problems, 'status ' . $res->code . ", not $status"
        unless $res->code == $status;
    my $length = $res->header('Content-Length');
    push @problems, 'Content-Length ' . (defined $length ? $length : 'absent')
        unless defined $length && $length eq '0';
    push @problems, 'a body of ' . length($res->content) . ' bytes'
        if length $res->content;
    my $leak = join '|', map { quotemeta } @REASONS, 'approov', 'token',
                             values %SECRET;
    $res->headers->scan(sub {
        my ($name, $value) = @_;
        # Client-* are LWP's notes, not the server's headers.
        push @problems, "header $name: $value"
            if $name !~ /^Client-/i && "$name: $value" =~ /$leak/i;
    });
    return @problems;
}

# One test: $res is an empty refusal with $status (see refusal_problems).
sub refusal_ok {
    my ($res, $status, $name) = @_;
    my @problems = refusal_problems($res, $status);
    Apache::TestUtil::t_debug("$name: $_") for @problems;
    Apache::Test::ok(Apache::TestUtil::t_cmp("@problems", '',
                                             "$name: an empty $status"));
}

# "<status> <reason logged>" of the request $send makes (it returns the
# status, or undef for no response), "-" for no rejection line.
sub watched_outcome {
    my ($send) = @_;
    Apache::TestUtil::t_start_error_log_watch();
    my $code = $send->();
    my ($reason) = map { /reason=(\w+)/ ? $1 : () }
                   grep { /approov: token rejected/ }
                   Apache::TestUtil::t_finish_error_log_watch();
    return 'no response (connection closed?)' unless defined $code;
    return $code . ' ' . ($reason // '-');
}

# The outcome (as above) of GET path with these headers.
sub outcome {
    my ($path, @headers) = @_;
    return watched_outcome(sub { Apache::TestRequest::GET($path, @headers)->code });
}

sub error_log_path {
    return Apache::Test::vars('t_logs') . '/error_log';
}

sub read_file {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

# One raw HTTP/1.1 keep-alive connection to the server, for tests that
# need every request on one connection (a client library may reconnect
# without saying so): if httpd closed it, the next read fails.
sub connection_open {
    my $hostport = Apache::TestRequest::hostport();
    my ($port) = $hostport =~ /:(\d+)$/;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                     Timeout => 10)
        or die "connect to $hostport: $!";
    binmode $sock;
    $sock->autoflush(1);
    return { sock => $sock, buf => '', hostport => $hostport };
}

# Send requests, each [path, header => value, ...], in one write: more
# than one is a pipeline.
sub connection_send {
    my ($conn, @requests) = @_;
    my $text = '';
    for my $request (@requests) {
        my ($path, @headers) = @$request;
        $text .= "GET $path HTTP/1.1\r\nHost: $conn->{hostport}\r\n";
        while (my ($name, $value) = splice @headers, 0, 2) {
            $text .= "$name: $value\r\n";
        }
        $text .= "\r\n";
    }
    print { $conn->{sock} } $text or die "send: $!";
}

# The next response: { code, headers (lower-case names), body }, or undef
# when the connection closed or 10 seconds passed first.
sub connection_read {
    my ($conn) = @_;
    my $fill = sub {
        my $n = eval {
            local $SIG{ALRM} = sub { die "timeout\n" };
            alarm 10;
            my $got = sysread $conn->{sock}, $conn->{buf}, 65536,
                              length $conn->{buf};
            alarm 0;
            $got;
        };
        alarm 0;
        return $n;
    };
    while ($conn->{buf} !~ /\r\n\r\n/) {
        return undef unless $fill->();
    }
    $conn->{buf} =~ s/\A(.*?)\r\n\r\n//s;
    my ($status, @lines) = split /\r\n/, $1;
    my ($code) = $status =~ m{\AHTTP/1\.1 (\d{3}) } or return undef;
    my %headers;
    for (@lines) {
        my ($name, $value) = /\A([^:]+):\s*(.*)\z/ or next;
        $headers{lc $name} = $value;
    }
    my $length = $headers{'content-length'} // 0;
    while (length $conn->{buf} < $length) {
        return undef unless $fill->();
    }
    my $body = substr $conn->{buf}, 0, $length, '';
    return { code => $code, headers => \%headers, body => $body };
}

# One request on the connection and its response (undef as above).
sub connection_request {
    my ($conn, @request) = @_;
    connection_send($conn, \@request);
    return connection_read($conn);
}

# The outcome (as outcome() has it) of one request on the connection.
sub connection_outcome {
    my ($conn, @request) = @_;
    return watched_outcome(sub {
        my $res = connection_request($conn, @request);
        return $res ? $res->{code} : undef;
    });
}

# Write raw bytes on the connection (a request framed by hand): false if
# the server has closed it already.
sub connection_write {
    my ($conn, $text) = @_;
    local $SIG{PIPE} = 'IGNORE';
    return print { $conn->{sock} } $text;
}

# The response on a connection the server closes after it (the request
# said Connection: close), with a body of any framing: { code, headers,
# body } as connection_read has it, or undef when no status line came
# within 10 seconds.
sub connection_read_all {
    my ($conn) = @_;
    my $text = $conn->{buf};
    $conn->{buf} = '';
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 10;
        1 while sysread $conn->{sock}, $text, 65536, length $text;
        alarm 0;
    };
    alarm 0;
    my ($head, $body) = split /\r\n\r\n/, $text, 2;
    my ($status, @lines) = split /\r\n/, $head // '';
    my ($code) = ($status // '') =~ m{\AHTTP/1\.1 (\d{3}) } or return undef;
    my %headers;
    for (@lines) {
        my ($name, $value) = /\A([^:]+):\s*(.*)\z/ or next;
        $headers{lc $name} = $value;
    }
    $body //= '';
    if (($headers{'transfer-encoding'} // '') =~ /chunked/i) {
        my $plain = '';
        while ($body =~ s/\A([0-9a-fA-F]+)[^\r]*\r\n//) {
            my $size = hex $1;
            last if $size == 0;
            $plain .= substr $body, 0, $size, '';
            $body =~ s/\A\r\n//;
        }
        $body = $plain;
    }
    return { code => $code, headers => \%headers, body => $body };
}

# A body in HTTP/1.1 chunked coding, in chunks of at most $size bytes.
sub chunked {
    my ($body, $size) = @_;
    my $text = '';
    for (my $at = 0; $at < length $body; $at += $size) {
        my $chunk = substr $body, $at, $size;
        $text .= sprintf("%x\r\n", length $chunk) . "$chunk\r\n";
    }
    return "${text}0\r\n\r\n";
}

# What tools/approov-token (APPROOV_TEST_TOOL) prints for these arguments.
sub run_tool {
    my @args = @_;
    my $tool = $ENV{APPROOV_TEST_TOOL} or die 'APPROOV_TEST_TOOL is not set';
    open my $fh, '-|', $tool, @args or die "$tool: $!";
    local $/;
    my $out = <$fh>;
    close $fh or die "$tool $args[0]: exit " . ($? >> 8);
    return $out;
}

# A token (main secret) with the public half of the install key (default
# t/conf/keys/ec.key.pem) in ipk, and more claims (NAME=VALUE).
sub install_token {
    my ($key, @claims) = @_;
    $key //= Apache::Test::vars('t_conf') . '/keys/ec.key.pem';
    my $token = run_tool('mint', '--secret', $SECRET{main},
                         '--install-key', $key, map { ('--claim', $_) } @claims);
    chomp $token;
    return $token;
}

# The install signature headers (and Content-Digest with a body) the SDK
# would send, as a list of name => value.  Options: path (on the current
# Apache::TestRequest::module's server), token, method (GET), body, key
# (t/conf/keys/ec.key.pem), cover => [...], created, flags => [...].
sub signature_headers {
    my (%opt) = @_;
    my $key = $opt{key} || Apache::Test::vars('t_conf') . '/keys/ec.key.pem';
    my @args = ('sign-request', '--install-key', $key,
                '--method', $opt{method} || 'GET',
                '--url', Apache::TestRequest::resolve_url($opt{path}),
                '--header', "Approov-Token: $opt{token}");
    push @args, '--body', $opt{body} if defined $opt{body};
    push @args, map { ('--cover', $_) } @{ $opt{cover} || [] };
    push @args, '--created', $opt{created} if defined $opt{created};
    push @args, @{ $opt{flags} || [] };
    return map { /^([\w-]+):\s*(.*)$/ ? ($1, $2) : () }
           split /\n/, run_tool(@args);
}

# The lines of mod_status's /server-status?auto as a hash (Approov* are
# the module's counters), or undef when it did not answer 200.
sub status_counters {
    my $res = Apache::TestRequest::GET('/server-status?auto');
    return undef unless $res->code == 200;
    my %line = $res->content =~ /^(\w+): (\S+)$/mg;
    return \%line;
}

# A string no other request of this run has used.
my $serial = 0;
sub unique {
    my ($prefix) = @_;
    return sprintf '%s-%d-%d-%d', $prefix, $$, time, ++$serial;
}

# ------------------------------------------------ the integration matrix

# One request as raw bytes, the target exactly as given (no client
# normalises "..", "//" or escapes away): HTTP/1.0, so that the answer is
# never chunked and ends when the connection closes.  A body (for POST and
# PUT) is one byte.  Returns { code, headers (lower-case names), body }, or
# undef when no response came within 10 seconds.
sub http_request {
    my ($hostport, $method, $target, @headers) = @_;
    my ($host, $port) = $hostport =~ /^(.*):(\d+)$/ or die "hostport $hostport";
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                     Timeout => 10)
        or die "connect to $hostport: $!";
    binmode $sock;
    my $body = $method =~ /^(POST|PUT)$/ ? 'x' : '';
    my $text = "$method $target HTTP/1.0\r\nHost: $hostport\r\n";
    while (my ($name, $value) = splice @headers, 0, 2) {
        $text .= "$name: $value\r\n";
    }
    $text .= 'Content-Length: ' . length($body) . "\r\n" if length $body;
    print {$sock} "$text\r\n$body";
    my $response = '';
    my $ok = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 10;
        1 while sysread $sock, $response, 65536, length $response;
        alarm 0;
        1;
    };
    alarm 0;
    close $sock;
    return undef unless $ok;
    my ($head, $content) = split /\r\n\r\n/, $response, 2;
    my ($code) = ($head // '') =~ m{\AHTTP/1\.\d (\d{3})} or return undef;
    my %headers;
    for (split /\r\n/, $head) {
        $headers{lc $1} = $2 if /\A([^:\s]+):\s*(.*)\z/;
    }
    return { code => $code, headers => \%headers, body => $content // '' };
}

# A TCP port nothing listens on now.
sub free_port {
    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                     Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    return $sock->sockport;
}

# The request headers a matrix row's "with" column names, words joined by
# '+': token (a valid Approov token), alice and bob (Basic, password "pw",
# the users of t/matrix.t's htpasswd), origin and acrm (a CORS preflight's
# Origin and Access-Control-Request-Method); '-' for none.  A test adds
# words of its own to %MATRIX_WITH: subs called with the row's method and
# target (a request signature covers them).
our %MATRIX_WITH;
sub matrix_with {
    my ($with, $method, $target) = @_;
    my %header = (
        token  => sub { ('Approov-Token' => ApproovMint::mint()) },
        alice  => sub { (Authorization => 'Basic ' . MIME::Base64::encode_base64('alice:pw', '')) },
        bob    => sub { (Authorization => 'Basic ' . MIME::Base64::encode_base64('bob:pw', '')) },
        origin => sub { (Origin => 'https://app.example') },
        acrm   => sub { ('Access-Control-Request-Method' => 'POST') },
    );
    return () if $with eq '-';
    return map { ($header{$_} || $MATRIX_WITH{$_}
                  or die "matrix_with: unknown '$_'")->($method, $target) }
           split /\+/, $with;
}

# Run a matrix: rows of { config, request ("METHOD target"), with, status,
# reached ('yes', 'no', or '-' where nothing can tell), cache (optional:
# 'HIT', or '!HIT' for anything else), reason (optional: the reasons the
# module logged for the request, in order, joined by ',', or '-' for
# none) }, one test each.  $send->(method,
# target, headers...) makes a request and returns what http_request does.
# "reached" is yes when the protected handler or backend ran for this
# request (its X-Matrix-Id is in $hit_log, or the backend marked the
# response) or its content reached the client.  Prints the table, with
# what each row got, as test diagnostics.
sub matrix_check {
    my ($send, $hit_log, @rows) = @_;
    my @table;
    for my $row (@rows) {
        my ($method, $target) = split ' ', $row->{request}, 2;
        my $id = unique('matrix');
        my @with = matrix_with($row->{with}, $method, $target);
        Apache::TestUtil::t_start_error_log_watch() if defined $row->{reason};
        my $res = $send->($method, $target, 'X-Matrix-Id' => $id, @with);
        my ($code, $reached, $cache) = ('none', '?', '-');
        if ($res) {
            $code = $res->{code};
            $reached = index(read_file($hit_log), "$id ") >= 0
                    || $res->{body} =~ /matrix-protected-content/
                    || defined $res->{headers}{'x-matrix-backend'}
                ? 'yes' : 'no';
            $cache = $res->{headers}{'x-cache'} // '-';
            $cache =~ s/ .*//;
        }
        my $want = "$row->{status} reached=$row->{reached}";
        my $got = "$code reached=" . ($row->{reached} eq '-' ? '-' : $reached);
        if (defined $row->{cache}) {
            $want .= " cache=$row->{cache}";
            $got .= ' cache=' . ($row->{cache} eq '!HIT' && $cache ne 'HIT'
                                 ? '!HIT' : $cache);
        }
        if (defined $row->{reason}) {
            my @reasons = map { /approov: .*\breason=(\w+)/ ? $1 : () }
                          Apache::TestUtil::t_finish_error_log_watch();
            $want .= " reason=$row->{reason}";
            $got .= ' reason=' . (join(',', @reasons) || '-');
        }
        my $name = "$row->{config}: $row->{request} with $row->{with}";
        Apache::Test::ok(Apache::TestUtil::t_cmp($got, $want, $name));
        push @table, [ $row->{config}, $row->{request}, $row->{with}, $want,
                       $got eq $want ? 'ok' : "GOT $got" ];
    }
    my @lines = ([ qw(config request with expected result) ], @table);
    my @width = (0) x 5;
    for my $line (@lines) {
        for my $i (0 .. 4) {
            $width[$i] = length $line->[$i] if length $line->[$i] > $width[$i];
        }
    }
    for my $line (@lines) {
        Apache::TestUtil::t_debug(join ' | ', (map { sprintf '%-*s', $width[$_], $line->[$_] } 0 .. 3),
                                  $line->[4]);
    }
    return @table;
}

# A whole httpd.conf for a server of a test's own, in $dir: the test
# server's MPM, then these lines.  Returns its path.
sub httpd_conf {
    my ($dir, $name, $port, @lines) = @_;
    my $conf_dir = Apache::Test::vars('t_conf');
    open my $in, '<', "$conf_dir/httpd.conf" or die "$conf_dir/httpd.conf: $!";
    my ($mpm) = grep { /^\s*LoadModule\s+mpm_\w+_module\s/ } <$in>;
    close $in;
    my $path = "$dir/$name.conf";
    open my $out, '>', $path or die "$path: $!";
    print $out join "\n", qq{ServerRoot "$dir"}, qq{DefaultRuntimeDir "$dir"},
        qq{PidFile "$dir/$name.pid"}, qq{ErrorLog "$dir/$name.error_log"},
        'ServerName localhost', "Listen 127.0.0.1:$port", $mpm // '', @lines, '';
    close $out or die "$path: $!";
    return $path;
}

# Run the test server's httpd with these arguments: (exit status, output).
sub run_httpd {
    my (@args) = @_;
    my $httpd = Apache::Test::vars('httpd');
    my $out = `"$httpd" @args 2>&1`;
    return ($? >> 8, $out);
}

# Start httpd on $conf (from httpd_conf) and wait for its pid file: true
# when it runs.  stop_httpd stops it and waits for the pid file to go.
sub start_httpd {
    my ($conf) = @_;
    (my $pid_file = $conf) =~ s/\.conf$/.pid/;
    my ($status, $out) = run_httpd('-f', $conf, '-k', 'start');
    Apache::TestUtil::t_debug("start $conf: exit $status: $out");
    for (1 .. 100) {
        last if -s $pid_file;
        select undef, undef, undef, 0.05;
    }
    return $status == 0 && -s $pid_file;
}

sub stop_httpd {
    my ($conf) = @_;
    (my $pid_file = $conf) =~ s/\.conf$/.pid/;
    run_httpd('-f', $conf, '-k', 'stop');
    for (1 .. 100) {
        return 1 unless -e $pid_file;
        select undef, undef, undef, 0.05;
    }
    return 0;
}

1;
