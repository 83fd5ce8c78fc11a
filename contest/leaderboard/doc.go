// Package leaderboard keeps the live boards of quiz rounds in Redis sorted
// sets: one per round and one per (round, unit), holding each participant's
// best attempt. It is the only code in contest/ that speaks to Redis, and
// everything it holds can be rebuilt from Postgres (Rebuild, Repairer,
// RebuildCommand).
//
// Board is the Redis side: Record, Top, Rank/Standing, Remove, Rebuild.
// Store reads Postgres: the entries a board is rebuilt from (round_ranking,
// the one ranking query), names and units, and a round's board settings
// (migration 0300: the freeze time). Public is what the API serves: pages
// with masked names, unit names and points, cached for a second, with
// ETags for polling pages.
//
// # Keys
//
// All keys of round 42 share the hash tag {r42}, so in Redis Cluster they
// sit in one slot and one Lua script can touch them all:
//
//	<prefix>lb:{r42}            the round's board (sorted set)
//	<prefix>lb:{r42}:u:17       the board of unit 17 (sorted set)
//	<prefix>lb:{r42}:p:<pid/128> participant -> entry, 128 participants to a
//	                            hash so Redis keeps each as a small listpack
//	<prefix>lb:{r42}:keys       the unit and mapping keys that exist (set)
//	<prefix>lb:{r42}:ok         marker: the board was built (value: when, size)
//	<prefix>lb:{r42}:building   rebuild lock (a token, with a TTL)
//	<prefix>lb:{r42}:tmp:<token>... the same keys for a board being rebuilt
//	<prefix>lb:{r42}:tmps       tokens of rebuilds whose keys may be left
//	<prefix>lb:{r42}:journal    Records and Removes made during a rebuild
//
// # Order and its encoding
//
// The live order is API.md's final order without the prediction: more
// correct answers, shorter duration, earlier submission (Unix milliseconds),
// lower attempt id (Better). Redis sorts a sorted set by score, then equal
// scores by the member's bytes (memcmp); ZREVRANGE lists both descending.
// An entry is a score below 2^53, which a float64 holds exactly, and a
// member whose bytes break the remaining ties, so that "Redis order" is
// exactly "descending (score, member)":
//
//	score (53 bits):
//	  bits 52..46  correct count c               (7 bits, 0..127)
//	  bits 45..19  2^27-1 - duration ms          (27 bits, 0..37 h 16 min)
//	  bits 18..0   high 19 bits of T
//	member (bytes):
//	  [0..2]       low 24 bits of T, big-endian
//	  [3]          0xFF - n, n = bytes of the attempt id (1..8)
//	  [4..3+n]     the attempt id, big-endian, each byte inverted (^)
//	  [4+n..]      participant id, uvarint
//
// where T = 2^43-1 - submission Unix ms (43 bits: until 2248), inverted so
// that earlier is larger. The time is split between score and member
// because 53 bits cannot hold 7 + 27 + 43 bits, let alone the attempt id.
// The attempt id is written with a length byte first, so shorter (smaller)
// ids compare before longer ones, then all its bytes are inverted to make
// lower ids larger: the encoding is prefix-free, so the comparison is
// decided inside it and the participant id after it never takes part (an
// attempt belongs to one participant). A typical member (attempt id below
// 2^32, participant id below 2^28) is 12 bytes, which keeps it in Redis's
// 16-byte allocation class.
//
// The participant hashes map a participant to the tiebreak part of their
// member plus their unit, so Record can find and replace the old entry and
// Rank can find the member without scanning. Record (a Lua script) writes
// only when the new entry ranks above the participant's current one, so a
// replayed or late lower result never lowers anyone. Lua compares members
// byte by byte, not with string comparison, which follows the locale.
//
// # Loss, rebuild and Redis failures
//
// Accounts disqualified from a contest are kept off its live boards: the
// contest service removes them when disqualified (and puts their best
// attempt back when reinstated), does not record their later attempts, and
// BestEntries leaves them out of every rebuild.
//
// The marker is set by Rebuild. When it is missing the board is lost: reads
// answer ErrUnavailable (503), Record writes nothing (the rebuild reads the
// attempt from Postgres), and the round is sent on Lost so the Repairer
// rebuilds it. A new round's board is created by the same path: its first
// rebuild loads zero or a few entries. The Repairer builds the boards of
// rounds opening within the hour on its pass every few seconds, and at once
// when an organizer creates a round or moves it to open sooner
// (RequestRepair), so a round opening now has its board before its first
// reader. Redis should run without snapshots
// for these keys (a restart then loses them and the marker together); after
// restoring an old snapshot, run `lawcontest leaderboard rebuild`.
//
// Rebuild loads into keys of its own with pipelined plain commands (a
// script per entry would cost Redis twice the time) and swaps them in with
// RENAME in one script. While it runs, Record and Remove write to the live
// board and to a journal that the rebuild replays on its board before the
// swap, so a submit during a rebuild is not lost. A Record that fails on a Redis error is kept in
// memory and replayed by Retry (the Repairer calls it); past a bound the
// round is rebuilt instead. When Redis does not answer, calls fail with
// ErrUnavailable and, for a second after a connection failure, fail at
// once without trying.
//
// # Freeze
//
// A round may hide its public board from a set time before it closes
// (contest rules often keep the last hours secret). That is a round
// setting checked by the HTTP layer, not state in Redis: from the freeze
// time it stops serving the public board and a participant's position
// (Top, and Standing.Position/UnitPosition), while still showing the
// participant their own score and duration (which it has from the submit
// and from Postgres). The board itself keeps recording, so it is complete
// and current when the results are out. An organizer still sees the board.
package leaderboard
