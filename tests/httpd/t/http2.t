# The check over HTTP/2 in cleartext (h2c, mod_http2), on the approov_h2c
# virtual host of t/conf/extra.conf.in: each request is sent with curl
# twice, over HTTP/2 with prior knowledge and over HTTP/1.1, and must get
# the same answer and the same logged reason; a refusal over HTTP/2 is an
# empty 401 too, a refused request never reaches a proxied backend, and
# the result of one stream does not leak to the next on a shared
# connection.  HTTP/2 lower-cases every header name: the token arrives as
# "approov-token".  Every response must really have come over HTTP/2
# (curl's %{http_version} is 2).
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);
use ApproovMint qw(mint broken pay);
use ApproovTest qw(read_file unique);

my $curl_h2 = do {
    my $version = `curl -V 2>/dev/null`;
    $version =~ /^Features:.*\bHTTP2\b/m;
};

my $good = mint();
my $auth = 'Bearer session-h2';
my $bound = mint(claims => { pay => pay($auth) });

# [ name, path, expected status, curl -H arguments, logged reason ]
my @cases = (
    [ 'valid token',                    '/protected/ok.txt', 200,
      [ "approov-token: $good" ], '-' ],
    [ 'valid token, header name in capitals', '/protected/ok.txt', 200,
      [ "APPROOV-TOKEN: $good" ], '-' ],
    [ 'no token',                       '/protected/ok.txt', 401, [], 'missing' ],
    [ 'an empty token field',           '/protected/ok.txt', 401,
      [ 'approov-token;' ], 'missing' ],
    [ 'wrong secret',                   '/protected/ok.txt', 401,
      [ 'approov-token: ' . broken('bad_signature') ], 'bad_signature' ],
    [ 'expired',                        '/protected/ok.txt', 401,
      [ 'approov-token: ' . broken('expired') ], 'expired' ],
    [ 'alg none',                       '/protected/ok.txt', 401,
      [ 'approov-token: ' . broken('bad_alg') ], 'bad_alg' ],
    [ 'two token fields',               '/protected/ok.txt', 401,
      [ "approov-token: $good", "approov-token: $good" ], 'malformed' ],
    [ 'an open path, no token',         '/open/ok.txt', 200, [], '-' ],
    [ 'bound token, its authorization', '/binding/ok.txt', 200,
      [ "approov-token: $bound", "authorization: $auth" ], '-' ],
    [ 'bound token, another authorization', '/binding/ok.txt', 401,
      [ "approov-token: $bound", 'authorization: Bearer other' ],
      'pay_mismatch' ],
);

plan tests => 2 * @cases + 8 + 9,
    need { 'curl with HTTP/2 support (curl -V lists no HTTP2 feature)'
               => $curl_h2 };

Apache::TestRequest::module('approov_h2c');
my $hostport = Apache::TestRequest::hostport();
Apache::TestRequest::module('default');
$hostport =~ s/^localhost:/127.0.0.1:/;
my $base = "http://$hostport";
my $dir = tempdir(CLEANUP => 1);

# One request with curl.  $how: 'h2' (prior knowledge), 'h2-upgrade'
# (HTTP/1.1 with Upgrade: h2c) or 'h1'.  Returns a hash: status, version
# (as curl's %{http_version}), headers (lower-cased names), body.
sub curl {
    my ($how, $path, @args) = @_;
    my %flag = ('h2' => '--http2-prior-knowledge', 'h2-upgrade' => '--http2',
                'h1' => '--http1.1');
    my @cmd = ('curl', '-sS', '--max-time', '10', $flag{$how},
               '-D', "$dir/headers", '-o', "$dir/body",
               '-w', '%{http_code} %{http_version}', @args, "$base$path");
    unlink "$dir/headers", "$dir/body";
    open my $fh, '-|', @cmd or die "http2.t: cannot run curl: $!";
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    my ($status, $version) = split ' ', $out;
    # The headers of the last response (after a 101 for an upgrade).
    my $head = -e "$dir/headers" ? read_file("$dir/headers") : '';
    my @blocks = grep { /\S/ } split /\r?\n\r?\n/, $head;
    my %headers;
    for my $line (split /\r?\n/, $blocks[-1] // '') {
        $headers{lc $1} = $2 if $line =~ /^([^:\s]+):\s*(.*)$/;
    }
    return {
        status  => $status // 0,
        version => $version // '?',
        headers => \%headers,
        body    => -e "$dir/body" ? read_file("$dir/body") : '',
    };
}

