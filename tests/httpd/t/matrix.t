# The integration matrix (issue 13): no request without a valid token
# reaches a protected resource, whatever else the configuration says.  Each
# row is a configuration of t/conf/matrix.conf.in and a request, sent as
# raw bytes (HTTP/1.0, so the target reaches httpd exactly as written) or
# over h2c; it asserts the status and whether the protected handler ran or
# its content reached the client ("reached", see ApproovTest::matrix_check;
# '-' where nothing can tell: httpd answers OPTIONS itself).  Every refused
# row has a twin with a valid token that gets through, so no row passes
# by refusing everything.  t/matrix_cache.t has mod_cache's rows,
# t/matrix_order.t module load order and Satisfy on servers of its own,
# t/matrix_limit.t <Limit> at start-up.  New features add their rows here.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestRequest ();
use Apache::TestUtil;
use Digest::SHA qw(sha1_base64);
use File::Temp qw(tempdir);
use ApproovMint ();
use ApproovTest qw(http_request matrix_check read_file run_tool);

my $logs = Apache::Test::vars('t_logs');
my $hit_log = "$logs/matrix_hits.log";

# [ config, request, with, status, reached ]
my $api = '/matrix/r/api/hit.cgi';
my @main = (
    # The plain scope, a CGI and a static file, and the open control.
    [ 'api',                 "GET $api",                     '-',     401, 'no' ],
    [ 'api',                 "GET $api",                     'token', 200, 'yes' ],
    [ 'api',                 'GET /matrix/r/api/ok.txt',     '-',     401, 'no' ],
    [ 'api',                 'GET /matrix/r/api/ok.txt',     'token', 200, 'yes' ],
    [ 'api',                 "HEAD $api",                    '-',     401, 'no' ],
    [ 'api',                 "HEAD $api",                    'token', 200, 'yes' ],
    [ 'api',                 "POST $api",                    '-',     401, 'no' ],
    [ 'api',                 "POST $api",                    'token', 200, 'yes' ],
    [ 'api',                 "PUT $api",                     '-',     401, 'no' ],
    [ 'api',                 "PUT $api",                     'token', 200, 'yes' ],
    # httpd answers OPTIONS itself for a CGI: nothing to see run.
    [ 'api',                 "OPTIONS $api",                 '-',     401, '-' ],
    [ 'api',                 "OPTIONS $api",                 'token', 200, '-' ],
    [ 'open (control)',      'GET /matrix/r/open/hit.cgi',   '-',     200, 'yes' ],

    # mod_proxy: the backend marks its responses and logs its hits.
    [ 'backend (control)',   'GET /matrix/r/backend/hit.cgi', '-',    200, 'yes' ],
    [ 'proxy',               'GET /matrix/proxy/hit.cgi',    '-',     401, 'no' ],
    [ 'proxy',               'GET /matrix/proxy/hit.cgi',    'token', 200, 'yes' ],
    [ 'proxy',               'HEAD /matrix/proxy/hit.cgi',   '-',     401, 'no' ],
    [ 'proxy',               'HEAD /matrix/proxy/hit.cgi',   'token', 200, 'yes' ],
    [ 'proxy',               'POST /matrix/proxy/hit.cgi',   '-',     401, 'no' ],
    [ 'proxy',               'POST /matrix/proxy/hit.cgi',   'token', 200, 'yes' ],
    [ 'proxy',               'OPTIONS /matrix/proxy/hit.cgi', '-',    401, 'no' ],
    [ 'proxy',               'OPTIONS /matrix/proxy/hit.cgi', 'token', 200, 'yes' ],

    # Require with Basic authentication (users alice and bob).
    [ 'Require valid-user',  'GET /matrix/r/req-valid-user/hit.cgi', 'alice',       401, 'no' ],
    [ 'Require valid-user',  'GET /matrix/r/req-valid-user/hit.cgi', 'token',       401, 'no' ],
    [ 'Require valid-user',  'GET /matrix/r/req-valid-user/hit.cgi', 'token+alice', 200, 'yes' ],
    [ 'Require user alice',  'GET /matrix/r/req-user-alice/hit.cgi', 'alice',       401, 'no' ],
    [ 'Require user alice',  'GET /matrix/r/req-user-alice/hit.cgi', 'token+bob',   401, 'no' ],
    [ 'Require user alice',  'GET /matrix/r/req-user-alice/hit.cgi', 'token+alice', 200, 'yes' ],
    [ 'Require all granted', 'GET /matrix/r/req-granted/hit.cgi',    '-',           401, 'no' ],
    [ 'Require all granted', 'GET /matrix/r/req-granted/hit.cgi',    'alice',       401, 'no' ],
    [ 'Require all granted', 'GET /matrix/r/req-granted/hit.cgi',    'token',       200, 'yes' ],
    [ 'RequireAny ip, valid-user', 'GET /matrix/r/req-any-ip/hit.cgi', '-',         401, 'no' ],
    [ 'RequireAny ip, valid-user', 'GET /matrix/r/req-any-ip/hit.cgi', 'alice',     401, 'no' ],
    [ 'RequireAny ip, valid-user', 'GET /matrix/r/req-any-ip/hit.cgi', 'token',     200, 'yes' ],
    [ 'RequireAny ip, valid-user, Satisfy Any', 'GET /matrix/r/req-any-ip-satisfy-any/hit.cgi', 'alice', 401, 'no' ],
    [ 'RequireAny ip, valid-user, Satisfy Any', 'GET /matrix/r/req-any-ip-satisfy-any/hit.cgi', 'token', 200, 'yes' ],

    # mod_allowmethods refuses first; Satisfy Any would let Require all
    # granted admit.  Issue 13's reproduction 2 is the first row.
    [ 'AllowMethods GET POST, Satisfy Any', 'OPTIONS /matrix/r/allowmethods-any/ok.txt', '-',     401, '-' ],
    [ 'AllowMethods GET POST, Satisfy Any', 'OPTIONS /matrix/r/allowmethods-any/ok.txt', 'token', 200, '-' ],
    [ 'AllowMethods GET POST, Satisfy Any', 'PUT /matrix/r/allowmethods-any/hit.cgi',    '-',     401, 'no' ],
    [ 'AllowMethods GET POST, Satisfy Any', 'PUT /matrix/r/allowmethods-any/hit.cgi',    'token', 200, 'yes' ],
    [ 'AllowMethods GET POST, Satisfy Any', 'GET /matrix/r/allowmethods-any/hit.cgi',    '-',     401, 'no' ],
    [ 'AllowMethods GET POST, Satisfy Any', 'GET /matrix/r/allowmethods-any/hit.cgi',    'token', 200, 'yes' ],
    [ 'AllowMethods GET POST, Satisfy All', 'OPTIONS /matrix/r/allowmethods-all/ok.txt', '-',     405, '-' ],
    [ 'AllowMethods GET POST, Satisfy All', 'PUT /matrix/r/allowmethods-all/hit.cgi',    '-',     405, 'no' ],
    [ 'AllowMethods GET POST, Satisfy All', 'PUT /matrix/r/allowmethods-all/hit.cgi',    'token', 405, 'no' ],
    [ 'AllowMethods GET POST, Satisfy All', 'GET /matrix/r/allowmethods-all/hit.cgi',    '-',     401, 'no' ],
    [ 'AllowMethods GET POST, Satisfy All', 'GET /matrix/r/allowmethods-all/hit.cgi',    'token', 200, 'yes' ],

    # <If> exempts a real CORS preflight only.
    [ '<If> preflight: Approov Off', 'OPTIONS /matrix/r/cors/ok.txt', 'origin+acrm', 200, '-' ],
    [ '<If> preflight: Approov Off', 'OPTIONS /matrix/r/cors/ok.txt', '-',           401, '-' ],
    [ '<If> preflight: Approov Off', 'OPTIONS /matrix/r/cors/ok.txt', 'origin',      401, '-' ],
    [ '<If> preflight: Approov Off', 'OPTIONS /matrix/r/cors/ok.txt', 'acrm',        401, '-' ],
    [ '<If> preflight: Approov Off', 'OPTIONS /matrix/r/cors/ok.txt', 'token',       200, '-' ],
    [ '<If> preflight: Approov Off', 'GET /matrix/r/cors/hit.cgi',    'origin+acrm', 401, 'no' ],
    [ '<If> preflight: Approov Off', 'POST /matrix/r/cors/hit.cgi',   'origin+acrm', 401, 'no' ],
    [ '<If> preflight: Approov Off', 'GET /matrix/r/cors/hit.cgi',    'token+origin', 200, 'yes' ],

    # mod_rewrite: [PT] from an open path, front controllers.
    [ 'RewriteRule [PT] open -> api', 'GET /matrix/rw-pt/hit.cgi',     '-',     401, 'no' ],
    [ 'RewriteRule [PT] open -> api', 'GET /matrix/rw-pt/hit.cgi',     'token', 200, 'yes' ],
    [ 'front controller, open dir -> api', 'GET /matrix/fc-open/ok.txt', '-',   200, 'no' ],
    [ 'front controller, open dir -> api', 'GET /matrix/fc-open/a/route', '-',  401, 'no' ],
    [ 'front controller, open dir -> api', 'GET /matrix/fc-open/a/route', 'token', 200, 'yes' ],
    [ 'front controller, protected dir', 'GET /matrix/fc-api/a/route', '-',     401, 'no' ],
    [ 'front controller, protected dir', 'GET /matrix/fc-api/a/route', 'token', 200, 'yes' ],

    # ErrorDocument, both ways.
    [ 'open, ErrorDocument 404 -> api CGI',  'GET /matrix/open/missing-cgi/x',    '-',     404, 'no' ],
    [ 'open, ErrorDocument 404 -> api CGI',  'GET /matrix/open/missing-cgi/x',    'token', 404, 'yes' ],
    [ 'open, ErrorDocument 404 -> api file', 'GET /matrix/open/missing-static/x', '-',     404, 'no' ],
    [ 'open, ErrorDocument 404 -> api file', 'GET /matrix/open/missing-static/x', 'token', 404, 'yes' ],
    [ 'api, ErrorDocument 401 -> open',      'GET /matrix/r/err-api/hit.cgi',     '-',     401, 'no' ],
    [ 'api, ErrorDocument 401 -> open',      'GET /matrix/r/err-api/hit.cgi',     'token', 200, 'yes' ],
    [ 'api, ErrorDocument 404 -> api CGI',   'GET /matrix/r/err-api/missing',     '-',     401, 'no' ],
    [ 'api, ErrorDocument 404 -> api CGI',   'GET /matrix/r/err-api/missing',     'token', 404, 'yes' ],

    # mod_dir: an open directory whose DirectoryIndex is protected.
    [ 'DirectoryIndex -> api CGI',  'GET /matrix/di-cgi/',    '-',     401, 'no' ],
    [ 'DirectoryIndex -> api CGI',  'GET /matrix/di-cgi/',    'token', 200, 'yes' ],
    [ 'DirectoryIndex -> api file', 'GET /matrix/di-static/', '-',     401, 'no' ],
    [ 'DirectoryIndex -> api file', 'GET /matrix/di-static/', 'token', 200, 'yes' ],

    # MultiViews (mod_negotiation).
    [ 'MultiViews, open (control)',        'GET /matrix/mv/public',       '-',     200, 'no' ],
    [ 'MultiViews -> <Files> protected',   'GET /matrix/mv/files-secret', '-',     404, 'no' ],
    [ 'MultiViews -> <Files> protected',   'GET /matrix/mv/files-secret', 'token', 200, 'yes' ],
    [ 'MultiViews -> <Location> protected', 'GET /matrix/mv/loc-secret',  '-',     404, 'no' ],
    [ 'MultiViews -> <Location> protected', 'GET /matrix/mv/loc-secret',  'token', 200, 'yes' ],
    [ 'MultiViews in api',                 'GET /matrix/r/api/ok',        '-',     401, 'no' ],
    [ 'MultiViews in api',                 'GET /matrix/r/api/ok',        'token', 200, 'yes' ],

    # A <Directory> scope, and an open Alias onto it.
    [ '<Directory> Approov On',         'GET /matrix/dirprot/ok.txt',       '-',     401, 'no' ],
    [ '<Directory> Approov On',         'GET /matrix/dirprot/ok.txt',       'token', 200, 'yes' ],
    [ '<Directory>, through an Alias', 'GET /matrix/dirprot-alias/ok.txt', '-',     401, 'no' ],
    [ '<Directory>, through an Alias', 'GET /matrix/dirprot-alias/ok.txt', 'token', 200, 'yes' ],

    # SSI: an open page includes protected resources (subrequests).
    [ 'SSI #include virtual -> api', 'GET /matrix/open/ssi.shtml', '-',     200, 'no' ],
    [ 'SSI #include virtual -> api', 'GET /matrix/open/ssi.shtml', 'token', 200, 'yes' ],
);

