package functions_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// BenchmarkColdInit starts each bootstrap of template.yaml against the Runtime API
// harness, again and again, next to a hello-world aws-lambda-go function built the
// same way: the floor of size and init. Besides the time of a whole cold start
// (process start to its first /next request, then stopped), it reports:
//
//	init-ns/op   process start to the first /next request: the init Lambda bills
//	arm64-bytes  the linux/arm64 binary Lambda gets
//	host-bytes   the binary timed here, built for this machine
//
// make bench runs it; go test without -bench does not, since it takes dozens of
// cold starts. Timings depend on the machine; the sizes do not.
func BenchmarkColdInit(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("the bootstraps are linux binaries")
	}
	tpl := loadTemplate(b)
	var like build
	for _, fn := range tpl.functions(b) {
		host, arm64 := buildFunction(b, fn.ID, true), buildFunction(b, fn.ID, false)
		like = host
		env := functionEnv(b, tpl, fn, "leadgate-harness", "http://127.0.0.1:9")
		b.Run(fn.ID, func(b *testing.B) { coldInit(b, fn, host.path, arm64.path, env, like.flags) })
	}
	hello := lambdaFunction{ID: "HelloWorld", Handler: "bootstrap", MemorySize: 128, Timeout: 3, LogFormat: "JSON"}
	helloHost, helloARM64 := buildHello(b, like, true), buildHello(b, like, false)
	b.Run(hello.ID, func(b *testing.B) { coldInit(b, hello, helloHost, helloARM64, nil, like.flags) })
}

// coldInit starts the bootstrap host once per iteration and stops it once it asks
// for its first event. It logs the sizes of both binaries and how they were built.
func coldInit(b *testing.B, fn lambdaFunction, host, arm64 string, env map[string]string, flags []string) {
	b.Logf("linux/arm64 %s, linux/%s %s; built with %s, flags %s", binarySize(arm64), runtime.GOARCH, binarySize(host),
		runtime.Version(), quoteArgs(flags))
	api := newRuntimeAPI(b)
	var initTotal time.Duration
	starts := 0
	for b.Loop() {
		p := api.start(b, host, fn, env)
		starts++
		// Each process makes one /next request, then waits for an event until it is
		// stopped: the nth request is the nth process's.
		initTotal += p.waitNext(b, starts, 20*time.Second).Sub(p.startedAt)
		p.stop()
	}
	b.ReportMetric(float64(initTotal.Nanoseconds())/float64(starts), "init-ns/op")
	for unit, path := range map[string]string{"arm64-bytes": arm64, "host-bytes": host} {
		if fi, err := os.Stat(path); err == nil {
			b.ReportMetric(float64(fi.Size()), unit)
		}
	}
}

// binarySize formats the size of the binary at path, flagging one that is not
// stripped.
func binarySize(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	s := fmt.Sprintf("%.2f MiB", float64(fi.Size())/(1<<20))
	if !stripped(path) {
		s += " (not stripped)"
	}
	return s
}
