#!/usr/bin/env bash
# bench.sh is `make bench`: it runs every benchmark of shared/ and functions/, keeps
# the raw output under .cache/bench/ (git-ignored; compare two runs with benchstat),
# and ends with one table of the "Lean Lambdas" targets, what was measured and a
# ✓ or ✗ each. It exits 1 if a benchmark run fails or a measured target is missed; a
# target no benchmark reports yet is shown as "not measured".
#
# Runs: ./shared/... but shared/ses with -benchtime=1s (DynamoDB Local started for
# the benchmarks that count requests and units on a table, as
# LEADGATE_DYNAMODB_ENDPOINT); shared/ses and ./functions/... with -benchtime=1x:
# BenchmarkSharedSendRate sends a fleet's backlog per iteration, and
# BenchmarkColdInit loops by itself (15 interleaved cold starts of each bootstrap, its
# floor and hello world). A few minutes on 2 cores once the build cache is warm.
#
# What the table reads, by benchmark or by b.ReportMetric unit (any package):
#   BenchmarkColdInit/<Function>  arm64-MiB (≤ 9), floor-arm64-MiB, hello-arm64-MiB,
#                                 init-ms-median, floor-init-ms-median, init-ratio (≤ 1.15)
#   ddb-requests-new        DynamoDB requests of a capture by a new address     (= 1)
#   ddb-requests-returning  ... by an address that is already a lead            (≤ 2)
#   ddb-requests-repeat     ... by a repeat within the dedupe window            (≤ 2)
#                           (or the unit requests/capture, in a benchmark of
#                           shared/dynamodb named ...New..., ...Returning..., ...Repeat...)
#   wru/lead, rru/lead      write and read request units of one lead's whole funnel
#                           (view, capture, emails, confirm, download): the write
#                           target counts its index writes too (≤ 30, ≤ 10)
#   gsi-wru/lead            its index writes, counted apart: added to wru/lead
#   ddb-requests-lead-list  the most DynamoDB requests one call of the console's
#                           lead table made, whatever its filter (<= 3)
#   console-p50-ms          BenchmarkConsoleLeadPages (shared/bolt): the slowest
#                           median server time of every console page (the lead
#                           table filtered and deep, a lead, the pages list, funnel,
#                           deliverability, magnets, editor...) on the embedded store
#                           at console-leads leads (<= 100; LEADGATE_BENCH_LEADS,
#                           default 100,000)
#   BenchmarkCaptureVsBoltWrite1KB (shared/bolt: /store, /service; shared/httpapi: the
#                           route): x-bolt-write, a capture's time over one 1 KB bbolt
#                           write's, the two taken in turns: the median of 5 runs
#                           (≤ 1.5), with the lowest and highest; without it,
#                           BenchmarkCaptureNewLead over BenchmarkBoltWrite1KB, ns/op
#   throttled-share         in shared/ses (or ses-throttled-share anywhere), with
#                           sends/s, quota/s and unsent/op: the send rate the functions
#                           share under one SES quota; printed, no target
#   BenchmarkFunnelPages (shared/console): funnel-page-p50-ms, funnel-all-p50-ms,
#                           deliverability-p50-ms (each <= 100)
#   BenchmarkDeliveries (shared/webhooks): deliveries/s, due webhook deliveries
#                           claimed, signed, posted to a local receiver and recorded
#                           by one service on the embedded store; printed, no target
#   BenchmarkSoak (shared/localdev, runs once: about 4 minutes): the local server on
#                           the embedded store, its follower on, 50,000 captures over
#                           HTTP and their emails, then 500 captures/s for 60 s:
#                           soak-burst-drain-s (<= 20), soak-x-minimal (>= 0.8, with
#                           soak-captures/s and soak-minimal-writes/s), soak-drain-s,
#                           soak-fsyncs/lead (<= 3: commits plus outbox file syncs;
#                           soak-commits/lead, soak-fdatasyncs/lead),
#                           soak-funnel-p50-ms and soak-funnel-all-p50-ms (<= 100),
#                           soak-store-bytes/lead,
#                           soak-compacted-bytes/lead (<= 2048),
#                           soak-steady-last-email-s (<= 10, with soak-steady-captures/s
#                           >= 475 and soak-steady-max-backlog <= 5000)
#
# Environment: BENCH_DYNAMODB_PORT (default 8775, apart from make test's 8765),
# BENCH_MOTO_PORT (default 5010, apart from make test's 5000);
# LEADGATE_SOAK_LEADS (default 50000) and LEADGATE_SOAK_STEADY (default 60s, 0: none)
# for a shorter soak.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

