# Approov in .htaccess (AllowOverride AuthConfig): Approov On and the
# per-directory options work there; a secret there is refused.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest qw(GET);
use Apache::TestUtil;
use ApproovMint qw(mint broken);
use ApproovTest qw(get_with refusal_ok);

plan tests => 11;

my $good = mint();

# .htaccess: Approov On; the secret comes from the <Directory> section.
ok t_cmp(get_with('/htaccess/on/ok.txt', undef)->code, 401, 'Approov On: no token');
ok t_cmp(get_with('/htaccess/on/ok.txt', broken('bad_signature'))->code, 401,
         'Approov On: wrong secret');
ok t_cmp(get_with('/htaccess/on/ok.txt', $good)->code, 200,
         'Approov On: valid token');

# .htaccess: ApproovTokenHeader X-Approov "T=", ApproovLeeway 30,
# ApproovFailureStatus 400.
ok t_cmp(GET('/htaccess/options/ok.txt', 'X-Approov' => "T=$good")->code, 200,
         'options: the configured header and prefix');
ok t_cmp(GET('/htaccess/options/ok.txt', 'X-Approov' => $good)->code, 400,
         'options: without the prefix, the configured status');
ok t_cmp(get_with('/htaccess/options/ok.txt', $good)->code, 400,
         'options: Approov-Token is not read');
ok t_cmp(GET('/htaccess/options/ok.txt',
             'X-Approov' => 'T=' . mint(exp_in => -10))->code, 200,
         'options: the leeway');
ok t_cmp(GET('/htaccess/options/ok.txt',
             'X-Approov' => 'T=' . mint(exp_in => -60))->code, 400,
         'options: beyond the leeway');
refusal_ok(get_with('/htaccess/options/ok.txt', undef), 400, 'options: no token');

# .htaccess: ApproovBase64Secret is not allowed there.
ok t_cmp(get_with('/htaccess/secret/ok.txt', undef)->code, 500,
         'a secret in .htaccess: 500, no token');
ok t_cmp(get_with('/htaccess/secret/ok.txt', $good)->code, 500,
         'a secret in .htaccess: 500, even with a valid token');
