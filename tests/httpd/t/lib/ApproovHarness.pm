package ApproovHarness;

# A TAP::Harness whose summary ends with one plain line,
#   subtests: N passed, N failed
# for scripts/test.sh to add up.  Planned tests that never ran count as
# failed, and so does a test file that fails without a failed subtest
# (a non-zero exit, a bad plan).

use strict;
use warnings;

use parent 'TAP::Harness';

sub new {
    my ($class, $args) = @_;
    $args ||= {};
    $args->{formatter_class} = 'ApproovHarness::Formatter';
    return $class->SUPER::new($args);
}

package ApproovHarness::Formatter;

use strict;
use warnings;

use parent 'TAP::Formatter::Console';

sub summary {
    my ($self, $aggregate, @rest) = @_;
    $self->SUPER::summary($aggregate, @rest);

    my ($passed, $failed) = (0, 0);
    for my $parser ($aggregate->parsers) {
        my $bad = scalar($parser->failed);
        my $planned = $parser->tests_planned;
        $bad += $planned - $parser->tests_run
            if defined $planned && $planned > $parser->tests_run;
        $bad ||= 1 if $parser->has_problems;
        $passed += scalar($parser->passed);
        $failed += $bad;
    }
    $failed ||= 1 unless $aggregate->parsers;
    $self->_output("subtests: $passed passed, $failed failed\n");
}

1;
