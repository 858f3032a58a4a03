# Protected and open scopes, inheritance, Approov Off, and the shape of a
# refusal: the status, Content-Length: 0, no body, no reason in any header.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest qw(GET);
use Apache::TestUtil;
use ApproovMint qw(mint broken);
use ApproovTest qw(get_with refusal_ok);

plan tests => 25;

my $good = mint();

sub passes {
    my ($path, $token, $name, @headers) = @_;
    my $res = get_with($path, $token, @headers);
    ok t_cmp($res->code . ' ' . $res->content, "200 ok\n", $name);
}

sub refused {
    my ($path, $token, $name, @headers) = @_;
    refusal_ok(get_with($path, $token, @headers), 401, $name);
}

passes('/open/ok.txt', undef, 'open: no token needed');
passes('/open/ok.txt', 'not.a.token', 'open: a bad token is ignored');

refused('/protected/ok.txt', undef, 'protected: no token');
refused('/protected/ok.txt', broken('bad_signature'), 'protected: wrong secret');
refused('/protected/ok.txt', broken('expired'), 'protected: expired');
passes('/protected/ok.txt', $good, 'protected: valid token');

refused('/protected/inherit/ok.txt', undef, 'inherited: no token');
passes('/protected/inherit/ok.txt', $good, 'inherited: valid token');

passes('/protected/open/ok.txt', undef, 'Approov Off in a sub-location: open');
refused('/protected/open-not/ok.txt', undef,
        'a sibling path that only starts like the open one');

# The access check runs before the handler: nothing about the resource
# leaks to a request without a token.
refused('/protected/no-such-file', undef, 'missing file, no token: 401');
ok t_cmp(get_with('/protected/no-such-file', $good)->code, 404,
         'missing file, valid token: 404');

refused('/protected/ok.txt?Approov-Token=' . $good, undef,
        'a token in the query string does not count');
refused('/protected/ok.txt', undef, 'a token in another header does not count',
        Authorization => "Bearer $good");
refused('/protected/ok.txt', undef, 'two token fields are refused',
        'Approov-Token' => [$good, $good]);
refused('/protected/ok.txt', '', 'an empty token field');

# HEAD and POST are checked like GET.
ok t_cmp(Apache::TestRequest::HEAD('/protected/ok.txt')->code, 401,
         'HEAD without a token');
ok t_cmp(Apache::TestRequest::HEAD('/protected/ok.txt', 'Approov-Token' => $good)->code,
         200, 'HEAD with a valid token');
refusal_ok(Apache::TestRequest::POST('/protected/ok.txt', content => 'x=1'),
           401, 'POST without a token');

# Approov Off in an <If> for preflight requests (README's CORS example):
# only a real preflight (Origin and Access-Control-Request-Method) passes.
ok t_cmp(Apache::TestRequest::OPTIONS('/cors/ok.txt',
             'Origin' => 'https://app.example',
             'Access-Control-Request-Method' => 'POST')->code, 200,
         '<If> preflight OPTIONS: Approov Off');
refusal_ok(Apache::TestRequest::OPTIONS('/cors/ok.txt'), 401,
           '<If> preflight: a plain OPTIONS is still checked');
refusal_ok(Apache::TestRequest::OPTIONS('/cors/ok.txt',
               'Origin' => 'https://app.example'), 401,
           '<If> preflight: OPTIONS with Origin only is still checked');
refused('/cors/ok.txt', undef, '<If> OPTIONS: GET is still checked');
passes('/cors/ok.txt', $good, '<If> OPTIONS: GET with a valid token');

# A refusal keeps a keep-alive connection open.
Apache::TestRequest::user_agent(reset => 1, keep_alive => 1);
ok t_cmp(GET('/protected/ok.txt')->header('Connection') // '',
         qr/^(?!.*close)/i, 'no Connection: close on a refusal');
