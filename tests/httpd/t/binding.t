# ApproovTokenBinding: the token's pay claim must hash the bound headers.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil;
use ApproovMint qw(mint pay);
use ApproovTest qw(outcome);

plan tests => 17;

# README's example value.
ok t_cmp(pay('Bearer authorizationtoken'),
         'ksfBQsYbU4GcSMbX2z2kZgQlo4Gqce+KmiaShyI2j9w=',
         'the pay of the README example');

my $auth = 'Bearer session-1';
my $bound = mint(claims => { pay => pay($auth) });

my $path = '/binding/ok.txt';
ok t_cmp(outcome($path, 'Approov-Token' => $bound, Authorization => $auth),
         '200 -', 'bound header matches');
ok t_cmp(outcome($path, 'Approov-Token' => $bound, Authorization => 'Bearer session-2'),
         '401 pay_mismatch', 'another Authorization value');
ok t_cmp(outcome($path, 'Approov-Token' => $bound),
         '401 no_binding_header', 'no Authorization');
ok t_cmp(outcome($path, 'Approov-Token' => mint(), Authorization => $auth),
         '401 no_pay', 'a token without pay');
ok t_cmp(outcome($path, 'Approov-Token' => mint(claims => { pay => 42 }),
                 Authorization => $auth),
         '401 bad_pay', 'a pay that is not a string');
ok t_cmp(outcome($path, 'Approov-Token' => mint(claims => { pay => pay($auth) . 'x' }),
                 Authorization => $auth),
         '401 pay_mismatch', 'a pay with a byte too many');
ok t_cmp(outcome($path, 'Approov-Token' => mint(secret => 'unknown',
                                                claims => { pay => pay($auth) }),
                 Authorization => $auth),
         '401 bad_signature', 'the signature is checked before the binding');
ok t_cmp(outcome($path, 'Approov-Token' => mint(exp_in => -10,
                                                claims => { pay => pay($auth) }),
                 Authorization => $auth),
         '401 expired', 'and so is the expiry');

# Two headers, concatenated in the order listed; tokens without pay pass.
$path = '/binding-optional/ok.txt';
my $both = mint(claims => { pay => pay($auth, 'device-7') });
ok t_cmp(outcome($path, 'Approov-Token' => $both, Authorization => $auth,
                 'X-Device' => 'device-7'),
         '200 -', 'optional: both headers match');
ok t_cmp(outcome($path, 'Approov-Token' => mint(claims => { pay => pay('device-7', $auth) }),
                 Authorization => $auth, 'X-Device' => 'device-7'),
         '401 pay_mismatch', 'optional: the order counts');
ok t_cmp(outcome($path, 'Approov-Token' => $both, Authorization => $auth,
                 'X-Device' => 'device-8'),
         '401 pay_mismatch', 'optional: the second header counts');
ok t_cmp(outcome($path, 'Approov-Token' => $both, Authorization => $auth),
         '401 no_binding_header', 'optional: a bound header is missing');
ok t_cmp(outcome($path, 'Approov-Token' => mint(), Authorization => $auth),
         '200 -', 'optional: a token without pay passes');
ok t_cmp(outcome($path, 'Approov-Token' => mint()),
         '200 -', 'optional: even without the headers');
ok t_cmp(outcome($path, 'Approov-Token' => mint(claims => { pay => 42 }),
                 Authorization => $auth, 'X-Device' => 'device-7'),
         '401 bad_pay', 'optional: a pay that is not a string still fails');
ok t_cmp(outcome($path), '401 missing', 'optional: no token at all still fails');
