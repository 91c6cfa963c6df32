#!/usr/bin/perl
# scripts/sisimai-reasons.pl - Debian's Sisimai (libsisimai-perl) over
# the files named on the command line: "file<TAB>n<TAB>reason" for the
# n-th decoded recipient of each.  Used by scripts/eval.py to put
# Sisimai's accuracy beside ours on the same rows.
use strict;
use warnings;
use Sisimai;

for my $file (@ARGV) {
	my $v = Sisimai->make($file) || [];
	my $n = 0;
	for my $e (@$v) {
		$n++;
		print join("\t", $file, $n, $e->reason // ''), "\n";
	}
}
