# Every way a token can be bad: the status, and the one line the module
# logs at LogLevel approov:info, with the reason code, the client, the
# method and the URI; never the token or the secret.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil qw(t_cmp t_debug t_start_error_log_watch
                        t_finish_error_log_watch);
use ApproovMint qw(%SECRET mint broken b64url secret_bytes);
use ApproovTest qw(error_log_path read_file unique);

# [ reason code logged, token (undef: no header), path, header name ]
my @cases = (
    [ missing       => undef ],
    [ missing       => '' ],
    [ too_long      => broken('too_long') ],
    [ malformed     => 'abc' ],
    [ malformed     => broken('malformed') ],
    [ malformed     => broken('malformed_padding') ],
    [ malformed     => broken('alg_none_unsigned') ],
    [ malformed     => 'a..b' ],
    [ bad_header    => broken('bad_header') ],
    [ bad_alg       => broken('bad_alg') ],
    [ bad_alg       => broken('bad_alg_case') ],
    [ bad_alg       => broken('bad_alg_hs512') ],
    [ bad_signature => broken('bad_signature') ],
    [ bad_signature => broken('bad_signature_tampered') ],
    [ bad_payload   => broken('bad_payload') ],
    [ bad_exp       => broken('bad_exp') ],
    [ bad_exp       => broken('bad_exp_string') ],
    [ bad_nbf       => broken('bad_nbf') ],
    [ expired       => broken('expired') ],
    [ not_yet_valid => broken('not_yet_valid') ],
    [ bad_prefix    => 'Basic ' . mint(), '/bearer', 'Authorization' ],
);

plan tests => 2 * @cases + 3;

my @sent;
for my $case (@cases) {
    my ($reason, $token, $dir, $header) = @$case;
    my $path = ($dir || '/protected') . '/' . unique($reason);
    push @sent, $token if defined $token && length $token;

    t_start_error_log_watch();
    my $res = Apache::TestRequest::GET($path,
        defined $token ? (($header || 'Approov-Token') => $token) : ());
    my @lines = grep { /approov/ } t_finish_error_log_watch();
    t_debug("log: $_") for @lines;

    ok t_cmp($res->code, 401, "$reason: 401");
    ok t_cmp(scalar(grep {
            /\[approov:info\].* approov: token rejected: reason=\Q$reason\E client=127\.0\.0\.1 method=GET uri=\Q$path\E$/
        } @lines), 1, "$reason: one log line with reason, client, method, uri");
}

# The method in the log line is the request's.
{
    my $path = '/protected/' . unique('post');
    t_start_error_log_watch();
    Apache::TestRequest::POST($path, content => 'x=1');
    my @lines = t_finish_error_log_watch();
    ok t_cmp(scalar(grep { /reason=missing .*method=POST uri=\Q$path\E$/ } @lines),
             1, 'POST is logged as method=POST');
}

# Neither a token (not even its signature) nor a secret in any encoding
# reaches the error log.
my $log = read_file(error_log_path());
my @leaked = grep { length >= 16 && index($log, $_) >= 0 }
             @sent, map({ (split /\./)[2] // () } @sent);
ok t_cmp("@leaked", '', 'no token in the error log');
my @secrets = map { ($SECRET{$_}, b64url(secret_bytes($_))) } keys %SECRET;
@leaked = grep { index($log, $_) >= 0 } @secrets;
ok t_cmp(scalar(@leaked), 0, 'no secret in the error log');
