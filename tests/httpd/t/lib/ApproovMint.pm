package ApproovMint;

# Mint Approov tokens (HS256 compact JWS) for the tests and the demo, with
# core Perl only, and build the deliberately broken tokens the tests send.
# Every time is relative to time(), so no token in the suite ever rots.

use strict;
use warnings;

use Digest::SHA qw(hmac_sha256 sha256);
use Exporter qw(import);
use File::Temp qw(tempfile);
use JSON::PP ();
use MIME::Base64 qw(decode_base64 encode_base64);

our @EXPORT_OK = qw(%SECRET secret_bytes b64url sign sign_asymmetric mint
                    broken pay);

# One secret per source, so that a test can prove which one httpd used.
our %SECRET = (
    # Approov's published dummy secret (standard base64, padded).
    main      => 'h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3lw/WVyWrc2gZfh3XXfBOmww==',
    # Written to t/conf/approov.env and read through ApproovEnvFile.
    envfile   => 'ZmLLtD2klNrijZQlrGg9DkzDMcydCaYqQx4BQLMgkQM=',
    # Exported as APPROOV_BASE64_SECRET in the test httpd's environment.
    procenv   => '3UgvT2X7vQAulP7l50AKcyCt3MpkrIIP46tSla1TfW0=',
    # Given in base64url without padding, in a nested Location.
    nested    => 'vCIG86QGDxDVO2O3-kn3sMMNHaIBM8YHBLtHT5cFQXI',
    # A second directive secret, beside an env file in the same scope.
    directive => 'RCRisxFdhh7CdhpFrttijzgxuzsas16ZAXxDuDckRuk=',
    # Configured nowhere: tokens signed with it must always fail.
    unknown   => 'Pcfjoo3goz5KKSVeFZb7Rp6wg4eUl5qdGYATPtTqN0I=',
);

my $json = JSON::PP->new->canonical;

# Raw key bytes of a secret given by name or as base64 / base64url text.
sub secret_bytes {
    my ($secret) = @_;
    my $text = exists $SECRET{$secret} ? $SECRET{$secret} : $secret;
    $text =~ tr{-_}{+/};
    $text .= '=' x ((4 - length($text) % 4) % 4);
    return decode_base64($text);
}

# base64url without padding (RFC 4648 section 5).
sub b64url {
    my ($bytes) = @_;
    my $text = encode_base64($bytes, '');
    $text =~ tr{+/}{-_};
    $text =~ s/=+\z//;
    return $text;
}

# A token from header and payload texts taken as they are (JSON or not),
# signed with the secret (a name from %SECRET, or base64 text).
sub sign {
    my ($secret, $header_text, $payload_text) = @_;
    my $input = b64url($header_text) . '.' . b64url($payload_text);
    return $input . '.' . b64url(hmac_sha256($input, secret_bytes($secret)));
}

# The pay claim that binds a token to these header values: padded standard
# base64 of SHA-256 over their concatenation.
sub pay {
    return encode_base64(sha256(join '', @_), '');
}

# The JWS signature of $input with a private key file, for alg RS256,
# PS256, ES256 or EdDSA, made by the openssl command (not by the module's
# core).  ECDSA signatures are converted from DER to JWS's r||s unless
# der => 1 is given.
sub sign_asymmetric {
    my ($alg, $key_file, $input, %opt) = @_;
    my ($fh, $file) = tempfile(UNLINK => 1);
    binmode $fh;
    print $fh $input;
    close $fh;
    my %command = (
        RS256 => "openssl dgst -sha256 -sign '$key_file' '$file'",
        PS256 => "openssl dgst -sha256 -sigopt rsa_padding_mode:pss"
               . " -sigopt rsa_pss_saltlen:32 -sign '$key_file' '$file'",
        ES256 => "openssl dgst -sha256 -sign '$key_file' '$file'",
        EdDSA => "openssl pkeyutl -sign -rawin -inkey '$key_file' -in '$file'",
    );
    my $command = $command{$alg} or die "ApproovMint: cannot sign $alg";
    my $signature = `$command`;
    die "ApproovMint: '$command' failed" if $? || !length $signature;
    # der => 1 keeps ECDSA's DER form, which JWS does not allow.
    return $alg eq 'ES256' && !$opt{der} ? der_to_raw($signature, 32)
                                         : $signature;
}

