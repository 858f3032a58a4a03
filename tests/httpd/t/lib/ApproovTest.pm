package ApproovTest;

# What the .t files share: requests with a token, the shape of a refusal,
# and the error log.

use strict;
use warnings;

use Apache::Test ();
use Apache::TestRequest ();
use Apache::TestUtil ();
use Exporter qw(import);

use ApproovMint qw(%SECRET);

our @EXPORT_OK = qw(get_with refusal_problems refusal_ok outcome
                    error_log_path read_file unique @REASONS);

# Every reason code the module may log.
our @REASONS = qw(missing too_long bad_prefix malformed bad_header bad_alg
                  bad_signature bad_payload bad_exp bad_nbf expired
                  not_yet_valid no_binding_header no_pay bad_pay pay_mismatch
                  unknown_kid no_kid no_key);

# GET path with the token in Approov-Token (none when undef) and any other
# headers given.
sub get_with {
    my ($path, $token, @headers) = @_;
    unshift @headers, 'Approov-Token' => $token if defined $token;
    return Apache::TestRequest::GET($path, @headers);
}

# What is wrong with $res as a refusal with $status: an empty list when it
# has that status, Content-Length: 0, an empty body and no header that
# names a reason, a secret or the module.
sub refusal_problems {
    my ($res, $status) = @_;
    my @problems;
    push @problems, 'status ' . $res->code . ", not $status"
        unless $res->code == $status;
    my $length = $res->header('Content-Length');
    push @problems, 'Content-Length ' . (defined $length ? $length : 'absent')
        unless defined $length && $length eq '0';
    push @problems, 'a body of ' . length($res->content) . ' bytes'
        if length $res->content;
    my $leak = join '|', map { quotemeta } @REASONS, 'approov', 'token',
                             values %SECRET;
    $res->headers->scan(sub {
        my ($name, $value) = @_;
        # Client-* are LWP's notes, not the server's headers.
        push @problems, "header $name: $value"
            if $name !~ /^Client-/i && "$name: $value" =~ /$leak/i;
    });
    return @problems;
}

# One test: $res is an empty refusal with $status (see refusal_problems).
sub refusal_ok {
    my ($res, $status, $name) = @_;
    my @problems = refusal_problems($res, $status);
    Apache::TestUtil::t_debug("$name: $_") for @problems;
    Apache::Test::ok(Apache::TestUtil::t_cmp("@problems", '',
                                             "$name: an empty $status"));
}

# "<status> <reason logged>" of GET path with these headers ("-" for no
# rejection line).
sub outcome {
    my ($path, @headers) = @_;
    Apache::TestUtil::t_start_error_log_watch();
    my $code = Apache::TestRequest::GET($path, @headers)->code;
    my ($reason) = map { /reason=(\w+)/ ? $1 : () }
                   grep { /approov: token rejected/ }
                   Apache::TestUtil::t_finish_error_log_watch();
    return $code . ' ' . ($reason // '-');
}

sub error_log_path {
    return Apache::Test::vars('t_logs') . '/error_log';
}

sub read_file {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

# A string no other request of this run has used.
my $serial = 0;
sub unique {
    my ($prefix) = @_;
    return sprintf '%s-%d-%d-%d', $prefix, $$, time, ++$serial;
}

1;
