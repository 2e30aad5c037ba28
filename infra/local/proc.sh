# proc.sh is sourced by the emulator scripts (dynamodb-local.sh, minio.sh,
# ses-local.sh): the process handling they share. Before sourcing, a script sets
#   name     what it runs, for messages ("MinIO")
#   match    a fixed string of our process's command line, so that a pid reused by
#            another program since is never taken for ours
#   pidfile  one per port: instances on other ports are not ours
#   logfile  where the process writes
# and defines `ready`, which succeeds once the process answers.

# running reports whether the pid file names a live process of ours.
running() {
	[[ -f "$pidfile" ]] || return 1
	ps -o args= -p "$(cat "$pidfile")" 2>/dev/null | grep -qF -- "$match"
}

# port_answers reports whether something accepts connections on port $1.
port_answers() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# already_running prints the endpoint $1 and succeeds if our process runs.
already_running() {
	running || return 1
	echo "$name already running (pid $(cat "$pidfile"))" >&2
	echo "$1"
}

# wait_ready tries `ready` up to $1 times, 0.2 s apart,
# for `ready`, then prints the endpoint $2. It fails, showing the log, if the
# process exits or never answers.
wait_ready() {
	local tries=$1 endpoint=$2
	for _ in $(seq 1 "$tries"); do
		if ready; then
			echo "$endpoint"
			return
		fi
		if ! running; then
			echo "$name exited; see $logfile" >&2
			cat "$logfile" >&2
			rm -f "$pidfile"
			exit 1
		fi
		sleep 0.2
	done
	echo "$name did not answer at $endpoint within $((tries / 5))s; see $logfile" >&2
	stop
	exit 1
}

# stop stops our process, gently first, and forgets it.
stop() {
	if ! [[ -f "$pidfile" ]]; then
		echo "$name is not running (no pid file)" >&2
		return
	fi
	local pid
	pid="$(cat "$pidfile")"
	if running; then
		kill "$pid"
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid"
		fi
		echo "$name stopped (pid $pid)" >&2
	fi
	rm -f "$pidfile"
}