# An ECDSA-Sig-Value (SEQUENCE of INTEGER r, INTEGER s) as r||s.
sub der_to_raw {
    my ($der, $size) = @_;
    my @bytes = unpack 'C*', $der;
    my $at = 2;
    $at++ if $bytes[1] & 0x80;          # a long-form length (never for P-256)
    my $raw = '';
    for (1 .. 2) {
        die "ApproovMint: not a DER INTEGER" unless $bytes[$at] == 0x02;
        my $len = $bytes[$at + 1];
        my $int = pack 'C*', @bytes[$at + 2 .. $at + 1 + $len];
        $int =~ s/^\x00+//;
        $raw .= "\x00" x ($size - length $int) . $int;
        $at += 2 + $len;
    }
    return $raw;
}

# A valid token.  Options:
#   secret => name or base64 (default 'main')
#   exp_in => seconds from now (default 300), or exp => absolute time
#   nbf_in => seconds from now, or nbf => absolute time (default none)
#   claims => { more => 'claims' }
#   header => { replaces => 'the JOSE header' } (default alg HS256, typ JWT)
#   drop   => [ 'exp' ]: claims to leave out
#   alg    => 'RS256', 'PS256', 'ES256' or 'EdDSA', with key => a private
#             key file (default HS256 with the secret)
#   kid    => the key id to put in the header
sub mint {
    my (%opt) = @_;
    my $now = time;
    my %claims = (%{ $opt{claims} || {} });
    $claims{exp} = exists $opt{exp} ? $opt{exp} : $now + ($opt{exp_in} // 300);
    $claims{nbf} = $opt{nbf} if exists $opt{nbf};
    $claims{nbf} = $now + $opt{nbf_in} if exists $opt{nbf_in};
    delete @claims{ @{ $opt{drop} || [] } };
    my $alg = $opt{alg} || 'HS256';
    my $header = $opt{header} || { alg => $alg, typ => 'JWT' };
    $header->{kid} = $opt{kid} if defined $opt{kid};
    return sign($opt{secret} // 'main', $json->encode($header),
                $json->encode(\%claims)) if $alg eq 'HS256';
    my $input = b64url($json->encode($header)) . '.'
              . b64url($json->encode(\%claims));
    return $input . '.' . b64url(sign_asymmetric($alg, $opt{key}, $input));
}

# A token that breaks exactly one rule; the name is the reason code the
# module logs for it.  Every one of them is signed with the right secret
# (given as secret => ..., default 'main') unless breaking the signature
# is the point.
sub broken {
    my ($reason, %opt) = @_;
    my $secret = $opt{secret} // 'main';
    my $now = time;
    my $good_header = '{"alg":"HS256","typ":"JWT"}';
    my $good_payload = '{"exp":' . ($now + 300) . '}';

    my %make = (
        malformed => sub {
            # Four segments: not a compact JWS.
            return mint(secret => $secret) . '.e30';
        },
        malformed_padding => sub {
            # Padding is not strict base64url.
            my $t = mint(secret => $secret);
            $t =~ s/\./==./;
            return $t;
        },
        bad_header => sub {
            return sign($secret, '{"alg":"HS256",', $good_payload);
        },
        bad_alg => sub {
            return sign($secret, '{"alg":"none","typ":"JWT"}', $good_payload);
        },
        bad_alg_case => sub {
            return sign($secret, '{"alg":"hs256","typ":"JWT"}', $good_payload);
        },
        bad_alg_hs512 => sub {
            return sign($secret, '{"alg":"HS512","typ":"JWT"}', $good_payload);
        },
        bad_signature => sub {
            return mint(secret => 'unknown');
        },
        bad_signature_tampered => sub {
            # A valid token whose payload was swapped for a later exp.
            my ($h, undef, $s) = split /\./, mint(secret => $secret);
            return join '.', $h, b64url('{"exp":' . ($now + 86400) . '}'), $s;
        },
        alg_none_unsigned => sub {
            return b64url('{"alg":"none"}') . '.' . b64url($good_payload) . '.';
        },
        bad_payload => sub {
            return sign($secret, $good_header, '["exp",' . ($now + 300) . ']');
        },
        bad_exp => sub {
            return sign($secret, $good_header, '{"sub":"no exp here"}');
        },
        bad_exp_string => sub {
            return sign($secret, $good_header,
                        '{"exp":"' . ($now + 300) . '"}');
        },
        bad_nbf => sub {
            return sign($secret, $good_header,
                        '{"exp":' . ($now + 300) . ',"nbf":"soon"}');
        },
        expired => sub {
            return mint(secret => $secret, exp_in => -10);
        },
        not_yet_valid => sub {
            return mint(secret => $secret, nbf_in => 60);
        },
        too_long => sub {
            # Well over the module's 8192-byte limit, under the field limit
            # the test server sets.
            return mint(secret => $secret, claims => { pad => 'x' x 9000 });
        },
    );
    my $make = $make{$reason} or die "ApproovMint: no broken token '$reason'";
    return $make->();
}

1;
