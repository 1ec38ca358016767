# scripts/lib/counts.sh: how scripts/test counts passed and failed tests in
# the output of each test driver, and which tests the portable edition's
# runs skip.  Sourced by scripts/test, portable/test/prepare and the test of
# the counting itself (test/counting/); defines functions only.  The
# *_counts functions print "passed failed" (tap_counts: "passed failed
# failed-files..."); assert_traps prints the failed Asserts it finds;
# skip_entries the entries of a skip list.

# pg_regress / pg_isolation_regress, per-test lines in either format:
#   before 16:   "test NAME ... ok  12 ms", "     NAME ... ok" (in a
#                parallel group), "... FAILED", "... failed (ignored)"
#   16 and on:   TAP, "ok 1         - NAME   12 ms" ("+" in a parallel
#                group) or "not ok 2     - NAME   45 ms"
# tests that never reported (the instance did not start, the run was cut
# short, "Bail out!") count as failed, and a non-zero exit status counts
# one failure at least
regress_counts() {	# log expected_count status
	local ok bad
	ok=$(grep -cE '^ *(test +)?[^ ]+ +\.\.\. +ok( |$)|^ok +[0-9]+ +[-+] +[^ ]' "$1")
	bad=$(grep -cE '^ *(test +)?[^ ]+ +\.\.\. +(FAILED|failed)( |$)|^not ok +[0-9]+ +[-+] +[^ ]' "$1")
	if [ $((ok + bad)) -lt "$2" ]; then
		bad=$(($2 - ok))
	fi
	if [ "$3" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
	fi
	echo "$ok $bad"
}

# prove / pg_prove summaries: "Files=F, Tests=T" and, for each file in
# the "Test Summary Report", "(Wstat: W Tests: T Failed: F)" and notes
# such as "Parse errors:" or "Non-zero exit status:".  Prints
# "passed failed failed-files..."
tap_counts() {	# log file_count status
	awk -v nfiles="$2" -v status="$3" '
		function close_file() {
			if (cur != "") {
				failed += curfail
				fasserts += curfail
				if (curfail == 0 && broken) failed++
				if (curfail > 0 || broken) badfiles = badfiles " " cur
			}
			cur = ""; curfail = 0; broken = 0
		}
		/^Test Summary Report/ { report = 1; next }
		report && /\(Wstat: [0-9]+.* Tests: [0-9]+ Failed: [0-9]+\)/ {
			close_file()
			cur = $1
			match($0, /Failed: [0-9]+/)
			curfail = substr($0, RSTART + 8, RLENGTH - 8) + 0
			next
		}
		report && /(Parse errors:|Non-zero exit status:|Non-zero wait status:|No plan found)/ {
			broken = 1
		}
		/^Files=[0-9]+, Tests=[0-9]+/ {
			close_file()
			report = 0
			match($0, /Tests=[0-9]+/)
			total += substr($0, RSTART + 6, RLENGTH - 6)
			seen = 1
		}
		END {
			close_file()
			if (!seen) failed = (nfiles > 0 ? nfiles : 1)
			if (status != 0 && failed == 0) failed = 1
			passed = total - fasserts
			if (passed < 0) passed = 0
			print passed + 0, failed + 0, badfiles
		}' "$1"
}

# a client suite's runner (node:test, pytest): the last pass count and
# the sum of the fail counts its regexes find; every test it declares but
# never reported counts as failed
client_counts() {	# log declared status pass-regex fail-regex
	local pass fail
	pass=$(grep -oE "$4" "$1" | tail -n 1 | grep -oE '[0-9]+')
	fail=$(grep -oE "$5" "$1" | awk '{ n += $1 } END { print n + 0 }')
	pass=${pass:-0}
	fail=${fail:-0}
	if [ $((pass + fail)) -lt "$2" ]; then
		fail=$(($2 - pass))
	fi
	if [ "$3" -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1
	fi
	echo "$pass $fail"
}

# the distinct "TRAP: " lines (a failed Assert) of the server logs (*.log)
# under the directories given (missing ones are skipped): each is an
# Assert that failed in a server built with assertions (the line names the
# process id, so two crashes are two lines)
assert_traps() {	# directory...
	grep -rhIs --include='*.log' -e '^TRAP: ' "$@" | sort -u
}

# the skip list of the portable edition's runs (portable/test/skip): one
# test a line, its path from the top of the tree (sql/NAME.sql,
# test/specs/NAME.spec, test/pgtap/NAME.sql, a client test file), white
# space, and the reason it cannot apply; "#" comments and blank lines are
# ignored.  Prints "skip PATH<TAB>REASON" for each entry, and "bad N: WHAT"
# for each line N that gives no reason, names no file under the top
# directory or names one twice.  A skipped test counts nothing; scripts/test
# counts each bad line as one failure, so that the list cannot go stale.
skip_entries() {	# skipfile topdir
	local n=0 line path reason
	local -A seen=()
	[ -f "$1" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		read -r path reason <<<"$line"
		if [ -z "$reason" ]; then
			echo "bad $n: $path gives no reason"
		elif [ ! -f "$2/$path" ]; then
			echo "bad $n: $path: no such test"
		elif [ -n "${seen[$path]:-}" ]; then
			echo "bad $n: $path is listed twice"
		else
			seen[$path]=1
			printf 'skip %s\t%s\n' "$path" "$reason"
		fi
	done <"$1"
}
