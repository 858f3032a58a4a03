#!/usr/bin/perl
# Regenerate jwks.json from the public keys in this directory (run here):
#   perl make-jwks.pl > jwks.json
# The keys are test fixtures, made with
#   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048
#   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256
#   openssl genpkey -algorithm ED25519
# (rsa1024.pub.pem is too weak on purpose).  The oct key is the "nested"
# secret of ../../lib/ApproovMint.pm.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../../lib";
use JSON::PP ();
use ApproovMint qw(b64url secret_bytes);

sub hex_bytes { my ($hex) = @_; $hex =~ s/[^0-9a-fA-F]//g; return pack 'H*', $hex }

my ($modulus) = `openssl rsa -pubin -in rsa.pub.pem -modulus -noout` =~ /Modulus=(\w+)/;
my $ec_text = `openssl ec -pubin -in ec.pub.pem -text -noout 2>/dev/null`;
my ($ec_hex) = $ec_text =~ /pub:\s*([0-9a-f:\s]+?)\s*ASN1/s;
my $point = hex_bytes($ec_hex);
die "not an uncompressed P-256 point" unless length $point == 65;

my @keys = (
    { kty => 'RSA', kid => 'rsa-1', use => 'sig', alg => 'RS256',
      n => b64url(hex_bytes($modulus)), e => 'AQAB' },
    { kty => 'EC', kid => 'ec-1', crv => 'P-256',
      x => b64url(substr $point, 1, 32), y => b64url(substr $point, 33, 32) },
    { kty => 'oct', kid => 'hs-1', alg => 'HS256',
      k => b64url(secret_bytes('nested')) },
    # An encryption key: skipped, so its kid is unknown.
    { kty => 'RSA', kid => 'enc-1', use => 'enc',
      n => b64url(hex_bytes($modulus)), e => 'AQAB' },
);
print JSON::PP->new->canonical->pretty->encode({ keys => \@keys });
