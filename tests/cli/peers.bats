#!/usr/bin/env bats
# peers.bats - how a node names its peers and reports on them: MEMBER@URL
# resolved by the one name-or-prefix resolver (as the CLI's ids), a bare
# URL by the member publishing it, mutua doctor over the
# ledger's read models, and --json lines that stay JSON whatever the text.

bats_require_minimum_version 1.5.0
load helpers

@test "sync: a peer named by member name or id prefix, or by the endpoint it publishes" {
	make_nodes 2
	# nothing listens: each resolves, then cannot reach the peer (exit 1)
	run -1 --separate-stderr mutua --home "${H[1]}" sync "N2@${EP[2]}" --timeout 1
	[[ $stderr == *"could not reach ${EP[2]}"* ]]
	run -1 --separate-stderr mutua --home "${H[1]}" sync "n2@${EP[2]}" --timeout 1
	[[ $stderr == *"could not reach ${EP[2]}"* ]]
	run -1 --separate-stderr mutua --home "${H[1]}" sync "${ID[2]:0:10}@${EP[2]}" --timeout 1
	[[ $stderr == *"could not reach ${EP[2]}"* ]]
	run -1 --separate-stderr mutua --home "${H[1]}" sync "${EP[2]}" --timeout 1
	[[ $stderr == *"could not reach ${EP[2]}"* ]]
	# this node itself, by prefix
	run -2 --separate-stderr mutua --home "${H[1]}" sync "${ID[1]:0:8}@${EP[2]}" --timeout 1
	[[ $stderr == *"is this node itself"* ]]
	# nobody of that name, a prefix too short to be one, an unpublished url
	run -2 --separate-stderr mutua --home "${H[1]}" sync "Nobody@${EP[2]}" --timeout 1
	[[ $stderr == *"peer 'Nobody@${EP[2]}': no member is named so or has such an id"* ]]
	run -2 --separate-stderr mutua --home "${H[1]}" sync "${ID[2]:0:5}@${EP[2]}" --timeout 1
	[[ $stderr == *"no member is named so or has such an id"* ]]
	run -2 --separate-stderr mutua --home "${H[1]}" sync "ipc://$T/nobody.sock" --timeout 1
	[[ $stderr == *"no member publishes this endpoint in its card or profile"* ]]
}

@test "doctor: peers from mutua.conf by id prefix, or every member publishing an endpoint" {
	make_nodes 3
	start_node 2
	run -1 mutua --home "${H[1]}" doctor # N3 is not running
	[[ $output == *"ok      store integrity: ok"* ]]
	[[ $output == *"peer N2 (${EP[2]}) reachable"* ]]
	[[ $output == *"PROBLEM peer N3 (${EP[3]}) not reachable"* ]]
	[[ $output == *"PROBLEM mutuad is not running for this home"* ]]
	echo "peer = ${ID[2]:0:12}@${EP[2]}" >"${H[1]}/mutua.conf"
	start_node 1
	# once N2 told it its own head: started, and through a handshake
	wait_log 1 "appends open"
	run -0 mutua --home "${H[1]}" doctor
	[[ $output == *"ok      mutuad runs for this home (pid $(daemon_pid 1))"* ]]
	[[ $output == *"peer N2 (${EP[2]}) reachable"* ]]
	[[ $output != *N3* ]]
}

@test "--json lines stay JSON: a path with a quote in export, then audit" {
	make_federation 2
	run -0 mutua --json --home "$A" export --out "$T/a \"quoted\" file"
	is_json_object "$output"
	[ "$(json_get "$output" '$.out')" = "$T/a \"quoted\" file" ]
	run -0 --separate-stderr mutua --json --home "$A" audit "$T/a \"quoted\" file" --genesis "$GENESIS"
	json_lines "$output" 1
	[ "$(json_get "$output" '$.ok')" = 1 ]
	[ "$(json_get "$output" '$.federation')" = "$FED_ID" ]
	[ "$(json_get "$output" '$.federation_name')" = "Pole Sud" ]
	[[ $output == *'"credits_moved":0.0,'* ]] # a number, as SQLite wrote it
}
