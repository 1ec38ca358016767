# IdemTest: fixtures shared by the TAP tests of the idempotency extension.
#
# Key rows written directly (as a superuser; row-level security does not
# apply to one), for tests that need keys in a given state without going
# through the API, and the checks several tests make on a node.
package IdemTest;

use strict;
use warnings;

use Exporter 'import';
our @EXPORT = qw(insert_expired insert_live insert_live_lease count_keys key_lock_count
  completed_responses lost_completed);

# $n completed keys named "$prefix-1" .. "$prefix-$n" that expired an hour
# ago (each a microsecond apart, so their order is fixed).
sub insert_expired
{
	my ($node, $db, $prefix, $n) = @_;
	$node->safe_psql(
		$db, qq{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, response, created_at, completed_at, expires_at)
	SELECT current_user::regrole, '', '$prefix-' || g, 'completed', '{}',
	       now() - interval '2 hours', now() - interval '2 hours',
	       now() - interval '1 hour' + g * interval '1 microsecond'
	  FROM generate_series(1, $n) AS g});
	return;
}

# A completed key that lives another day.
sub insert_live
{
	my ($node, $db, $key) = @_;
	$node->safe_psql(
		$db, qq{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, response, created_at, completed_at, expires_at)
	VALUES (current_user::regrole, '', '$key', 'completed', '{}', now(), now(),
	        now() + interval '1 day')});
	return;
}

# An in_progress key past its expires_at but held under a lease that runs
# another day: expiry must leave it alone.
sub insert_live_lease
{
	my ($node, $db, $key) = @_;
	$node->safe_psql(
		$db, qq{
	INSERT INTO idempotency.idempotency_keys
	       (owner, scope, key, state, lease_token, lease_holder_pid, lease_interval,
	        lease_expires_at, created_at, expires_at)
	VALUES (current_user::regrole, '', '$key', 'in_progress', gen_random_uuid(), 1,
	        interval '1 day', now() + interval '1 day', now() - interval '2 hours',
	        now() - interval '1 hour')});
	return;
}

# How many keys named "$prefix-..." there are.
sub count_keys
{
	my ($node, $db, $prefix) = @_;
	return $node->safe_psql($db,
		"SELECT count(*) FROM idempotency.idempotency_keys WHERE key LIKE '$prefix-%'");
}

# How many key locks (advisory locks of the extension's class) are held.
sub key_lock_count
{
	my ($node, $db) = @_;
	return $node->safe_psql($db // 'postgres',
		q{SELECT count(*) FROM pg_catalog.pg_locks
		   WHERE locktype = 'advisory' AND objsubid = 18756});
}

# The completed keys and their stored responses, as a hash reference
# { "scope/key" => response as text }.
sub completed_responses
{
	my ($node) = @_;
	my %responses = map { split /=/, $_, 2 } split /\n/,
	  $node->safe_psql(
		'postgres', q{
		SELECT scope || '/' || key || '=' || response::text
		  FROM idempotency.idempotency_keys WHERE state = 'completed'});
	return \%responses;
}

# The keys of $before (from completed_responses) that $after no longer has
# completed with the same response, as "scope/key=response" lines.
sub lost_completed
{
	my ($before, $after) = @_;
	return map { "$_=$before->{$_}" }
	  grep { !defined $after->{$_} || $after->{$_} ne $before->{$_} }
	  sort keys %$before;
}

1;
