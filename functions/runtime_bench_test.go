package functions_test

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// coldStarts is how many times each binary is timed, after one start that warms the
// page cache and is not counted.
const coldStarts = 15

// floorOf names, for each function of template.yaml, the minimal binary under
// testdata/floor with the same SDK clients (those its main builds) on the same
// runtime loop (shared/lambdaruntime): the ratio weighs what the function adds to
// both, like for like.
var floorOf = map[string]string{
	// Every function but ses-events reads its secrets at init: so does its floor.
	"CaptureFunction":        "dynamodb-secrets",
	"PageFunction":           "dynamodb-secrets",
	"LinksFunction":          "dynamodb-secrets",
	"SesEventsFunction":      "dynamodb",
	"DownloadFunction":       "dynamodb-secrets", // presigns with shared/s3url: no S3 client
	"AdminFunction":          "dynamodb-secrets",
	"FollowupFunction":       "dynamodb-secrets", // sends with shared/sesmail: no SES client
	"DispatcherFunction":     "dynamodb-secrets",
	"ConsoleFunction":        "dynamodb-secrets",
	"ConsoleEditorFunction":  "dynamodb-secrets",
	"ConsoleContentFunction": "dynamodb-secrets", // presigns with shared/s3url: no S3 client
}

// helloFloor is the smallest aws-lambda-go function, with no SDK client: the
// reference of a minimal function, on aws-lambda-go's own loop.
const helloFloor = "hello"

// BenchmarkColdInit builds each function of template.yaml with its Makefile target,
// the minimal binary with the same SDK clients (testdata/floor, floorOf) and a
// hello-world aws-lambda-go function with the same flags, and times their cold init
// against the Runtime API harness: process start to the first /next request, the
// init Lambda bills. The starts are interleaved, a round at a time (function A, its
// floor, hello world, function B, ...), so that what else the machine does weighs on
// all alike; each binary starts once unmeasured first, to warm the page cache.
//
// Each function's sub-benchmark reports:
//
//	init-ms-median        median of coldStarts inits of the function
//	floor-init-ms-median  median of the inits of its floor, started right after it
//	init-ratio            the one over the other (target ≤ 1.15)
//	arm64-MiB             the linux/arm64 bootstrap Lambda gets (target ≤ 9 MiB)
//	floor-arm64-MiB       its floor, built for linux/arm64 the same way
//	hello-arm64-MiB       hello world, built for linux/arm64 the same way
//
// and HelloWorld reports init-ms-median and arm64-MiB of its own. ns/op is left out:
// a sub-benchmark only reports what the rounds measured. The whole table, with the
// quartiles of each set of starts, is printed before the results. Sizes are of arm64
// builds; timings are of the same code built for this machine, with the same flags.
// Before timing, it checks that each function links the SDK clients of its floor
// (and logs the clients it links beyond them), and that a floor built in this module
// weighs what the same program weighs alone. make bench (infra/bench.sh) runs it with
// -benchtime=1x and checks the targets.
func BenchmarkColdInit(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("the bootstraps are linux binaries")
	}
	tpl := loadTemplate(b)
	var subjects []*initSubject
	for _, fn := range tpl.functions(b) {
		floor, ok := floorOf[fn.ID]
		if !ok {
			b.Fatalf("%s has no floor: add it to floorOf, with a testdata/floor binary of the SDK clients its main builds", fn.ID)
		}
		subjects = append(subjects, &initSubject{fn: fn, pkg: functionPackage(b, fn.ID), floor: floor})
	}
	extraClients := checkFloors(b, subjects)

	var like build // how make builds a function: the floors are built the same way
	for _, s := range subjects {
		host := buildFunction(b, s.fn.ID, true)
		s.host, s.arm64 = host.path, buildFunction(b, s.fn.ID, false).path
		like = host
		s.env = functionEnv(b, tpl, s.fn, "leadgate-harness", "http://127.0.0.1:9")
	}
	// Every timed binary is a copy, written in one piece as Lambda unpacks a
	// function: how a file was written changes how many page faults its start takes
	// (the linker's output takes more than a copy), so the two sides of a ratio must
	// be written alike. Each function's floor is a copy of its own: one floor file
	// started once a round per function would stay warmer in the caches than each
	// function, and flatter it.
	dir := b.TempDir()
	for _, s := range subjects {
		s.floorHost, s.floorARM64 = buildFloor(b, s.floor, like, true), buildFloor(b, s.floor, like, false)
		s.host = copyBinary(b, s.host, filepath.Join(dir, s.fn.ID, "bootstrap"))
		s.floorHost = copyBinary(b, s.floorHost, filepath.Join(dir, "floor-of-"+s.fn.ID, "bootstrap"))
	}
	helloHost, helloARM64 := buildFloor(b, helloFloor, like, true), buildFloor(b, helloFloor, like, false)
	helloHost = copyBinary(b, helloHost, filepath.Join(dir, "hello", "bootstrap"))
	checkFloorsStandalone(b, helloARM64, buildHello(b, like, false))

	api := newRuntimeAPI(b)
	hello := lambdaFunction{ID: "HelloWorld", Handler: "bootstrap", MemorySize: 128, Timeout: 3, LogFormat: "JSON"}
	starts := 0
	coldInit := func(bootstrap string, fn lambdaFunction, env map[string]string) time.Duration {
		p := api.start(b, bootstrap, fn, env)
		starts++
		// Each process makes one /next request, then waits for an event until it is
		// stopped: the nth request is the nth process's.
		d := p.waitNext(b, starts, 20*time.Second).Sub(p.startedAt)
		p.stop()
		return d
	}
	var helloInits []time.Duration
	for round := range coldStarts + 1 {
		for _, s := range subjects {
			var d, floor time.Duration
			if round%2 == 0 { // which of the two starts first alternates
				d, floor = coldInit(s.host, s.fn, s.env), coldInit(s.floorHost, s.fn, s.env)
			} else {
				floor, d = coldInit(s.floorHost, s.fn, s.env), coldInit(s.host, s.fn, s.env)
			}
			h := coldInit(helloHost, hello, nil)
			if round > 0 {
				s.inits, s.floorInits, helloInits = append(s.inits, d), append(s.floorInits, floor), append(helloInits, h)
			}
		}
	}

	helloMiB := mebibytes(b, helloARM64)
	helloInit := median(helloInits)
	printTable(b, subjects, helloMiB, helloInits, like)
	for _, s := range subjects {
		size, floorSize := mebibytes(b, s.arm64), mebibytes(b, s.floorARM64)
		init, floorInit := median(s.inits), median(s.floorInits)
		b.Run(s.fn.ID, func(b *testing.B) {
			b.StopTimer() // nothing is timed here: the rounds above were
			for _, note := range extraClients[s.fn.ID] {
				b.Log(note)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(init, "init-ms-median")
			b.ReportMetric(floorInit, "floor-init-ms-median")
			b.ReportMetric(init/floorInit, "init-ratio")
			b.ReportMetric(size, "arm64-MiB")
			b.ReportMetric(floorSize, "floor-arm64-MiB")
			b.ReportMetric(helloMiB, "hello-arm64-MiB")
		})
	}
	b.Run(hello.ID, func(b *testing.B) {
		b.StopTimer()
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(helloInit, "init-ms-median")
		b.ReportMetric(helloMiB, "arm64-MiB")
	})
}