# Issue 15's checks (the iss and acct scopes of t/conf/matrix.conf.in)
# under the same modules, with the reasons logged: "iss" is a token with
# iss matrix.approov.io and aud matrix-api, "bad-iss" and "bad-aud" break
# one of them, "token" has neither; "acct" is a token with mskid k1 and
# its account signature over the request as sent, "acct-unsigned" the
# token alone, "acct-elsewhere" a signature over another target.
my @new = (
    [ 'iss',   'GET /matrix/r/iss/hit.cgi',     'iss',     200, 'yes', '-' ],
    [ 'iss',   'GET /matrix/r/iss/hit.cgi',     'token',   401, 'no',  'bad_iss' ],
    [ 'iss',   'GET /matrix/r/iss/hit.cgi',     'bad-iss', 401, 'no',  'bad_iss' ],
    [ 'iss',   'GET /matrix/r/iss/hit.cgi',     'bad-aud', 401, 'no',  'bad_aud' ],
    [ 'iss',   'POST /matrix/r/iss/hit.cgi',    'bad-aud', 401, 'no',  'bad_aud' ],
    [ 'iss',   'HEAD /matrix/r/iss/hit.cgi',    'bad-iss', 401, 'no',  'bad_iss' ],
    [ 'iss, AllowMethods GET POST, Satisfy Any', 'PUT /matrix/r/iss-any/hit.cgi',    'bad-iss', 401, 'no',  'bad_iss' ],
    [ 'iss, AllowMethods GET POST, Satisfy Any', 'OPTIONS /matrix/r/iss-any/ok.txt', 'bad-aud', 401, '-',   'bad_aud' ],
    [ 'iss, AllowMethods GET POST, Satisfy Any', 'PUT /matrix/r/iss-any/hit.cgi',    'iss',     200, 'yes', '-' ],
    [ '<If> strict: iss, aud, signing', 'GET /matrix/r/iss-if/hit.cgi', 'token',               200, 'yes', '-' ],
    [ '<If> strict: iss, aud, signing', 'GET /matrix/r/iss-if/hit.cgi', 'token+strict',        401, 'no',  'bad_iss' ],
    [ '<If> strict: iss, aud, signing', 'GET /matrix/r/iss-if/hit.cgi', 'bad-aud+strict',      401, 'no',  'bad_aud' ],
    [ '<If> strict: iss, aud, signing', 'GET /matrix/r/iss-if/hit.cgi', 'iss+strict',          401, 'no',  'sig_no_ipk' ],
    [ '<If> strict: iss, aud, signing', 'GET /matrix/r/iss-if/hit.cgi', 'acct-iss-unsigned+strict', 401, 'no', 'sig_missing_headers' ],
    [ '<If> strict: iss, aud, signing', 'GET /matrix/r/iss-if/hit.cgi', 'acct-iss+strict',     200, 'yes', '-' ],
    [ 'proxy, iss', 'GET /matrix/proxy-iss/hit.cgi',  'bad-iss', 401, 'no',  'bad_iss' ],
    [ 'proxy, iss', 'POST /matrix/proxy-iss/hit.cgi', 'bad-aud', 401, 'no',  'bad_aud' ],
    [ 'proxy, iss', 'GET /matrix/proxy-iss/hit.cgi',  'iss',     200, 'yes', '-' ],
    [ 'RewriteRule [PT] open -> iss', 'GET /matrix/rw-pt-iss/hit.cgi', 'bad-aud', 401, 'no',  'bad_aud' ],
    [ 'RewriteRule [PT] open -> iss', 'GET /matrix/rw-pt-iss/hit.cgi', 'iss',     200, 'yes', '-' ],
    [ 'open, ErrorDocument 404 -> iss', 'GET /matrix/open/missing-iss/x', 'bad-iss', 404, 'no',  'bad_iss' ],
    [ 'open, ErrorDocument 404 -> iss', 'GET /matrix/open/missing-iss/x', 'iss',     404, 'yes', '-' ],
    [ 'api, ErrorDocument 404 -> iss',  'GET /matrix/r/err-iss/missing',  'token',   404, 'no',  'bad_iss' ],
    [ 'api, ErrorDocument 404 -> iss',  'GET /matrix/r/err-iss/missing',  'iss',     404, 'yes', '-' ],
    # Our own refusal answered by an ErrorDocument in a protected scope:
    # refused there too, and judged, logged and counted once.
    [ 'api, ErrorDocument 401 -> iss',  'GET /matrix/r/err-iss/hit.cgi',  '-',       401, 'no',  'missing' ],
    [ 'api, ErrorDocument 401 -> iss',  'GET /matrix/r/err-iss/hit.cgi',  'iss',     200, 'yes', '-' ],
    [ 'api, ErrorDocument 401 -> iss',  'GET /matrix/r/err-iss/hit.cgi',  'expired', 401, 'no',  'expired' ],
    [ 'SSI #include virtual -> iss', 'GET /matrix/open/ssi-iss.shtml', 'bad-iss', 200, 'no',  'bad_iss,bad_iss' ],
    [ 'SSI #include virtual -> iss', 'GET /matrix/open/ssi-iss.shtml', 'iss',     200, 'yes', '-' ],

    [ 'acct',  'GET /matrix/r/acct/hit.cgi',    'acct',           200, 'yes', '-' ],
    [ 'acct',  'GET /matrix/r/acct/hit.cgi',    'acct-unsigned',  401, 'no',  'sig_missing_headers' ],
    [ 'acct',  'GET /matrix/r/acct/hit.cgi',    'acct-elsewhere', 401, 'no',  'sig_bad_signature' ],
    [ 'acct',  'GET /matrix/r/acct/hit.cgi',    'token',          401, 'no',  'sig_no_ipk' ],
    [ 'acct',  'POST /matrix/r/acct/hit.cgi',   'acct',           200, 'yes', '-' ],
    [ 'acct',  'POST /matrix/r/acct/hit.cgi',   'acct-unsigned',  401, 'no',  'sig_missing_headers' ],
    [ 'acct',  'HEAD /matrix/r/acct/hit.cgi',   'acct',           200, 'yes', '-' ],
    [ 'acct',  'HEAD /matrix/r/acct/hit.cgi',   'acct-elsewhere', 401, 'no',  'sig_bad_signature' ],
    [ 'acct, AllowMethods GET POST, Satisfy Any', 'PUT /matrix/r/acct-any/hit.cgi',    'acct-unsigned', 401, 'no',  'sig_missing_headers' ],
    [ 'acct, AllowMethods GET POST, Satisfy Any', 'OPTIONS /matrix/r/acct-any/ok.txt', 'acct-elsewhere', 401, '-', 'sig_bad_signature' ],
    [ 'acct, AllowMethods GET POST, Satisfy Any', 'PUT /matrix/r/acct-any/hit.cgi',    'acct',          200, 'yes', '-' ],
    [ 'proxy, acct', 'GET /matrix/proxy-acct/hit.cgi',  'acct-unsigned',  401, 'no',  'sig_missing_headers' ],
    [ 'proxy, acct', 'GET /matrix/proxy-acct/hit.cgi',  'acct-elsewhere', 401, 'no',  'sig_bad_signature' ],
    [ 'proxy, acct', 'POST /matrix/proxy-acct/hit.cgi', 'acct-elsewhere', 401, 'no',  'sig_bad_signature' ],
    [ 'proxy, acct', 'GET /matrix/proxy-acct/hit.cgi',  'acct',           200, 'yes', '-' ],
    [ 'proxy, acct', 'POST /matrix/proxy-acct/hit.cgi', 'acct',           200, 'yes', '-' ],
    [ 'RewriteRule [PT] open -> acct', 'GET /matrix/rw-pt-acct/hit.cgi', 'acct-unsigned', 401, 'no',  'sig_missing_headers' ],
    [ 'RewriteRule [PT] open -> acct', 'GET /matrix/rw-pt-acct/hit.cgi', 'acct',          200, 'yes', '-' ],
    [ 'open, ErrorDocument 404 -> acct', 'GET /matrix/open/missing-acct/x', 'acct-unsigned',  404, 'no',  'sig_missing_headers' ],
    [ 'open, ErrorDocument 404 -> acct', 'GET /matrix/open/missing-acct/x', 'acct-elsewhere', 404, 'no',  'sig_bad_signature' ],
    [ 'open, ErrorDocument 404 -> acct', 'GET /matrix/open/missing-acct/x', 'acct',           404, 'yes', '-' ],
    [ 'api, ErrorDocument 404 -> acct',  'GET /matrix/r/err-acct/missing',  'token',          404, 'no',  'sig_no_ipk' ],
    [ 'api, ErrorDocument 404 -> acct',  'GET /matrix/r/err-acct/missing',  'acct',           404, 'yes', '-' ],
    [ 'SSI #include virtual -> acct', 'GET /matrix/open/ssi-acct.shtml', 'acct-unsigned', 200, 'no',  'sig_missing_headers,sig_missing_headers' ],
    [ 'SSI #include virtual -> acct', 'GET /matrix/open/ssi-acct.shtml', 'acct',          200, 'yes', '-' ],
);
push @main, @new;

