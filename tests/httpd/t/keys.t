# Public keys (ApproovPublicKeyFile), key sets (ApproovJWKSFile), kids and
# rotation.  The algorithm comes from the selected key, never from the
# token.  Tokens are signed by the openssl command with the test-only
# private keys of t/conf/keys.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use ApproovMint qw(mint sign sign_asymmetric b64url);
use ApproovTest qw(outcome read_file);

my $keys = Apache::Test::vars('t_conf') . '/keys';
my %key = (RS256 => "$keys/rsa.key.pem", PS256 => "$keys/rsa.key.pem",
           ES256 => "$keys/ec.key.pem", EdDSA => "$keys/ed25519.key.pem");

sub signed {
    my ($alg, %opt) = @_;
    return mint(alg => $alg, key => $key{$alg}, %opt);
}

# The public key's PEM text used as an HMAC secret: the classic algorithm
# confusion attack.
my $pem_as_secret = sign(encode_base64(read_file("$keys/rsa.pub.pem"), ''),
                         '{"alg":"HS256","typ":"JWT"}',
                         '{"exp":' . (time + 300) . '}');

# An ES256 signature left in DER form.
my $input = b64url('{"alg":"ES256","typ":"JWT"}') . '.'
          . b64url('{"exp":' . (time + 300) . '}');
my $der = $input . '.' . b64url(sign_asymmetric(ES256 => $key{ES256}, $input,
                                                der => 1));

# A valid RS256 token whose payload was swapped.
my ($h, undef, $s) = split /\./, signed('RS256');
my $tampered = join '.', $h, b64url('{"exp":' . (time + 86400) . '}'), $s;

# A token that brings its own key.
my $own_key = sign('main', '{"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}}',
                   '{"exp":' . (time + 300) . '}');

my @cases = (
    # [ path, token, expected "status reason" ]
    [ '/rsa/', signed('RS256'),                    '200 -' ],
    [ '/rsa/', signed('PS256'),                    '200 -' ],
    [ '/rsa/', signed('RS256', kid => 'any'),      '200 -' ],
    [ '/rsa/', $tampered,                          '401 bad_signature' ],
    [ '/rsa/', signed('ES256'),                    '401 bad_alg' ],
    [ '/rsa/', signed('EdDSA'),                    '401 bad_alg' ],
    [ '/rsa/', $pem_as_secret,                     '401 bad_alg' ],
    [ '/rsa/', mint(secret => 'procenv'),          '401 bad_alg' ],
    [ '/rsa/', $own_key,                           '401 bad_header' ],

    [ '/ec/', signed('ES256'),                     '200 -' ],
    [ '/ec/', $der,                                '401 malformed' ],    # JOSE wants r||s: anything else is malformed
    [ '/ec/', signed('RS256'),                     '401 bad_alg' ],
    [ '/ec/', mint(),                              '401 bad_alg' ],

    [ '/ed25519/', signed('EdDSA'),                '200 -' ],
    [ '/ed25519/', signed('ES256'),                '401 bad_alg' ],

    [ '/jwks/', signed('RS256', kid => 'rsa-1'),   '200 -' ],
    [ '/jwks/', signed('ES256', kid => 'ec-1'),    '200 -' ],
    [ '/jwks/', mint(secret => 'nested', kid => 'hs-1'), '200 -' ],
    [ '/jwks/', mint(secret => 'main', kid => 'hs-1'),   '401 bad_signature' ],
    [ '/jwks/', signed('PS256', kid => 'rsa-1'),   '401 bad_alg' ],
    [ '/jwks/', signed('ES256', kid => 'rsa-1'),   '401 bad_alg' ],
    [ '/jwks/', signed('RS256', kid => 'enc-1'),   '401 unknown_kid' ],
    [ '/jwks/', signed('RS256', kid => 'nope'),    '401 unknown_kid' ],
    [ '/jwks/', signed('RS256'),                   '401 no_kid' ],

    [ '/rotate/', mint(secret => 'main', kid => '2025'),      '200 -' ],
    [ '/rotate/', mint(secret => 'directive', kid => '2026'), '200 -' ],
    [ '/rotate/', mint(secret => 'directive', kid => '2025'), '401 bad_signature' ],
    [ '/rotate/', mint(secret => 'main', kid => '2027'),      '401 unknown_kid' ],
    [ '/rotate/', mint(secret => 'main'),                     '401 no_kid' ],

    [ '/mixed/', mint(),                           '200 -' ],
    [ '/mixed/', signed('RS256', kid => 'rsa-1'),  '200 -' ],
    [ '/mixed/', signed('RS256'),                  '401 bad_alg' ],
    [ '/mixed/', mint(kid => 'rsa-1'),             '401 bad_alg' ],
);

plan tests => scalar @cases;

for my $case (@cases) {
    my ($dir, $token, $want) = @$case;
    my ($header) = split /\./, $token;
    my $json = eval { JSON::PP->new->canonical->encode(
        JSON::PP::decode_json(ApproovMint::secret_bytes($header))) } // '?';
    ok t_cmp(outcome("${dir}ok.txt", 'Approov-Token' => $token), $want,
             "$dir $json");
}
