# Satisfy Any must not open a protected scope: not with Require all
# granted, not with Allow from all, not with a valid basic-auth user.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil;
use MIME::Base64 qw(encode_base64);
use ApproovMint qw(mint broken);
use ApproovTest qw(get_with refusal_ok);

plan tests => 14;

my $good = mint();
my $user = 'Basic ' . encode_base64('approov-test:approov-test', '');
my $wrong_user = 'Basic ' . encode_base64('approov-test:wrong', '');

for my $dir (qw(satisfy satisfy-allow)) {
    my $path = "/$dir/ok.txt";
    refusal_ok(get_with($path, undef), 401, "$dir: no token");
    ok t_cmp(get_with($path, broken('bad_signature'))->code, 401,
             "$dir: wrong secret, 401");
    ok t_cmp(get_with($path, broken('expired'))->code, 401, "$dir: expired, 401");
    ok t_cmp(get_with($path, $good)->code, 200, "$dir: valid token, 200");
}

my $path = '/satisfy-basic/ok.txt';
ok t_cmp(get_with($path, undef, Authorization => $user)->code, 401,
         'basic: a valid user without a token is refused');
refusal_ok(get_with($path, undef, Authorization => $user), 401,
           'basic: that refusal');
ok t_cmp(get_with($path, broken('bad_signature'), Authorization => $user)->code,
         401, 'basic: a valid user with a bad token is refused');
ok t_cmp(get_with($path, $good)->code, 200,
         'basic: a valid token without a user passes (Satisfy Any)');
ok t_cmp(get_with($path, $good, Authorization => $user)->code, 200,
         'basic: a valid token and a valid user pass');
ok t_cmp(get_with($path, $good, Authorization => $wrong_user)->code, 200,
         'basic: a valid token with a wrong password passes (Satisfy Any)');