# Path spellings of $api and of the proxied scope, sent as they are: 401
# (or httpd's own 400/404) without a token, never the resource.
my @spellings = (
    [ '/matrix/open/../r/api/hit.cgi',       200 ],
    [ '/matrix/r/open/../api/hit.cgi',       200 ],
    [ '/matrix/r/api/./hit.cgi',             200 ],
    [ '//matrix/r/api/hit.cgi',              200 ],
    [ '/matrix//r/api/hit.cgi',              200 ],
    [ '/matrix/r/api//hit.cgi',              200 ],
    [ '/matrix/r/open/%2e%2e/api/hit.cgi',   200 ],
    [ '/matrix/r/open/%2E%2E/api/hit.cgi',   200 ],
    [ '/matrix/r/open/.%2e/api/hit.cgi',     200 ],
    [ '/matrix/r/%61pi/hit.cgi',             200 ],
    [ '/matrix/r/api/hi%74.cgi',             200 ],
    [ '/%6datrix/r/api/hit.cgi',             200 ],
    [ '/matrix/r/api/%68%69%74%2e%63%67%69', 200 ],
    [ '/matrix/r/api/hit.cgi/path/info',     200 ],
    [ '/matrix/r/api/hit.cgi?q=1',           200 ],
    [ '/matrix/r/API/hit.cgi',               404 ],
    [ '/matrix/r/api%2fhit.cgi',             404 ],
    [ '/matrix/r/open/..%2fapi/hit.cgi',     404 ],
    [ '/matrix/open/../proxy/hit.cgi',       200 ],
    [ '/matrix/%70roxy/hit.cgi',             200 ],
    [ '/matrix//proxy/hit.cgi',              200 ],
);
my $hostport = Apache::TestRequest::hostport();
push @main, [ 'api: absolute-form target',
              "GET http://$hostport/matrix/r/api/hit.cgi", $_->[0], $_->[1], $_->[2] ]
    for [ '-', 401, 'no' ], [ 'token', 200, 'yes' ];