outdir="$root/.cache/bench"
mkdir -p "$outdir"
raw="$outdir/bench-$(date -u +%Y%m%dT%H%M%SZ).txt"
: >"$raw"

step() { printf '\n== %s\n' "$*"; }

step "DynamoDB Local"
# Without it (no Java, no network for the first install) the benchmarks on a table
# skip, and their rows say "not measured".
export DYNAMODB_LOCAL_PORT="${BENCH_DYNAMODB_PORT:-8775}"
if bash infra/local/dynamodb-local.sh install && bash infra/local/dynamodb-local.sh start; then
	trap 'bash infra/local/dynamodb-local.sh stop || true' EXIT
	export LEADGATE_DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNAMODB_LOCAL_PORT"
else
	echo "DynamoDB Local did not start: the benchmarks on a table will be skipped" >&2
fi

step "moto (Secrets Manager)"
# BenchmarkColdInit starts each bootstrap as Lambda would: its init reads the signing
# secret from Secrets Manager, here moto's. Without it the benchmark skips, and the
# size and cold-init rows say "not measured".
export MOTO_PORT="${BENCH_MOTO_PORT:-5010}"
if bash infra/local/moto.sh install && bash infra/local/moto.sh start; then
	trap 'bash infra/local/dynamodb-local.sh stop || true; bash infra/local/moto.sh stop || true' EXIT
	export LEADGATE_MOTO_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
else
	echo "moto did not start: BenchmarkColdInit will be skipped" >&2
fi

# bench runs the benchmarks of packages with -benchtime=$1, appending the output to
# the raw file; a failed run is remembered, and the others still run.
failed=0
bench() {
	local benchtime=$1 what=$2
	shift 2
	step "go test -bench . -benchtime=$benchtime $what"
	go test -run '^$' -bench . -benchmem -benchtime="$benchtime" -timeout 30m "$@" 2>&1 | tee -a "$raw" || failed=1
}
mapfile -t shared < <(go list ./shared/... | grep -vx 'leadgate/shared/ses')
bench 1s "./shared/... but shared/ses" "${shared[@]}"
# The capture's ratio to a bare write moves with the disk by about 0.1 from one
# 1-second run to the next: its row reads the median of 5 paired runs, as cold init
# reads the median of 15 starts. This is the first and 4 more.
paired_runs=4
step "go test -bench CaptureVsBoltWrite1KB -count=$paired_runs (the paired capture runs)"
go test -run '^$' -bench 'CaptureVsBoltWrite1KB' -benchtime=1s -count="$paired_runs" -timeout 30m \
	./shared/bolt ./shared/httpapi 2>&1 | tee -a "$raw" || failed=1
bench 1x "./shared/ses (a fleet's backlog per iteration)" ./shared/ses
bench 1x "./functions/... (BenchmarkColdInit loops by itself)" ./functions/...