// printTable prints the measurements as one table, to stdout: go test prints the log
// of a benchmark with sub-benchmarks only under -v, and cuts a long log short.
func printTable(t testing.TB, subjects []*initSubject, helloMiB float64, helloInits []time.Duration, like build) {
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\tfloor\tarm64 MiB\tfloor MiB\thello MiB\tinit ms\t(p25-p75)\tfloor init ms\t(p25-p75)\tratio\t")
	for _, s := range subjects {
		size, floorSize := mebibytes(t, s.arm64), mebibytes(t, s.floorARM64)
		init, floorInit := median(s.inits), median(s.floorInits)
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%.2f\t%s\t%.3f\t\n", s.fn.ID, s.floor, size, floorSize, helloMiB,
			init, quartiles(s.inits), floorInit, quartiles(s.floorInits), init/floorInit)
	}
	fmt.Fprintf(tw, "HelloWorld\t-\t%.2f\t\t\t%.2f\t%s\t\t\t\t\n", helloMiB, median(helloInits), quartiles(helloInits))
	tw.Flush()
	fmt.Printf("cold init: built with %s, flags %s: sizes of linux/arm64 builds, inits of linux/%s builds;\n"+
		"medians of %d interleaved cold inits each (process start to its first /next request):\n%s",
		runtime.Version(), quoteArgs(like.flags), runtime.GOARCH, coldStarts, table.String())
}

// initSubject is a function of template.yaml, its floor, their builds and inits.
type initSubject struct {
	fn                    lambdaFunction
	pkg, floor            string // the function's package (./functions/capture), its floorOf
	host, arm64           string // the function's bootstraps
	floorHost, floorARM64 string
	env                   map[string]string // the function's, given to its floor too
	inits, floorInits     []time.Duration
}

// sdkClient matches the import path of an AWS SDK service client package.
var sdkClient = regexp.MustCompile(`^github\.com/aws/aws-sdk-go-v2/service/[^/]+$`)