for my $spelling (@spellings) {
    my ($target, $with_token) = @$spelling;
    my $without = $with_token == 200 ? 401 : $with_token;
    my $reached = $with_token == 200 ? 'yes' : 'no';
    push @main, [ 'api, path spelling', "GET $target", '-', $without, 'no' ],
                [ 'api, path spelling', "GET $target", 'token', $with_token, $reached ];
}

# The same over HTTP/2 in cleartext (the approov_h2c host of extra.conf);
# POST and PUT without a body (see h2c_request).
my @h2c = (
    [ 'api over h2c',   "GET $api",                    '-',     401, 'no' ],
    [ 'api over h2c',   "GET $api",                    'token', 200, 'yes' ],
    [ 'api over h2c',   "HEAD $api",                   '-',     401, 'no' ],
    [ 'api over h2c',   "POST $api",                   '-',     401, 'no' ],
    [ 'api over h2c',   "POST $api",                   'token', 200, 'yes' ],
    [ 'api over h2c',   "OPTIONS $api",                '-',     401, '-' ],
    [ 'proxy over h2c', 'GET /matrix/proxy/hit.cgi',   '-',     401, 'no' ],
    [ 'proxy over h2c', 'GET /matrix/proxy/hit.cgi',   'token', 200, 'yes' ],
    [ 'AllowMethods GET POST, Satisfy Any, over h2c',
      'OPTIONS /matrix/r/allowmethods-any/ok.txt', '-', 401, '-' ],
    [ 'AllowMethods GET POST, Satisfy Any, over h2c',
      'PUT /matrix/r/allowmethods-any/hit.cgi',    '-', 401, 'no' ],
    [ 'AllowMethods GET POST, Satisfy Any, over h2c',
      'PUT /matrix/r/allowmethods-any/hit.cgi',    'token', 200, 'yes' ],
    [ 'SSI over h2c',   'GET /matrix/open/ssi.shtml',  '-',     200, 'no' ],
    [ 'path spelling over h2c', 'GET /matrix/r/open/%2e%2e/api/hit.cgi', '-', 401, 'no' ],
    [ 'iss over h2c',   'GET /matrix/r/iss/hit.cgi',   'bad-aud', 401, 'no',  'bad_aud' ],
    [ 'iss over h2c',   'GET /matrix/r/iss/hit.cgi',   'iss',     200, 'yes', '-' ],
    [ 'acct over h2c',  'GET /matrix/r/acct/hit.cgi',  'acct-elsewhere', 401, 'no', 'sig_bad_signature' ],
    [ 'acct over h2c',  'GET /matrix/r/acct/hit.cgi',  'acct',    200, 'yes', '-' ],
    [ 'acct over h2c',  'POST /matrix/r/acct/hit.cgi', 'acct',    200, 'yes', '-' ],
    [ 'proxy, acct, over h2c', 'GET /matrix/proxy-acct/hit.cgi', 'acct-unsigned', 401, 'no', 'sig_missing_headers' ],
    [ 'proxy, acct, over h2c', 'GET /matrix/proxy-acct/hit.cgi', 'acct',          200, 'yes', '-' ],
    [ 'acct, AllowMethods GET POST, Satisfy Any, over h2c',
      'PUT /matrix/r/acct-any/hit.cgi', 'acct-unsigned', 401, 'no', 'sig_missing_headers' ],
    [ 'SSI -> acct over h2c', 'GET /matrix/open/ssi-acct.shtml', 'acct', 200, 'yes', '-' ],
);

