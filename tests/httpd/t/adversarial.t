# Hostile tokens and headers, each sent as raw bytes to a protected static
# file and to a protected mod_proxy front, with the status and the reason
# code the module must log.  The rules:
#   - 200 only for a valid token;
#   - 400 only where httpd itself refuses the request (the module never
#     sees it, so no reason is logged);
#   - never a 500, never a refused request at the backend.
# reasons.t covers one token per reason code; this file hunts for the
# edges: encodings, parser corners, algorithm games, time claims, sizes.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp t_debug t_start_error_log_watch
                        t_finish_error_log_watch);
use Digest::SHA qw(hmac_sha256 hmac_sha384 hmac_sha512);
use IO::Socket::INET ();
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep);
use ApproovMint qw(mint sign b64url secret_bytes);
use ApproovTest qw(read_file unique);

my $now = time;
my $exp = $now + 600;
my $hs256 = '{"alg":"HS256","typ":"JWT"}';
my $claims = qq({"exp":$exp});

# ------------------------------------------------------------ token makers

# A token over segment texts taken as they are, HMAC-SHA256 with the main
# secret over exactly those texts: only what the case changes is wrong.
sub sign_segments {
    my ($h, $p, $secret) = @_;
    my $input = "$h.$p";
    return $input . '.' . b64url(hmac_sha256($input, secret_bytes($secret // 'main')));
}

# A token whose payload is this JSON text (header HS256), correctly signed.
sub with_payload { return sign('main', $hs256, $_[0]) }
# A token whose JOSE header is this JSON text, correctly signed.
sub with_header { return sign('main', $_[0], $claims) }

# base64 in the standard alphabet, padded.
sub b64std { return encode_base64($_[0], '') }

my @ALPHABET = ('A' .. 'Z', 'a' .. 'z', '0' .. '9', '-', '_');
my %INDEX = map { $ALPHABET[$_] => $_ } 0 .. $#ALPHABET;

# The same bytes with the unused low bits of the last character set: a
# lenient decoder reads the same bytes, a strict one refuses the text.
sub noncanonical {
    my ($seg) = @_;
    my $rest = length($seg) % 4;
    die "noncanonical: '$seg' has no unused bits" unless $rest == 2 || $rest == 3;
    my $last = $INDEX{ substr $seg, -1 };
    die "noncanonical: '$seg' is not canonical" if $last & ($rest == 2 ? 15 : 3);
    return substr($seg, 0, -1) . $ALPHABET[$last | 1];
}

# JSON text of the header or the payload, padded with an unknown member
# until its length leaves unused bits in its last base64url character.
sub odd_length_json {
    my ($name, $prefix) = @_;
    for my $n (1 .. 3) {
        my $text = $prefix . qq(,"$name":") . ('x' x $n) . '"}';
        return $text if length($text) % 3;
    }
}

# A valid token whose chosen segment (0 header, 1 payload, 2 signature)
# contains '-' or '_', with those written in the standard alphabet ('+',
# '/') and, for header and payload, signed over the text as sent.
sub standard_alphabet {
    my ($which) = @_;
    for my $n (1 .. 10000) {
        # '?' (0x3f) at the third byte of a group encodes as '_'.
        my $v = $n . ('?' x ($n % 5));
        my @seg = split /\./, sign('main', qq({"alg":"HS256","n":"$v"}),
                                   qq({"exp":$exp,"n":"$v"}));
        next unless $seg[$which] =~ /[-_]/;
        $seg[$which] =~ tr{-_}{+/};
        return join '.', @seg if $which == 2;
        return sign_segments($seg[0], $seg[1]);
    }
    die "standard_alphabet: no token with '-' or '_' in segment $which";
}

# A valid token of exactly $len bytes: its payload carries a padding claim.
sub token_of_length {
    my ($len) = @_;
    my $from = int(($len - 100) * 3 / 4) - 40;
    for my $pad (($from > 0 ? $from : 0) .. $len) {
        for my $typ ('JWT', 'JWTx', 'JWTxx') {
            my $t = sign('main', qq({"alg":"HS256","typ":"$typ"}),
                         qq({"exp":$exp,"pad":") . ('p' x $pad) . '"}');
            return $t if length $t == $len;
            last if length $t > $len + 8;
        }
    }
    die "token_of_length: no token of $len bytes";
}

# The segments of a valid token.
my $valid = mint(exp => $exp);
my ($vh, $vp, $vs) = split /\./, $valid;
my $vsig = hmac_sha256("$vh.$vp", secret_bytes('main'));
my $other = mint(exp => $exp + 1, claims => { did => 'another-device' });

# Nesting: the outer object is level 1, at most 16 levels.
sub nested {
    my ($levels) = @_;
    my $inner = $levels - 1;
    return qq({"exp":$exp,"d":) . ('[' x $inner) . (']' x $inner) . '}';
}

# ------------------------------------------------------------------- cases
# [ name, expected status, reason logged ('-' for none), header lines,
#   vhost (default: the main server) ]
sub tok { return "Approov-Token: $_[0]" }

my @cases = (
    # -- the header
    [ 'control: a valid token',              200, '-', [ tok($valid) ] ],
    [ 'no header',                           401, 'missing', [] ],
    [ 'empty header',                        401, 'missing', [ 'Approov-Token:' ] ],
    [ 'whitespace-only header',              401, 'missing', [ "Approov-Token:    \t  " ] ],
    [ 'surrounding whitespace (httpd strips it)', 200, '-', [ "Approov-Token: \t $valid \t " ] ],
    [ 'Bearer prefix on Approov-Token',      401, 'malformed', [ tok("Bearer $valid") ] ],
    [ 'two valid header lines (merged with ", ")', 401, 'malformed',
      [ tok($valid), tok($valid) ] ],
    [ 'empty line then a valid one',         401, 'malformed', [ 'Approov-Token:', tok($valid) ] ],
    [ 'lower-case header name',              200, '-', [ "approov-token: $valid" ] ],
    [ 'upper-case header name',              200, '-', [ "APPROOV-TOKEN: $valid" ] ],
    [ 'X-Approov-Token',                     401, 'missing', [ "X-Approov-Token: $valid" ] ],
    [ 'Approov_Token (underscore)',          401, 'missing', [ "Approov_Token: $valid" ] ],
    [ 'Authorization: Bearer',               401, 'missing', [ "Authorization: Bearer $valid" ] ],
    [ 'token in a cookie',                   401, 'missing', [ "Cookie: Approov-Token=$valid" ] ],
    # httpd joins a folded line with a space: the module sees a space.
    [ 'obs-fold inside the token',           401, 'malformed',
      [ 'Approov-Token: ' . substr($valid, 0, 20), ' ' . substr($valid, 20) ] ],
    [ 'raw NUL byte in the value',           400, '-', [ tok("$vh.$vp\0.$vs") ] ],
    [ 'raw control byte 0x01 in the value',  400, '-', [ tok("$vh\x01.$vp.$vs") ] ],
    [ 'raw CR in the value',                 400, '-', [ tok("$vh\r.$vp.$vs") ] ],
    [ 'the text "null"',                     401, 'malformed', [ tok('null') ] ],
    [ 'UTF-8 bytes in the value',            401, 'malformed', [ tok("$vh.$vp.\xc3\xa9$vs") ] ],

    # -- compact JWS structure
    [ '1 segment',                           401, 'malformed', [ tok($vh) ] ],
    [ '2 segments',                          401, 'malformed', [ tok("$vh.$vp") ] ],
    [ '2 segments and a trailing dot',       401, 'malformed', [ tok("$vh.$vp.") ] ],
    [ '4 segments (trailing dot)',           401, 'malformed', [ tok("$valid.") ] ],
    [ '5 segments',                          401, 'malformed', [ tok("$valid.$vp.$vs") ] ],
    [ 'empty header segment',                401, 'malformed', [ tok(".$vp.$vs") ] ],
    [ 'empty payload segment',               401, 'malformed', [ tok("$vh..$vs") ] ],
    [ 'dots only',                           401, 'malformed', [ tok('..') ] ],
    # A byte outside base64url in any segment is "malformed" (README: not
    # three strict base64url segments), as it is in the header and the
    # signature.  The payload segment is the same, even when the signature
    # no longer matches the altered text.
    [ 'space in the header segment',         401, 'malformed', [ tok("$vh .$vp.$vs") ] ],
    [ 'space in the payload segment',        401, 'malformed', [ tok("$vh. $vp.$vs") ] ],
    [ 'tab in the payload segment',          401, 'malformed', [ tok("$vh.$vp\t.$vs") ] ],
    [ 'non-base64url byte in the payload',   401, 'malformed', [ tok("$vh.$vp!.$vs") ] ],
    [ 'space in the signature segment',      401, 'malformed', [ tok("$vh.$vp. $vs") ] ],
    [ 'non-base64url byte in the header',    401, 'malformed', [ tok("$vh*.$vp.$vs") ] ],
    [ 'non-base64url byte in the signature', 401, 'malformed',
      [ tok("$vh.$vp." . substr($vs, 0, 10) . '$' . substr($vs, 11)) ] ],
    [ '= padding on the signature',          401, 'malformed', [ tok("$valid=") ] ],
    [ '= padding on the header',             401, 'malformed',
      [ tok(sign_segments(b64url(odd_length_json('x', '{"alg":"HS256"')) . '=', $vp)) ] ],
    [ 'standard alphabet in the header',     401, 'malformed', [ tok(standard_alphabet(0)) ] ],
    [ 'standard alphabet in the payload',    401, 'malformed', [ tok(standard_alphabet(1)) ] ],
    [ 'standard alphabet in the signature',  401, 'malformed', [ tok(standard_alphabet(2)) ] ],
    [ 'standard base64 signature, padded',   401, 'malformed', [ tok("$vh.$vp." . b64std($vsig)) ] ],
    [ 'non-canonical trailing bits, header', 401, 'malformed',
      [ tok(sign_segments(noncanonical(b64url(odd_length_json('x', '{"alg":"HS256"'))), $vp)) ] ],
    [ 'non-canonical trailing bits, payload', 401, 'malformed',
      [ tok(sign_segments($vh, noncanonical(b64url(odd_length_json('x', qq({"exp":$exp}))))) ) ] ],
    [ 'non-canonical trailing bits, signature', 401, 'malformed',
      [ tok("$vh.$vp." . noncanonical($vs)) ] ],

    # -- JSON of the header and the payload
    [ 'header is a JSON string',             401, 'bad_header', [ tok(with_header('"HS256"')) ] ],
    [ 'header is an array',                  401, 'bad_header', [ tok(with_header('["alg","HS256"]')) ] ],
    [ 'header with trailing bytes',          401, 'bad_header', [ tok(with_header('{"alg":"HS256"}x')) ] ],
    [ 'header, two objects',                 401, 'bad_header', [ tok(with_header('{"alg":"HS256"}{}')) ] ],
    [ 'header with a trailing comma',        401, 'bad_header', [ tok(with_header('{"alg":"HS256",}')) ] ],
    [ 'header with single quotes',           401, 'bad_header', [ tok(with_header("{'alg':'HS256'}")) ] ],
    [ 'header with a comment',               401, 'bad_header', [ tok(with_header('{"alg":"HS256"/*c*/}')) ] ],
    [ 'header with \u0000',                  401, 'bad_header', [ tok(with_header('{"alg":"HS256","typ":"J\u0000T"}')) ] ],
    [ 'header with a raw NUL byte (encoded)', 401, 'bad_header', [ tok(with_header(qq({"alg":"HS256","typ":"J\0T"}))) ] ],
    [ 'header with invalid UTF-8',           401, 'bad_header', [ tok(with_header(qq({"alg":"HS256","typ":"J\xffT"}))) ] ],
    [ 'header with a lone surrogate escape', 401, 'bad_header', [ tok(with_header('{"alg":"HS256","typ":"\ud800"}')) ] ],
    [ 'header with duplicate alg',           401, 'bad_header', [ tok(with_header('{"alg":"HS256","alg":"none"}')) ] ],
    [ 'header with duplicate alg, escaped',  401, 'bad_header', [ tok(with_header('{"alg":"HS256","\u0061lg":"none"}')) ] ],
    [ 'header nested 1000 deep',             401, 'bad_header',
      [ tok(with_header('{"alg":"HS256","x":' . ('[' x 1000) . (']' x 1000) . '}')) ] ],
    [ 'header JSON with whitespace (valid)', 200, '-', [ tok(with_header(qq( \n{ "alg" : "HS256" ,\t"typ":"JWT" }\r\n))) ] ],
    [ 'header alg written with escapes (valid)', 200, '-', [ tok(with_header('{"alg":"HS\u0032\u0035\u0036"}')) ] ],
    [ 'payload is a number',                 401, 'bad_payload', [ tok(with_payload('42')) ] ],
    [ 'payload is null',                     401, 'bad_payload', [ tok(with_payload('null')) ] ],
    [ 'payload is an array',                 401, 'bad_payload', [ tok(with_payload("[{\"exp\":$exp}]")) ] ],
    [ 'payload with trailing bytes',         401, 'bad_payload', [ tok(with_payload("{\"exp\":$exp}]")) ] ],
    [ 'payload with a byte order mark',      401, 'bad_payload', [ tok(with_payload("\xef\xbb\xbf{\"exp\":$exp}")) ] ],
    [ 'payload with \u0000',                 401, 'bad_payload', [ tok(with_payload("{\"exp\":$exp,\"did\":\"a\\u0000b\"}")) ] ],
    [ 'payload with a raw NUL byte (encoded)', 401, 'bad_payload', [ tok(with_payload("{\"exp\":$exp,\"did\":\"a\0b\"}")) ] ],
    [ 'payload with an overlong UTF-8 sequence', 401, 'bad_payload', [ tok(with_payload("{\"exp\":$exp,\"did\":\"\xc0\xaf\"}")) ] ],
    [ 'payload with a UTF-8 surrogate',      401, 'bad_payload', [ tok(with_payload("{\"exp\":$exp,\"did\":\"\xed\xa0\x80\"}")) ] ],
    [ 'payload with duplicate exp',          401, 'bad_payload', [ tok(with_payload("{\"exp\":$exp,\"exp\":1}")) ] ],
    [ 'payload with a nested duplicate',     401, 'bad_payload', [ tok(with_payload("{\"exp\":$exp,\"x\":{\"a\":1,\"a\":2}}")) ] ],
    [ 'payload nested 16 deep (valid)',      200, '-', [ tok(with_payload(nested(16))) ] ],
    [ 'payload nested 17 deep',              401, 'bad_payload', [ tok(with_payload(nested(17))) ] ],
    [ 'payload nested 2000 deep',            401, 'bad_payload', [ tok(with_payload(nested(2000))) ] ],
    [ 'payload with a leading-zero number',  401, 'bad_payload', [ tok(with_payload("{\"exp\":0$exp}")) ] ],
    [ 'payload with a plus-signed number',   401, 'bad_payload', [ tok(with_payload("{\"exp\":+$exp}")) ] ],
    [ 'payload with NaN',                    401, 'bad_payload', [ tok(with_payload('{"exp":NaN}')) ] ],

    # -- alg
    (map { [ "alg $_", 401, 'bad_alg', [ tok(with_header(qq({"alg":"$_","typ":"JWT"}))) ] ] }
         qw(none None NONE nOnE HS384 RS256 ES256 PS256 EdDSA), 'HS256 ', ''),
    [ 'alg none, no signature',              401, 'malformed',
      [ tok(b64url('{"alg":"none"}') . ".$vp.") ] ],
    [ 'alg HS512 with a real HS512 signature', 401, 'bad_alg',
      [ tok(do { my $i = b64url('{"alg":"HS512"}') . ".$vp";
                 "$i." . b64url(hmac_sha512($i, secret_bytes('main'))) }) ] ],
    [ 'alg HS384 with a real HS384 signature', 401, 'bad_alg',
      [ tok(do { my $i = b64url('{"alg":"HS384"}') . ".$vp";
                 "$i." . b64url(hmac_sha384($i, secret_bytes('main'))) }) ] ],
    [ 'alg missing',                         401, 'bad_alg', [ tok(with_header('{"typ":"JWT"}')) ] ],
    [ 'alg a number',                        401, 'bad_alg', [ tok(with_header('{"alg":256}')) ] ],
    [ 'alg null',                            401, 'bad_alg', [ tok(with_header('{"alg":null}')) ] ],
    [ 'alg an array',                        401, 'bad_alg', [ tok(with_header('{"alg":["HS256"]}')) ] ],
    [ 'alg an object',                       401, 'bad_alg', [ tok(with_header('{"alg":{"HS256":true}}')) ] ],
    [ 'crit',                                401, 'bad_header', [ tok(with_header('{"alg":"HS256","crit":["exp"]}')) ] ],
    [ 'crit, empty',                         401, 'bad_header', [ tok(with_header('{"alg":"HS256","crit":[]}')) ] ],
    [ 'jwk in the header',                   401, 'bad_header',
      [ tok(with_header('{"alg":"HS256","jwk":{"kty":"oct","k":"' . b64url(secret_bytes('main')) . '"}}')) ] ],
    [ 'jku in the header',                   401, 'bad_header', [ tok(with_header('{"alg":"HS256","jku":"http://127.0.0.1/k"}')) ] ],
    [ 'kid a number',                        401, 'bad_header', [ tok(with_header('{"alg":"HS256","kid":1}')) ] ],
    [ 'any kid, one key without a kid (valid)', 200, '-', [ tok(with_header('{"alg":"HS256","kid":"anything"}')) ] ],

    # -- the signature
    [ 'signature truncated to 31 bytes',     401, 'bad_signature', [ tok("$vh.$vp." . b64url(substr $vsig, 0, 31)) ] ],
    [ 'signature truncated to 1 byte',       401, 'bad_signature', [ tok("$vh.$vp." . b64url(substr $vsig, 0, 1)) ] ],
    [ 'signature extended by a byte',        401, 'bad_signature', [ tok("$vh.$vp." . b64url("$vsig\0")) ] ],
    [ 'signature doubled',                   401, 'bad_signature', [ tok("$vh.$vp." . b64url($vsig x 2)) ] ],
    [ 'signature of zero bytes',             401, 'bad_signature', [ tok("$vh.$vp." . b64url("\0" x 32)) ] ],
    [ 'signature by a wrong key',            401, 'bad_signature', [ tok(mint(secret => 'unknown', exp => $exp)) ] ],
    [ 'signature by another scope\'s key',   401, 'bad_signature', [ tok(mint(secret => 'nested', exp => $exp)) ] ],
    [ 'another token\'s signature',          401, 'bad_signature', [ tok("$vh.$vp." . (split /\./, $other)[2]) ] ],
    [ 'header changed after signing',        401, 'bad_signature', [ tok(b64url('{"alg":"HS256","typ":"JWS"}') . ".$vp.$vs") ] ],
    [ 'signature over the decoded texts',    401, 'bad_signature',
      [ tok("$vh.$vp." . b64url(hmac_sha256("$hs256.$claims", secret_bytes('main')))) ] ],
    [ 'signature keyed with the secret text', 401, 'bad_signature',
      [ tok("$vh.$vp." . b64url(hmac_sha256("$vh.$vp", $ApproovMint::SECRET{main}))) ] ],

    # -- exp
    [ 'exp missing',                         401, 'bad_exp', [ tok(with_payload('{"sub":"x"}')) ] ],
    [ 'exp null',                            401, 'bad_exp', [ tok(with_payload('{"exp":null}')) ] ],
    [ 'exp a numeric string',                401, 'bad_exp', [ tok(with_payload(qq({"exp":"$exp"}))) ] ],
    [ 'exp true',                            401, 'bad_exp', [ tok(with_payload('{"exp":true}')) ] ],
    [ 'exp an array',                        401, 'bad_exp', [ tok(with_payload(qq({"exp":[$exp]}))) ] ],
    [ 'exp 1e300',                           401, 'bad_exp', [ tok(with_payload('{"exp":1e300}')) ] ],
    [ 'exp 1e400 (infinite as a double)',    401, 'bad_exp', [ tok(with_payload('{"exp":1e400}')) ] ],
    [ 'exp 2^63',                            401, 'bad_exp', [ tok(with_payload('{"exp":9223372036854775808}')) ] ],
    [ 'exp -1e300',                          401, 'bad_exp', [ tok(with_payload('{"exp":-1e300}')) ] ],
    [ 'exp fractional, in the future (valid)', 200, '-', [ tok(with_payload('{"exp":' . ($now + 600) . '.5}')) ] ],
    [ 'exp in exponent form, in the future (valid)', 200, '-', [ tok(with_payload('{"exp":4.1e9}')) ] ],
    [ 'exp now',                             401, 'expired', [ tok(with_payload('{"exp":' . time . '}')) ] ],
    [ 'exp 3 seconds ago',                   401, 'expired', [ tok(with_payload('{"exp":' . ($now - 3) . '}')) ] ],
    [ 'exp 0',                               401, 'expired', [ tok(with_payload('{"exp":0}')) ] ],
    [ 'exp -0',                              401, 'expired', [ tok(with_payload('{"exp":-0}')) ] ],
    [ 'exp negative',                        401, 'expired', [ tok(with_payload('{"exp":-1}')) ] ],
    [ 'exp 2 seconds ago, plus 0.5',         401, 'expired', [ tok(with_payload('{"exp":' . ($now - 2) . '.5}')) ] ],

    # -- nbf
    [ 'nbf an hour ahead',                   401, 'not_yet_valid', [ tok(with_payload(qq({"exp":$exp,"nbf":) . ($now + 3600) . '}')) ] ],
    [ 'nbf null',                            401, 'bad_nbf', [ tok(with_payload(qq({"exp":$exp,"nbf":null}))) ] ],
    [ 'nbf 1e300',                           401, 'bad_nbf', [ tok(with_payload(qq({"exp":$exp,"nbf":1e300}))) ] ],
    [ 'nbf now (valid)',                     200, '-', [ tok(with_payload(qq({"exp":$exp,"nbf":$now}))) ] ],
    [ 'nbf in the past (valid)',             200, '-', [ tok(with_payload(qq({"exp":$exp,"nbf":) . ($now - 60) . '}')) ] ],

    # -- sizes (the main server allows 16380-byte fields)
    [ 'a valid token of 8192 bytes',         200, '-', [ tok(token_of_length(8192)) ] ],
    [ 'a valid token of 8193 bytes',         401, 'too_long', [ tok(token_of_length(8193)) ] ],
    [ 'a token of 16000 bytes',              401, 'too_long', [ tok('A' x 16000) ] ],
    [ 'a field over 16380 bytes',            400, '-', [ tok('A' x 17000) ] ],
    # httpd's default LimitRequestFieldSize 8190: httpd 2.4 lets a field
    # line (name, ": ", value) of up to 8191 bytes through, refuses 8192.
    [ 'default limit: field of 8190 bytes, valid', 200, '-',
      [ tok(token_of_length(8190 - length tok(''))) ], 'approov_default_limits' ],
    [ 'default limit: field of 8191 bytes, valid', 200, '-',
      [ tok(token_of_length(8191 - length tok(''))) ], 'approov_default_limits' ],
    [ 'default limit: field of 8192 bytes',  400, '-',
      [ tok(token_of_length(8192 - length tok(''))) ], 'approov_default_limits' ],
    [ 'default limit: a token of 8192 bytes', 400, '-',
      [ tok(token_of_length(8192)) ], 'approov_default_limits' ],
    [ 'default limit: no token',             401, 'missing', [], 'approov_default_limits' ],
);

# Per case: the static file, the proxied backend, and (once every request
# is done) whether the backend saw the proxied one.
plan tests => 3 * @cases + 3;

my $hits_log = Apache::Test::vars('t_logs') . '/backend_hits.log';

sub hostport {
    my ($vhost) = @_;
    Apache::TestRequest::module($vhost || 'default');
    my $hostport = Apache::TestRequest::hostport();
    Apache::TestRequest::module('default');
    return $hostport;
}

# One GET with these header lines, over a connection of its own: the
# status (0 for no answer) and the raw response.
sub raw_get {
    my ($hostport, $path, @lines) = @_;
    my ($port) = $hostport =~ /:(\d+)$/;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                     Timeout => 10)
        or return (0, "connect: $!");
    binmode $sock;
    my $request = "GET $path HTTP/1.1\r\nHost: $hostport\r\n"
                . join('', map { "$_\r\n" } @lines)
                . "Connection: close\r\n\r\n";
    my $response = '';
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 20;
        print $sock $request;
        local $/;
        $response = <$sock> // '';
        alarm 0;
    };
    alarm 0;
    close $sock;
    my ($code) = $response =~ m{\AHTTP/1\.[01] (\d{3}) };
    return ($code // 0, $response);
}

# "<status> <reason>" of one request, the reason from the module's log
# line ('-' for none).
sub outcome {
    my ($vhost, $path, $lines) = @_;
    t_start_error_log_watch();
    my ($code, $response) = raw_get(hostport($vhost), $path, @$lines);
    my @log = t_finish_error_log_watch();
    my @reasons = map { /approov: token rejected: reason=(\w+)/ ? $1 : () } @log;
    t_debug("log: $_") for grep { /approov|AH\d+/ } @log;
    my $reason = @reasons == 1 ? $reasons[0]
               : @reasons     ? join(',', @reasons)
               :                '-';
    return ($code, $reason, $response);
}

my (@statuses, @proxied);
for my $case (@cases) {
    my ($name, $status, $reason, $lines, $vhost) = @$case;
    my $want = "$status $reason";

    my ($code, $got) = outcome($vhost, '/protected/ok.txt', $lines);
    push @statuses, [ $name, $code, $status ];
    ok t_cmp("$code $got", $want, "static: $name");

    my $id = unique('adversarial');
    ($code, $got, my $response) = outcome($vhost, "/proxied/ok.txt?hit=$id", $lines);
    push @statuses, [ "$name (proxied)", $code, $status ];
    my $marked = $response =~ /^X-Approov-Test-Backend: reached\r?$/mi ? 1 : 0;
    push @proxied, [ $name, $id, $status == 200 ];
    ok t_cmp("$code $got" . ($marked != ($status == 200) ? ' (backend marker wrong)' : ''),
             $want, "proxied: $name");
}

# The backend logs a hit after it has answered; the last valid case's hit
# tells that every earlier one has been written.
my ($last_valid) = grep { $_->[2] } reverse @proxied;
for (1 .. 50) {
    last if index(read_file($hits_log), "?hit=$last_valid->[1]\n") >= 0;
    sleep 0.1;
}
my $hits = read_file($hits_log);
for my $p (@proxied) {
    my ($name, $id, $expect_hit) = @$p;
    my $hit = index($hits, "?hit=$id\n") >= 0;
    ok t_cmp($hit ? 'reached' : 'not reached',
             $expect_hit ? 'reached' : 'not reached', "backend: $name");
}

# The rules, over every response.
my @bad = grep { $_->[1] == 500 } @statuses;
ok t_cmp(join('; ', map { $_->[0] } @bad), '', 'no 500 at all');
@bad = grep { $_->[1] == 200 && $_->[2] != 200 } @statuses;
ok t_cmp(join('; ', map { $_->[0] } @bad), '', 'no 200 for a bad token');
my $errors = read_file(Apache::Test::vars('t_logs') . '/error_log');
ok t_cmp(join("\n", grep { /exit signal|Segmentation|AH00052/ } split /\n/, $errors),
         '', 'no child died');