step "Lean Lambdas targets (raw output: ${raw#"$root"/})"
table_status=0
awk -v runfailed="$failed" '
function num(x) { return x + 0 }
# The padded columns stay ASCII: mawk pads by bytes.
# bench strips the -GOMAXPROCS suffix: BenchmarkColdInit/CaptureFunction-2.
function bench(name) { sub(/-[0-9]+$/, "", name); return name }
function row(target, measured, mark) {
	printf "%-46s  %-52s  %s\n", target, measured, mark
	if (mark == "✗") missed++
}
function check(ok) { return ok ? "✓" : "✗" }
function notMeasured(target) { row(target, "not measured", "") }
# unit returns the first value reported with unit u, "" if none.
function unit(u) { return (u in byUnit) ? byUnit[u] : "" }
# fallback returns the value of unit u in a benchmark of package p whose name
# matches re, "" if none.
function fallback(p, re, u,    k, parts) {
	for (k in val) {
		split(k, parts, SUBSEP)
		if (parts[1] == p && tolower(parts[2]) ~ re && parts[3] == u) return val[k]
	}
	return ""
}
function duration(ns) {
	if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
	return sprintf("%.1f us", ns / 1e3)
}
# ratioRow compares a capture benchmark with the bare write: a target if marked.
# pairedRow prefers the paired benchmark (a 1 KB write and a capture taken in turns,
# so the drift of the disk hits both alike: metric x-bolt-write), the median of its
# runs, then separate runs.
function pairedRow(target, p, paired, name, marked,    n, xs, i, j, x, r) {
	n = split(runs[p, paired, "x-bolt-write"], xs, " ")
	if (n == 0) { ratioRow(target, p, name, marked); return }
	for (i = 1; i <= n; i++) xs[i] = num(xs[i])
	for (i = 2; i <= n; i++) { x = xs[i]; for (j = i - 1; j > 0 && xs[j] > x; j--) xs[j + 1] = xs[j]; xs[j + 1] = x }
	r = (n % 2) ? xs[(n + 1) / 2] : (xs[n / 2] + xs[n / 2 + 1]) / 2
	row(target, sprintf("%.2fx median of %d paired runs (%.2f-%.2f)", r, n, xs[1], xs[n]), marked ? check(r <= 1.5) : "")
}
function ratioRow(target, p, name, marked,    v, r) {
	v = val[p, name, "ns/op"]
	if (v == "" || write == "") { if (marked) notMeasured(target); return }
	r = num(v) / num(write)
	row(target, sprintf("%.2fx (%s / %s)", r, duration(v), duration(write)), marked ? check(r <= 1.5) : "")
}
/^pkg: / { pkg = $2; next }
/^--- SKIP: Benchmark/ { skipped = bench($3); next }
skipped != "" && /^ +[^ ]/ { sub(/^ +/, ""); skips[pkg " " skipped] = $0; skipped = ""; next }
{ skipped = "" }
/^Benchmark[^ \t]*[ \t]+[0-9]+[ \t]/ {
	name = bench($1)
	for (i = 3; i < NF; i += 2) {
		val[pkg, name, $(i + 1)] = $i
		runs[pkg, name, $(i + 1)] = runs[pkg, name, $(i + 1)] " " $i
		if (!($(i + 1) in byUnit)) byUnit[$(i + 1)] = $i
		if (pkg == "leadgate/shared/ses" || $(i + 1) ~ /^ses-/) { ses[name] = pkg }
		if (name ~ /^BenchmarkColdInit\// && $(i + 1) == "arm64-MiB") fns[name] = 1
	}
}
END {
	printf "%-46s  %-52s  %s\n", "target", "measured", "ok"
	printf "%-46s  %-52s  %s\n", "------", "--------", "--"
	p = "leadgate/functions"
	n = 0
	for (f in fns) list[++n] = f
	# sort the functions by name (insertion sort: a handful)
	for (i = 2; i <= n; i++) { x = list[i]; for (j = i - 1; j > 0 && list[j] > x; j--) list[j + 1] = list[j]; list[j + 1] = x }
	if (n == 0) notMeasured("bootstrap sizes, arm64 <= 9 MiB")
	for (i = 1; i <= n; i++) {
		f = list[i]; id = substr(f, length("BenchmarkColdInit/") + 1)
		if (id == "HelloWorld") continue
		s = val[p, f, "arm64-MiB"]
		row("size " id " <= 9 MiB", sprintf("%.2f MiB (floor %.2f, hello %.2f)", s, val[p, f, "floor-arm64-MiB"], val[p, f, "hello-arm64-MiB"]), check(num(s) <= 9))
	}
	for (i = 1; i <= n; i++) {
		f = list[i]; id = substr(f, length("BenchmarkColdInit/") + 1)
		if (id == "HelloWorld") continue
		r = val[p, f, "init-ratio"]
		row("cold init " id " <= 1.15x floor", sprintf("%.3fx (%.2f / %.2f ms, medians)", r, val[p, f, "init-ms-median"], val[p, f, "floor-init-ms-median"]), check(num(r) <= 1.15))
	}
	if (val[p, "BenchmarkColdInit/HelloWorld", "init-ms-median"] != "")
		row("cold init HelloWorld (reference)", sprintf("%.2f ms (median)", val[p, "BenchmarkColdInit/HelloWorld", "init-ms-median"]), "")

	d = "leadgate/shared/dynamodb"
	split("new returning repeat", kinds, " ")
	for (i = 1; i <= 3; i++) {
		k = kinds[i]
		v = unit("ddb-requests-" k)
		if (v == "") v = fallback(d, k, "requests/capture")
		target = "DynamoDB requests, capture " k (k == "new" ? " = 1" : " <= 2")
		if (v == "") notMeasured(target)
		else row(target, v, check(k == "new" ? num(v) == 1 : num(v) <= 2))
	}
	split("wru/lead rru/lead", units, " ")
	limits["wru/lead"] = 30; limits["rru/lead"] = 10
	for (i = 1; i <= 2; i++) {
		u = units[i]; v = unit(u)
		target = "whole funnel " toupper(substr(u, 1, 3)) " per lead <= " limits[u]
		if (u == "wru/lead") target = "whole funnel WRU per lead with indexes <= " limits[u]
		if (v == "") notMeasured(target)
		else if (u == "wru/lead" && unit("gsi-wru/lead") != "") {
			g = unit("gsi-wru/lead")
			row(target, sprintf("%g (table %g, indexes %g)", num(v) + num(g), num(v), num(g)), check(num(v) + num(g) <= limits[u]))
		} else row(target, v, check(num(v) <= limits[u]))
	}
	v = unit("ddb-requests-lead-list")
	if (v == "") notMeasured("DynamoDB requests, console lead list <= 3")
	else row("DynamoDB requests, console lead list <= 3", v, check(num(v) <= 3))
	v = unit("console-p50-ms")
	if (v == "") notMeasured("every console page p50 at 100,000 leads <= 100 ms")
	else row(sprintf("every console page p50 at %d leads <= 100 ms", unit("console-leads")), sprintf("%.1f ms (slowest page)", v), check(num(v) <= 100))

	b = "leadgate/shared/bolt"
	write = val[b, "BenchmarkBoltWrite1KB", "ns/op"]
	pairedRow("bolt capture (store) <= 1.5x 1 KB bbolt write", b, "BenchmarkCaptureVsBoltWrite1KB/store", "BenchmarkCaptureNewLead", 1)
	pairedRow("bolt capture (HTTP route) <= 1.5x 1 KB write", "leadgate/shared/httpapi", "BenchmarkCaptureVsBoltWrite1KB", "BenchmarkCaptureNewLead", 1)
	pairedRow("bolt capture (service; no target)", b, "BenchmarkCaptureVsBoltWrite1KB/service", "BenchmarkCaptureServiceNewLead", 0)

	s = "leadgate/shared/console"; k = "BenchmarkFunnelPages"
	v = val[s, k, "funnel-page-p50-ms"]
	if (v == "") notMeasured("console: funnel and deliverability pages (BenchmarkFunnelPages)")
	else {
		row("console: funnel of a page p50 <= 100 ms (40 pages of counters)", sprintf("%.1f ms", v), check(num(v) <= 100))
		v = val[s, k, "funnel-all-p50-ms"]
		row("console: funnel of all pages p50 <= 100 ms", sprintf("%.1f ms", v), check(num(v) <= 100))
		v = val[s, k, "deliverability-p50-ms"]
		row("console: deliverability p50 <= 100 ms", sprintf("%.1f ms", v), check(num(v) <= 100))
	}
	s = "leadgate/shared/localdev"; k = "BenchmarkSoak"
	n = val[s, k, "soak-leads"]
	if (n == "") notMeasured("soak: captures and their emails (BenchmarkSoak)")
	else {
		v = val[s, k, "soak-burst-drain-s"]
		row("soak: 3,000-capture burst emailed <= 20 s", sprintf("%.1f s after its last capture", v), check(num(v) <= 20))
		v = val[s, k, "soak-x-minimal"]
		row("soak: captures >= 0.8x minimal server", sprintf("%.2fx (%.0f / %.0f a second)", v, val[s, k, "soak-captures/s"], val[s, k, "soak-minimal-writes/s"]), check(num(v) >= 0.8))
		row(sprintf("soak: emails of %d leads out (no target)", n), sprintf("%.1f s after the last capture", val[s, k, "soak-drain-s"]), "")
		v = val[s, k, "soak-fsyncs/lead"]
		row("soak: syncs per lead <= 3 (commits + outbox)", sprintf("%.2f (%.3f commits; %.2f fdatasyncs)", v, val[s, k, "soak-commits/lead"], val[s, k, "soak-fdatasyncs/lead"]), check(num(v) <= 3))
		v = val[s, k, "soak-funnel-p50-ms"]
		row(sprintf("soak: console funnel p50 at %d leads <= 100 ms", n), sprintf("%.1f ms", v), check(num(v) <= 100))
		v = val[s, k, "soak-funnel-all-p50-ms"]
		row(sprintf("soak: console funnel, all pages, p50 at %d leads <= 100 ms", n), sprintf("%.1f ms", v), check(num(v) <= 100))
		row(sprintf("soak: store per lead, %d leads (no target)", n), sprintf("%.0f bytes, outbox aside", val[s, k, "soak-store-bytes/lead"]), "")
		v = val[s, k, "soak-compacted-bytes/lead"]
		if (v == "") notMeasured("soak: store per lead, compacted <= 2 KB")
		else row("soak: store per lead, compacted <= 2 KB", sprintf("%.0f bytes", v), check(num(v) <= 2048))
		v = val[s, k, "soak-steady-last-email-s"]
		if (v == "") notMeasured("soak: 500 captures/s, last email <= 10 s")
		else {
			r = val[s, k, "soak-steady-captures/s"]; w = val[s, k, "soak-steady-max-backlog"]
			row("soak: 500 captures/s, last email <= 10 s", sprintf("%.1f s (%.0f captures/s, <= %d emails waiting)", v, r, w), check(num(v) <= 10 && num(r) >= 475 && num(w) <= 5000))
		}
	}

	s = "leadgate/shared/webhooks"; k = "BenchmarkDeliveries"
	v = val[s, k, "deliveries/s"]
	if (v == "") notMeasured("webhooks: deliveries/s, one instance (BenchmarkDeliveries)")
	else row("webhooks: deliveries/s, one instance (no target)", sprintf("%.0f a second to a local receiver", v), "")

	m = 0
	for (name in ses) {
		q = ses[name]
		share = val[q, name, "throttled-share"]
		if (share == "") share = val[q, name, "ses-throttled-share"]
		if (share == "") continue
		detail = sprintf("throttled %.1f%%", 100 * share)
		if (val[q, name, "sends/s"] != "") detail = detail sprintf(", %.1f of %s sends/s", val[q, name, "sends/s"], val[q, name, "quota/s"])
		if (val[q, name, "unsent/op"] != "") detail = detail sprintf(", %s unsent/run", val[q, name, "unsent/op"])
		label = name
		sub(/^Benchmark/, "", label)
		row("SES " label, detail, "")
		m++
	}
	if (m == 0) notMeasured("SES shared send rate (throttled-share)")

	for (k in skips) { if (!hdr++) print "\nskipped benchmarks:"; print "  " k ": " skips[k] }
	if (runfailed) print "\na go test -bench run failed: see the output above"
	if (missed) printf "\n%d target(s) missed\n", missed
	exit (missed || runfailed) ? 1 : 0
}' "$raw" || table_status=$?
exit "$table_status"