# "status Content-Length body-length reason" of one request, with the
# rejection reason the module logged for it ("-" for none).
sub outcome {
    my ($how, $path, @headers) = @_;
    Apache::TestUtil::t_start_error_log_watch();
    my $res = curl($how, $path, map { ('-H', $_) } @headers);
    my ($reason) = map { /reason=(\w+)/ ? $1 : () }
                   grep { /approov: token rejected/ }
                   Apache::TestUtil::t_finish_error_log_watch();
    return ($res, join ' ', $res->{status},
            $res->{headers}{'content-length'} // 'none',
            length $res->{body}, $reason // '-');
}

for my $case (@cases) {
    my ($name, $path, $status, $headers, $reason) = @$case;
    my ($h2, $h2_outcome) = outcome('h2', $path, @$headers);
    my (undef, $h1_outcome) = outcome('h1', $path, @$headers);

    my $expected = $status == 200 ? "200 $reason ok" : "401 0 0 $reason";
    my $got = join ' ', $h2->{status},
        $status == 200 ? ((split ' ', $h2_outcome)[3], $h2->{body} eq "ok\n" ? 'ok' : 'not ok')
                       : (($h2->{headers}{'content-length'} // 'none'),
                          length $h2->{body}, (split ' ', $h2_outcome)[3]);
    ok t_cmp("HTTP/$h2->{version} $got", "HTTP/2 $expected",
             "h2c, $name: " . ($status == 200 ? '200 and the file' : 'an empty 401'));
    ok t_cmp($h1_outcome, $h2_outcome, "h2c, $name: the same as over HTTP/1.1");
}

# HEAD is checked like GET (curl --head writes the headers where the body
# would go: the body is not looked at).
my ($head_h2, $head_h1) = map { curl($_, '/protected/ok.txt', '--head') } qw(h2 h1);
ok t_cmp("HTTP/$head_h2->{version} $head_h2->{status} "
         . ($head_h2->{headers}{'content-length'} // 'none'),
         "HTTP/2 401 " . ($head_h1->{headers}{'content-length'} // 'none'),
         'h2c, HEAD without a token: 401, as over HTTP/1.1');

# A protected mod_proxy front (/proxied/ -> /backend/, which logs each hit).
my $hits = Apache::Test::vars('t_logs') . '/backend_hits.log';
my $refused_id = unique('h2-refused');
my $res = curl('h2', "/proxied/ok.txt?hit=$refused_id",
               '-H', 'approov-token: ' . broken('bad_signature'));
ok t_cmp("HTTP/$res->{version} $res->{status} "
         . ($res->{headers}{'content-length'} // 'none') . ' ' . length($res->{body})
         . ' ' . ($res->{headers}{'x-approov-test-backend'} // '-'),
         'HTTP/2 401 0 0 -', 'h2c, proxied, wrong secret: an empty 401 of our own');
my $accepted_id = unique('h2-accepted');
$res = curl('h2', "/proxied/ok.txt?hit=$accepted_id", '-H', "approov-token: $good");
ok t_cmp("HTTP/$res->{version} $res->{status} $res->{body}"
         . ($res->{headers}{'x-approov-test-backend'} // '-'),
         "HTTP/2 200 ok\nreached", 'h2c, proxied, valid token: the backend\'s 200');
# The backend logs a hit after it has answered: wait for the accepted one;
# the refused one, sent before it, would be there by then.
my $logged = 0;
for (1 .. 50) {
    last if $logged = index(read_file($hits), "?hit=$accepted_id\n") >= 0;
    sleep 0.1;
}
ok t_cmp(($logged ? 'accepted reached' : 'accepted not reached') . ', '
         . (index(read_file($hits), "?hit=$refused_id\n") >= 0
            ? 'refused reached' : 'refused not reached'),
         'accepted reached, refused not reached',
         'h2c, proxied: only the accepted request reached the backend');

# Three streams on one connection, sent at once: valid, none, valid.
# curl 7.88 cannot reuse or multiplex an h2c connection (it fails with
# "Error in the HTTP2 framing layer" before sending the second stream), so
# these are sent by h2_streams below.  The refusal of the middle stream
# neither leaks into the others nor lets it through.
my @streams = h2_streams('/protected/ok.txt', $good, undef, $good);
ok t_cmp(join(' ', map { $_->{outcome} } @streams),
         'ok refused ok',
         'h2c, three streams on one connection, valid / no token / valid');
ok t_cmp(join(' ', map { $_->{id} } @streams), '1 3 5',
         'h2c, the three were streams 1, 3 and 5 of one connection');

# A token repeated on the streams of one connection is verified once: the
# later streams find it in the connection's shared cache, and judge its
# times, binding and signature again each.  /trace8/ logs the module's
# trace lines, among them "token kept by the HTTP/2 connection" for a
# stream that the cache answered.  Streams are sent one after the other
# here, so that the first has filled the cache when the next one comes.
sub kept_lines {
    return scalar grep { /token kept by the HTTP\/2 connection/ } @_;
}
{
    my $conn = h2_open();
    my $path = '/trace8/ok.txt';
    my $one = sub { $conn->{wait}->($conn->{send}->($path, @_))->{outcome} };
    Apache::TestUtil::t_start_error_log_watch();
    my @seen = map { $one->($good) } 1 .. 3;
    my $kept = kept_lines(Apache::TestUtil::t_finish_error_log_watch());
    ok t_cmp("@seen, kept $kept", 'ok ok ok, kept 2',
             'h2c, one token on three streams, one after another: verified once');

    # A forged token (the good one's header and payload, another
    # signature) on a later stream is verified, and refused; the good one
    # is still kept.
    (my $forged = $good) =~ s/\.(.)([^.]*)\z/'.' . ($1 eq 'A' ? 'B' : 'A') . $2/e;
    Apache::TestUtil::t_start_error_log_watch();
    @seen = ($one->($forged), $one->($good));
    my @lines = Apache::TestUtil::t_finish_error_log_watch();
    my ($reason) = map { /reason=(\w+)/ ? $1 : () } grep { /token rejected/ } @lines;
    ok t_cmp("@seen " . ($reason // '-') . ', kept ' . kept_lines(@lines),
             'refused ok bad_signature, kept 1',
             'h2c, then a forged token on the connection: refused; the good one still kept');

    # Binding, judged on each stream: the kept token with another value.
    my $bound_path = '/binding/ok.txt';
    my $bound_one = sub {
        $conn->{wait}->($conn->{send}->($bound_path, $bound, @_))->{outcome};
    };
    @seen = ($bound_one->(authorization => $auth), $bound_one->(authorization => $auth),
             $bound_one->(authorization => 'Bearer other'), $bound_one->());
    ok t_cmp("@seen", 'ok ok refused refused',
             'h2c, a bound token on later streams: its binding judged on each');
    $conn->{close}->();
}

# A kept token's exp is judged on every stream: it expires on the
# connection.
{
    my $exp = time + 3;
    my $short = mint(exp => $exp);
    my $conn = h2_open();
    my $path = '/trace8/ok.txt';
    my $one = sub { $conn->{wait}->($conn->{send}->($path, @_))->{outcome} };
    Apache::TestUtil::t_start_error_log_watch();
    my @seen = ($one->($short), $one->($short));
    my $kept = kept_lines(Apache::TestUtil::t_finish_error_log_watch());
    ok t_cmp("@seen, kept $kept", 'ok ok, kept 1',
             'h2c, a token with seconds left, twice: kept');
    sleep 0.2 while time < $exp;
    Apache::TestUtil::t_start_error_log_watch();
    my $late = $one->($short);
    my @lines = Apache::TestUtil::t_finish_error_log_watch();
    my ($reason) = map { /reason=(\w+)/ ? $1 : () } grep { /token rejected/ } @lines;
    ok t_cmp("$late " . ($reason // '-') . ', kept ' . kept_lines(@lines),
             'refused expired, kept 1',
             'h2c, the kept token once exp has passed: refused as expired');
    $conn->{close}->();
}

# Many streams at once with one token, and with two tokens in turn: every
# stream judged right (the cache is shared by streams on other threads).
{
    my @many = h2_streams('/protected/ok.txt', ($good) x 12);
    ok t_cmp(join(' ', map { $_->{outcome} } @many), join(' ', ('ok') x 12),
             'h2c, twelve streams at once with one token: all 200');
    my $other = mint(claims => { did => 'other' });
    my @mixed = h2_streams('/protected/ok.txt', map { ($good, $other, undef) } 1 .. 4);
    ok t_cmp(join(' ', map { $_->{outcome} } @mixed),
             join(' ', ('ok ok refused') x 4),
             'h2c, two tokens and none in turn on twelve streams at once');
    my $bad = broken('bad_signature');
    my @bad = h2_streams('/protected/ok.txt', map { ($good, $bad) } 1 .. 4);
    ok t_cmp(join(' ', map { $_->{outcome} } @bad),
             join(' ', ('ok refused') x 4),
             'h2c, a good and a forged token in turn on eight streams at once');
}
# A new connection does not find the last one's token.
{
    my $conn = h2_open();
    Apache::TestUtil::t_start_error_log_watch();
    my $seen = $conn->{wait}->($conn->{send}->('/trace8/ok.txt', $good))->{outcome};
    my $kept = kept_lines(Apache::TestUtil::t_finish_error_log_watch());
    ok t_cmp("$seen, kept $kept", 'ok, kept 0',
             'h2c, the token on a new connection: verified there');
    $conn->{close}->();
}

# h2c through an HTTP/1.1 Upgrade.  mod_http2 switches protocols only for
# a request that passed the access checks: a valid token's request is
# answered on the new HTTP/2 connection; a refused one gets its empty 401
# over HTTP/1.1 and the connection is not upgraded (as with any 401, e.g.
# mod_auth_basic's).
$res = curl('h2-upgrade', '/protected/ok.txt', '-H', "approov-token: $good");
ok t_cmp("HTTP/$res->{version} $res->{status} $res->{body}", "HTTP/2 200 ok\n",
         'h2c by Upgrade, valid token: 200 over HTTP/2');
$res = curl('h2-upgrade', '/protected/ok.txt', '-H', 'approov-token: '
            . broken('bad_signature'));
ok t_cmp("HTTP/$res->{version} $res->{status} "
         . ($res->{headers}{'content-length'} // 'none') . ' ' . length($res->{body}),
         'HTTP/1.1 401 0 0', 'h2c by Upgrade, wrong secret: an empty 401, not upgraded');

# A minimal HTTP/2 client (RFC 9113, HPACK of RFC 7541 without Huffman or
# indexing on our side): one connection with prior knowledge, one GET of
# $path per token (undef: no token field), all sent before any answer is
# read.  Each stream's outcome: "ok" for a 200 whose body is the file,
# "refused" for a 401 that ends with its HEADERS frame (no body), else a
# description of what came.
sub h2_streams {
    my ($path, @tokens) = @_;
    my $conn = h2_open();
    my @ids = map { $conn->{send}->($path, $_) } @tokens;
    my @streams = map { $conn->{wait}->($_) } @ids;
    $conn->{close}->();
    return @streams;
}

# The same client, one stream at a time: h2_open() returns send($path,
# $token, @headers) (a GET, its stream id), wait($id) (reads until that
# stream has ended; its outcome as above) and close().
sub h2_open {
    require IO::Socket::INET;
    require IO::Select;
    my ($host, $port) = split /:/, $hostport;
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
                                     Proto => 'tcp', Timeout => 10)
        or die "http2.t: cannot connect to $hostport: $!";
    binmode $sock;
    my $int = sub {                    # an HPACK integer (RFC 7541 5.1)
        my ($n, $bits, $flags) = @_;
        my $max = (1 << $bits) - 1;
        return chr($flags | $n) if $n < $max;
        my $out = chr($flags | $max);
        $n -= $max;
        while ($n >= 128) { $out .= chr(128 + $n % 128); $n = int($n / 128) }
        return $out . chr($n);
    };
    my $str = sub { $int->(length $_[0], 7, 0) . $_[0] };
    my $frame = sub {
        my ($type, $flags, $id, $payload) = @_;
        return substr(pack('N', length $payload), 1) . pack('CCN', $type, $flags, $id)
             . $payload;
    };
    # SETTINGS_HEADER_TABLE_SIZE 0: the server's HPACK encoder may not
    # index anything (h2_status reads a :status only from the static table
    # or a literal), however many responses come.
    my $preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                . $frame->(4, 0, 0, pack('nN', 1, 0));
    my %stream;
    my $id = 1;
    my $send = sub {
        my ($path, $token, @headers) = @_;
        # :method GET, :scheme http (static 2, 6), :path and :authority as
        # literals with indexed names (4, 1), the token as a new name.
        my $block = "\x82\x86" . $int->(4, 4, 0) . $str->($path)
                  . $int->(1, 4, 0) . $str->($hostport);
        $block .= "\x00" . $str->('approov-token') . $str->($token)
            if defined $token;
        while (my ($name, $value) = splice @headers, 0, 2) {
            $block .= "\x00" . $str->(lc $name) . $str->($value);
        }
        print {$sock} $preface . $frame->(1, 0x05, $id, $block); # END_STREAM|END_HEADERS
        $preface = '';
        $stream{$id} = { id => $id, body => '', status => undef, ended => 0,
                         data => 0 };
        $id += 2;
        return $id - 2;
    };
    my $select = IO::Select->new($sock);
    my $buf = '';
    my $wait = sub {
        my ($want) = @_;
        my $deadline = time + 10;
        while (!$stream{$want}{ended}) {
            last if time > $deadline || !$select->can_read(1) && time > $deadline;
            my $n = sysread $sock, $buf, 65536, length $buf;
            last unless $n;
            while (length $buf >= 9) {
                my ($len_hi, $len_lo, $type, $flags, $sid) = unpack 'CnCCN', $buf;
                my $len = $len_hi * 65536 + $len_lo;
                last if length $buf < 9 + $len;
                my $payload = substr $buf, 9, $len;
                substr($buf, 0, 9 + $len) = '';
                $sid &= 0x7fffffff;
                if ($type == 4 && !($flags & 1)) {          # SETTINGS: ACK it
                    print {$sock} $frame->(4, 1, 0, '');
                }
                my $s = $stream{$sid} or next;
                if ($type == 1) {                           # HEADERS
                    $payload = substr $payload, 1, -ord substr $payload, 0, 1
                        if $flags & 0x08;
                    $payload = substr $payload, 5 if $flags & 0x20;
                    $s->{status} //= h2_status($payload);
                    $s->{headers_end} = 1 if $flags & 1;
                }
                elsif ($type == 0) {                        # DATA
                    $payload = substr $payload, 1, -ord substr $payload, 0, 1
                        if $flags & 0x08;
                    $s->{body} .= $payload;
                    $s->{data}++;
                }
                elsif ($type == 3) {                        # RST_STREAM
                    $s->{reset} = 1;
                    $s->{ended} = 1;
                }
                $s->{ended} = 1 if $flags & 1 && ($type == 0 || $type == 1);
            }
        }
        my $s = $stream{$want};
        my $status = $s->{status} // '?';
        $s->{outcome} =
              !$s->{ended} ? 'no answer'
            : $s->{reset} ? 'reset'
            : $status eq '200' && $s->{body} eq "ok\n" ? 'ok'
            : $status eq '401' && $s->{headers_end} && !$s->{data} ? 'refused'
            : sprintf 'status %s, %d DATA frames, body %d bytes',
                      $status, $s->{data}, length $s->{body};
        return $s;
    };
    return { send => $send, wait => $wait, close => sub { close $sock } };
}

# The :status of a response header block, when it is the block's first
# field (as httpd sends it): an entry of HPACK's static table, or a literal
# with the name ":status" (static index 8) whose value is plain or Huffman
# coded digits (RFC 7541 appendix B: "0"-"2" are 5 bits 00000-00010,
# "3"-"9" 6 bits 011001-011111).  undef for anything else.
sub h2_status {
    my ($block) = @_;
    # Dynamic table size updates (001 + 5 bits) may come first.
    while (length $block && (ord($block) & 0xe0) == 0x20) {
        my $n = 1;
        if ((ord($block) & 0x1f) == 0x1f) {
            $n++ while $n < length $block && ord(substr $block, $n, 1) & 0x80;
            $n++;
        }
        $block = substr $block, $n;
    }
    my %static = (0x88 => 200, 0x89 => 204, 0x8a => 206, 0x8b => 304,
                  0x8c => 400, 0x8d => 404, 0x8e => 500);
    my $first = ord substr $block, 0, 1;
    return $static{$first} if exists $static{$first};
    # With incremental indexing (01 + 6 bits), without (0000 + 4 bits) or
    # never indexed (0001 + 4 bits), name index 8.
    return undef unless $first == 0x48 || $first == 0x08 || $first == 0x18;
    my $length = ord substr $block, 1, 1;
    my $value = substr $block, 2, $length & 0x7f;
    return $value unless $length & 0x80;
    my $bits = unpack 'B*', $value;
    my $digits = '';
    while (length $bits >= 5) {
        if ($bits =~ s/^000([01][01])//) {
            my $d = oct "0b$1";
            return undef if $d > 2;
            $digits .= $d;
        }
        elsif ($bits =~ s/^011([01]{3})//) {
            my $d = oct "0b$1";
            return undef if $d < 1;
            $digits .= $d + 2;
        }
        else {
            last;
        }
    }
    return $bits =~ /^1*\z/ && length $bits < 8 ? $digits : undef;
}
