#!/usr/bin/perl
# tests/pathological/gen.pl - write one pathological input to stdout.
#
#   perl gen.pl CASE [SCALE]
#
# SCALE (default 1) multiplies the size of the big cases: 1 is the size
# issue 6 asks for (make pathological-full); make check runs a smaller
# scale (tests/check.d/pathological.sh, BD_PATHO_SCALE) so the suite
# stays under a minute.  Output is deterministic (fixed seeds) and
# streamed in chunks, so a 1 GB case never sits in memory or on disk.
use strict;
use warnings;

my ($case, $scale) = @ARGV;
die "usage: gen.pl CASE [SCALE]\n" unless defined $case;
$scale = 1 unless defined $scale;
binmode STDOUT;
$| = 0;
$SIG{PIPE} = sub { exit 0 };	# the reader may stop early, on purpose

sub n { my $v = int($_[0] * $scale); return $v < 1 ? 1 : $v }

# Repeat $unit until $total bytes were written.
sub stream {
	my ($unit, $total) = @_;
	my $chunk = $unit x (int(1048576 / length($unit)) || 1);
	while ($total > 0) {
		my $part = $total < length($chunk) ? substr($chunk, 0, $total)
		    : $chunk;
		print $part or exit 0;
		$total -= length($part);
	}
}

# The start of an RFC 3464 bounce, ready for a body part.
sub dsn_head {
	my ($boundary) = @_;
	return "From: MAILER-DAEMON\@example.org\n" .
	    "To: sender\@example.org\n" .
	    "Subject: Undelivered Mail Returned to Sender\n" .
	    "MIME-Version: 1.0\n" .
	    "Content-Type: multipart/report; report-type=delivery-status;\n" .
	    "\tboundary=\"$boundary\"\n\n";
}

my $dsn_fields = "Reporting-MTA: dns; mx.example.org\n\n";
my $rcpt = "Final-Recipient: rfc822; user%d\@example.com\n" .
    "Action: failed\nStatus: 5.1.1\n" .
    "Diagnostic-Code: smtp; 550 5.1.1 <user%d\@example.com>: " .
    "User unknown\n\n";

if ($case eq 'long-line') {
	# 100 MB on one line: a reply whose text never ends.
	print "550 5.7.1 ";
	stream("x", n(100_000_000));
	print "\n";
} elsif ($case eq 'stdin-1g') {
	# 1 GB without a newline (piped to standard input).
	stream("y", n(1 << 30));
} elsif ($case eq 'nul-bytes') {
	print "550 5.1.1 <user\0\@example.com>: Recipient\0 address " .
	    "rejected:\0 User unknown\0\0\0 in virtual mailbox table\n";
	stream("\0", 4096);
} elsif ($case eq 'invalid-utf8') {
	# Overlong, surrogate, truncated and out-of-range sequences, lone
	# continuation bytes, ESC sequences, C1 controls and bidi overrides.
	print "554 5.7.1 \xc0\xaf\xe0\x80\xaf \xed\xa0\x80 \xf4\x90\x80\x80 " .
	    "\xf8\x88\x80\x80\x80 \x80\x81\xbf \xff\xfe \xe2\x82 " .
	    "\e[2J\e]0;title\a \xc2\x9b31m \xe2\x80\xae" . "evil" .
	    "\xe2\x81\xa6 \xe2\x80\x8f blocked \xc3\n";
} elsif ($case eq 'nested-multipart') {
	# 10,000 nested multiparts, each one level deeper.
	my $depth = 10_000;
	print "From: MAILER-DAEMON\@example.org\nSubject: nested\n" .
	    "MIME-Version: 1.0\n";
	for my $i (1 .. $depth) {
		print "Content-Type: multipart/mixed; boundary=\"b$i\"\n\n" .
		    "--b$i\n";
	}
	print "Content-Type: text/plain\n\n550 5.1.1 User unknown\n";
	for my $i (reverse 1 .. $depth) {
		print "--b$i--\n";
	}
} elsif ($case eq 'open-boundary') {
	# A boundary that never closes: the body runs to end of input.
	print dsn_head("never"), "--never\nContent-Type: text/plain\n\n";
	print "The mail system: 550 5.1.1 <u\@example.com>: User unknown\n";
	stream("no closing boundary on this line, nor the next\n",
	    n(20_000_000));
} elsif ($case eq 'base64-50m') {
	# A 50 MB base64 part (encoded size), in a DSN's first part.
	my $b64 = "QmFkIHRoaW5nczogNTUwIDUuMS4xIFVzZXIgdW5rbm93bi4uLiAg";
	print dsn_head("b"), "--b\nContent-Type: text/plain\n" .
	    "Content-Transfer-Encoding: base64\n\n";
	stream(substr($b64 x 2, 0, 76) . "\n", n(50_000_000));
	print "\n--b\nContent-Type: message/delivery-status\n\n$dsn_fields";
	printf $rcpt, 1, 1;
	print "--b--\n";
} elsif ($case eq 'folded-header') {
	# One header field folded over a million lines.
	print "From: MAILER-DAEMON\@example.org\nSubject: folded\n";
	print "X-Folded: start\n";
	stream(" more\n", 6 * n(1_000_000));
	print "\n550 5.1.1 <u\@example.com>: User unknown\n";
} elsif ($case eq 'many-recipients') {
	# 100,000 recipients in one DSN.
	print dsn_head("r"), "--r\nContent-Type: text/plain\n\nbounced\n\n";
	print "--r\nContent-Type: message/delivery-status\n\n$dsn_fields";
	for my $i (1 .. n(100_000)) {
		printf $rcpt, $i, $i;
	}
	print "--r--\n";
} elsif ($case eq 'reply-lines') {
	# A reply of 10,000 continuation lines (RFC 5321 §4.2.1 form).
	for my $i (1 .. 9_999) {
		print "550-5.7.1 line $i of a reply that goes on\r\n";
	}
	print "550 5.7.1 last line\r\n";
} elsif ($case eq 'random') {
	# Random binary, from a fixed seed: reproducible.
	srand(6);
	my $left = n(4 << 20);
	while ($left > 0) {
		my $k = $left < 65536 ? $left : 65536;
		print pack("C*", map { int(rand(256)) } 1 .. $k);
		$left -= $k;
	}
} elsif ($case eq 'empty') {
	# nothing
} elsif ($case eq 'catastrophic-rules') {
	# A rule whose pattern backtracks exponentially on a run of a's
	# with no match at the end (PCRE2 limits must stop it).
	print "rule catastrophic\n\tcause unknown\n\tmatch (a+)+\$\n" .
	    "\texample 550 aaaa\n";
} elsif ($case eq 'catastrophic-input') {
	print "550 5.7.1 ", "a" x 100_000, "!\n";
} elsif ($case eq 'many-rules') {
	# A rules file of 10,000 rules, each with its own pattern.
	for my $i (1 .. 10_000) {
		print "rule generated-$i\n\tcause unknown\n" .
		    "\tmatch \\bgenerated token $i\\b\n" .
		    "\texample 550 generated token $i\n\n";
	}
} elsif ($case eq 'tiny-mbox') {
	# KNOWN GAP (docs/robustness.md): an mbox of 32 MB of two-line
	# messages, ~2 million diagnoses held and rendered at once.
	stream("From a Thu\n\n550\n", n(32_000_000));
} else {
	die "gen.pl: unknown case '$case'\n";
}
exit 0;