plan tests => @main + @h2c;

# The users of the Basic rows, password "pw".
open my $fh, '>', "$logs/matrix.htpasswd" or die "$logs/matrix.htpasswd: $!";
print $fh map { "$_:{SHA}" . sha1_base64('pw') . "=\n" } qw(alice bob);
close $fh;

sub rows {
    return map { { config => $_->[0], request => $_->[1], with => $_->[2],
                   status => $_->[3], reached => $_->[4], reason => $_->[5] } } @_;
}

# The words of the "iss" and "acct" rows.  A signature covers the
# authority the request goes to: $authority, set before each run.
my $ACCOUNT_K1 = 'HmYlNyo+5EW3GbWWkxDfFa8TDB5aVLF/WIiQ6XsnTYM=';
my $authority;
sub claims_token { ('Approov-Token' => ApproovMint::mint(claims => { @_ })) }
sub account_signed {
    my ($method, $target, @claims) = @_;
    my ($name, $token) = claims_token(mskid => 'k1', @claims);
    return ($name => $token,
            map { /^([\w-]+):\s*(.*)$/ ? ($1, $2) : () }
            split /\n/, run_tool('sign-request', '--method', $method,
                                  '--url', "http://$authority$target",
                                  '--header', "Approov-Token: $token",
                                  '--account-key', $ACCOUNT_K1));
}
my @iss = (iss => 'matrix.approov.io', aud => 'matrix-api');
my %iss_claims = (claims => { @iss });
%ApproovTest::MATRIX_WITH = (
    'iss'      => sub { claims_token(@iss) },
    'bad-iss'  => sub { claims_token(@iss, iss => 'other.approov.io') },
    'bad-aud'  => sub { claims_token(@iss, aud => 'other-api') },
    'strict'   => sub { ('X-Matrix-Strict' => 1) },
    'expired'  => sub { ('Approov-Token' => ApproovMint::mint(%iss_claims, exp_in => -60)) },
    'acct'     => sub { account_signed(@_) },
    'acct-iss' => sub { account_signed(@_, @iss) },
    'acct-unsigned'     => sub { claims_token(mskid => 'k1') },
    'acct-iss-unsigned' => sub { claims_token(mskid => 'k1', @iss) },
    'acct-elsewhere'    => sub { account_signed($_[0], "$_[1]?elsewhere") },
);

