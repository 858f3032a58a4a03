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

use ApproovMint qw(%SECRET);

our @EXPORT_OK = qw(get_with refusal_problems refusal_ok outcome
                    error_log_path read_file unique @REASONS
                    connection_open connection_send connection_read
                    connection_request connection_outcome watched_outcome
                    connection_write connection_read_all chunked run_tool install_token
                    signature_headers status_counters);

# Every reason code the module may log.
our @REASONS = qw(missing too_long bad_prefix malformed bad_header bad_alg
                  bad_signature bad_payload bad_exp bad_nbf expired
                  not_yet_valid no_binding_header no_pay bad_pay pay_mismatch
                  unknown_kid no_kid no_key);

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

1;