// checkFloors checks that each function links the SDK clients of its floor, and
// returns, by function, notes on the clients it links beyond them (a client pulled in
// by an adapter that the function never builds still weighs in its size).
func checkFloors(b *testing.B, subjects []*initSubject) map[string][]string {
	b.Helper()
	var pkgs []string
	for _, s := range subjects {
		pkgs = append(pkgs, importPath(s.pkg), importPath("./functions/testdata/floor/"+s.floor))
	}
	graph := lambdaImportGraph(b, pkgs...)
	clients := func(root string) []string {
		var out []string
		for p := range graph.deps(root) {
			if sdkClient.MatchString(p) {
				out = append(out, p)
			}
		}
		slices.Sort(out)
		return out
	}
	notes := map[string][]string{}
	for _, s := range subjects {
		own, want := clients(importPath(s.pkg)), clients(importPath("./functions/testdata/floor/"+s.floor))
		for _, c := range want {
			if !slices.Contains(own, c) {
				b.Fatalf("%s does not link %s, which its floor %s builds: fix floorOf", s.fn.ID, c, s.floor)
			}
		}
		for _, c := range own {
			if !slices.Contains(want, c) {
				notes[s.fn.ID] = append(notes[s.fn.ID], fmt.Sprintf("links %s, which its floor %s does not: %s", c, s.floor,
					strings.Join(graph.chain(importPath(s.pkg), c), " -> ")))
			}
		}
	}
	return notes
}

// importPath turns a package pattern of the Makefile (./functions/capture) into its
// import path.
func importPath(pattern string) string {
	return "leadgate/" + strings.TrimPrefix(filepath.ToSlash(filepath.Clean(pattern)), "./")
}

// functionPackage returns the package the function's build-<LogicalId> target builds,
// as make -n shows it: the last argument of its go build command.
func functionPackage(t testing.TB, id string) string {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", "-n", "-C", repoRoot, "build-"+id, "ARTIFACTS_DIR=/artifacts")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build-%s: %v\n%s", id, err, out)
	}
	goBuild := regexp.MustCompile(`\sbuild\s`)
	for line := range strings.SplitSeq(string(out), "\n") {
		if goBuild.MatchString(line) {
			fields := strings.Fields(line)
			return "./" + filepath.ToSlash(filepath.Clean(fields[len(fields)-1]))
		}
	}
	t.Fatalf("build-%s runs no go build:\n%s", id, out)
	return ""
}

// buildFloor builds testdata/floor/<name> with like's flags and environment, for the
// host (to time it) or for arm64 (to weigh it as Lambda would get it).
func buildFloor(t testing.TB, name string, like build, forHost bool) string {
	t.Helper()
	arch := "arm64"
	if forHost {
		arch = runtime.GOARCH
	}
	out := filepath.Join(buildDir(t, "floor", name, arch), "bootstrap")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	cmd := exec.Command("go", append(append([]string{"build"}, like.flags...), "-o", out, "./testdata/floor/"+name)...)
	cmd.Env = append(os.Environ(), "GOOS="+like.env["GOOS"], "GOARCH="+arch, "CGO_ENABLED="+like.env["CGO_ENABLED"])
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build testdata/floor/%s: %v\n%s", name, err, b)
	}
	checkELF(t, out, arch)
	if !stripped(out) {
		t.Fatalf("testdata/floor/%s is not stripped: built with %s", name, quoteArgs(like.flags))
	}
	return out
}

// checkFloorsStandalone checks that a floor built inside this module weighs what the
// same program weighs in a module of its own (buildHello): the floors are built by
// path from testdata, and must carry nothing of leadgate.
func checkFloorsStandalone(t testing.TB, inModule, standalone string) {
	t.Helper()
	a, b := mebibytes(t, inModule), mebibytes(t, standalone)
	if math.Abs(a-b) > 1.0/16 {
		t.Fatalf("testdata/floor/%s weighs %.3f MiB, the same program in a module of its own %.3f MiB", helloFloor, a, b)
	}
}

// copyBinary copies the executable at from to a new file at to, and returns to.
func copyBinary(t testing.TB, from, to string) string {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return to
}

// mebibytes returns the size of the file at path in MiB.
func mebibytes(t testing.TB, path string) float64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return float64(fi.Size()) / (1 << 20)
}

// median returns the median of ds in milliseconds.
func median(ds []time.Duration) float64 { return quantile(ds, 0.5) }

// quartiles formats the first and third quartiles of ds in milliseconds: how far
// the starts spread.
func quartiles(ds []time.Duration) string {
	return fmt.Sprintf("(%.2f-%.2f)", quantile(ds, 0.25), quantile(ds, 0.75))
}

// quantile returns the q-quantile of ds in milliseconds, interpolated between the
// two nearest samples.
func quantile(ds []time.Duration, q float64) float64 {
	s := slices.Sorted(slices.Values(ds))
	if len(s) == 0 {
		return 0
	}
	pos := q * float64(len(s)-1)
	i := int(pos)
	v := float64(s[i])
	if i+1 < len(s) {
		v += (pos - float64(i)) * float64(s[i+1]-s[i])
	}
	return v / float64(time.Millisecond)
}