$authority = $hostport;
matrix_check(sub { http_request($hostport, @_) }, $hit_log, rows(@main));

# One h2c request with curl (prior knowledge): what http_request returns.
Apache::TestRequest::module('approov_h2c');
my $h2c = Apache::TestRequest::hostport();
Apache::TestRequest::module('default');
$h2c =~ s/^[^:]*:/127.0.0.1:/;
my $dir = tempdir(CLEANUP => 1);
sub h2c_request {
    my ($method, $target, @headers) = @_;
    # POST and PUT without a body: refused before its body is read, a
    # stream gets RST_STREAM from mod_http2 with or without mod_approov
    # (curl then often reports no response at all).
    my @args = $method eq 'HEAD' ? ('-I') : ('-X', $method);
    while (my ($name, $value) = splice @headers, 0, 2) {
        push @args, '-H', "$name: $value";
    }
    unlink "$dir/headers", "$dir/body";
    open my $curl, '-|', 'curl', '-sS', '--max-time', '10', '--http2-prior-knowledge',
        '--path-as-is', '-D', "$dir/headers", '-o', "$dir/body", '-w', '%{http_version}',
        @args, "http://$h2c$target"
        or die "matrix.t: cannot run curl: $!";
    my $version = do { local $/; <$curl> } // '';
    close $curl;
    my $head = read_file("$dir/headers");
    my ($code) = $head =~ m{\AHTTP/2 (\d{3})} or return undef;
    die "matrix.t: $target went over HTTP/$version, not HTTP/2" unless $version eq '2';
    my %headers;
    $headers{lc $1} = $2 while $head =~ /^([^:\s]+):\s*(.*?)\r?$/mg;
    return { code => $code, headers => \%headers, body => read_file("$dir/body") };
}
if (`curl -V 2>/dev/null` =~ /^Features:.*\bHTTP2\b/m) {
    $authority = $h2c;
    matrix_check(\&h2c_request, $hit_log, rows(@h2c));
}
else {
    skip('curl without HTTP/2', 1) for @h2c;
}
